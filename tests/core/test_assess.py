"""The whole assessment on the shipped questionnaire and catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from l2c_core.assess import assess
from l2c_core.catalogue import default_catalogue
from l2c_core.questionnaire import default_questionnaire

ROOT = Path(__file__).resolve().parents[2]
DEMO_ANSWERS = json.loads((ROOT / "assets" / "demo_answers.json").read_text())[
    "answers"
]
DEMO_PROFILE = json.loads((ROOT / "assets" / "demo_profile.json").read_text())
QUESTIONNAIRE = default_questionnaire()


def _answers(level_by_dimension: dict[str, Any], default: Any = 4) -> dict[str, Any]:
    return {
        q.id: level_by_dimension.get(q.dimension, default)
        for q in QUESTIONNAIRE.questions
    }


def _triggered_by_questions(result: Any) -> set[str]:
    return {
        r.remediation
        for r in result.remediations
        if any(" answered " in reason for reason in r.reasons)
    }


@pytest.mark.parametrize("dimension", [d.id for d in QUESTIONNAIRE.dimensions])
def test_assess_level_four_removes_what_a_dimension_triggered(dimension: str) -> None:
    low = assess(_answers({dimension: 0}), profile=DEMO_PROFILE)
    high = assess(_answers({dimension: 4}), profile=DEMO_PROFILE)
    questions = {q.id for q in QUESTIONNAIRE.questions_for(dimension)}
    # At level 0 the dimension's questions trigger fixes; at level 4 none do.
    by_dimension = {
        r.remediation
        for r in low.remediations
        if any(reason.split(" ")[0] in questions for reason in r.reasons)
    }
    assert by_dimension, f"{dimension} at level 0 triggers nothing"
    assert _triggered_by_questions(high) == set()
    assert high.remediations == ()


def test_assess_two_profiles_give_different_figures_and_rankings() -> None:
    small = {
        "annual_new_arr": 3e6,
        "win_rate": 0.35,
        "avg_deal_size": 15_000,
        "cycle_days": 40,
        "pipeline_by_stage": {"2": 30e6},
        "conversion": {"2": 0.2},
        "targets": {"2": 0.45},
    }
    large = {
        "annual_new_arr": 80e6,
        "win_rate": 0.12,
        "avg_deal_size": 400_000,
        "cycle_days": 240,
        "pipeline_by_stage": {"2": 20e6},
        "conversion": {"2": 0.48},
        "targets": {"2": 0.5},
    }
    a = assess(DEMO_ANSWERS, profile=small)
    b = assess(DEMO_ANSWERS, profile=large)
    assert a.business_case.net != pytest.approx(b.business_case.net)
    assert [r.remediation for r in a.remediations] != [
        r.remediation for r in b.remediations
    ]


def _recompute_gross(opportunity: dict[str, Any]) -> float:
    """A lever's gross from the inputs result.json shows beside it, times the share."""
    inputs = {k: v["value"] for k, v in opportunity["inputs"].items()}
    lever = opportunity["lever"]
    if lever.startswith("conversion:"):
        stage = lever.split(":")[1]
        gap = inputs[f"target_conversion_{stage}"] - inputs[f"conversion_{stage}"]
        gross = inputs[f"pipeline_{stage}"] * max(0.0, gap)
    elif lever == "win_rate":
        closed = inputs["annual_new_arr"] / inputs["win_rate"]
        gross = closed * max(0.0, inputs["target_win_rate"] - inputs["win_rate"])
    elif lever == "cycle":
        days = max(0.0, inputs["cycle_days"] - inputs["target_cycle_days"])
        gross = inputs["annual_new_arr"] * days / 365
    else:
        deals = inputs["annual_new_arr"] / inputs["avg_deal_size"]
        gross = deals * max(
            0.0, inputs["target_avg_deal_size"] - inputs["avg_deal_size"]
        )
    return gross * opportunity["share"]


def test_assess_every_dollar_figure_recomputes_from_its_inputs() -> None:
    result = assess(DEMO_ANSWERS, profile=DEMO_PROFILE)
    data = json.loads(result.model_dump_json(by_alias=True))
    assert data["opportunities"]
    catalogue = default_catalogue()
    for opportunity in data["opportunities"]:
        gross = _recompute_gross(opportunity)
        fix = catalogue.get(opportunity["remediation"])
        assert fix.impact is not None
        ramp = (12 - fix.horizon_months) / 12
        net = gross * ramp * (1 - fix.impact.adoption_risk)
        assert opportunity["gross"] == pytest.approx(gross)
        assert opportunity["net"] == pytest.approx(net)
        assert opportunity["low"] == pytest.approx(net * fix.impact.low)
        assert opportunity["high"] == pytest.approx(net * fix.impact.high)
        assert opportunity["kind"] == fix.kind
    case = data["business_case"]
    assert case["net"] == pytest.approx(sum(o["net"] for o in data["opportunities"]))
    assert case["multiple"] == pytest.approx(
        case["net"] / DEMO_PROFILE["engagement_cost"]
    )


def test_assess_result_json_has_the_contract_keys() -> None:
    data = json.loads(assess(DEMO_ANSWERS, profile=DEMO_PROFILE).model_dump_json())
    for key in ("scores", "opportunities", "remediations", "plan", "scorecard"):
        assert key in data
    assert [b["name"] for b in data["plan"]["blocks"]] == [
        "weeks 1-2",
        "weeks 3-4",
        "weeks 5-6",
        "after week 6",
    ]
    item = next(i for b in data["plan"]["blocks"] for i in b["items"])
    assert {"remediation", "dimension", "owner", "effort_days"} <= set(item)
    assert len(data["scorecard"]) == 12
    assert {"outcome", "indicator", "owner", "decision", "cadence"} <= set(
        data["scorecard"][0]
    )
    opportunity = data["opportunities"][0]
    for key in (
        "remediation",
        "kind",
        "gross",
        "net",
        "low",
        "high",
        "inputs",
        "formula",
    ):
        assert key in opportunity
    ranks = [r["rank"] for r in data["remediations"]]
    assert ranks == list(range(1, len(ranks) + 1))


def test_assess_playbook_example_with_the_shipped_catalogue() -> None:
    profile = {
        "pipeline_by_stage": {"2": 48e6},
        "conversion": {"2": 0.38},
        "targets": {"2": 0.5},
    }
    result = assess(_answers({"process": 0}, default=4), profile=profile)
    stage_two = [o for o in result.opportunities if o.lever == "conversion:2"]
    assert stage_two
    lever_gross = sum(o.gross for o in stage_two) / sum(o.share for o in stage_two)
    assert lever_gross == pytest.approx(5_760_000)


def test_assess_bad_profile_field_is_reported_and_the_rest_sized() -> None:
    result = assess(DEMO_ANSWERS, profile={**DEMO_PROFILE, "win_rate": 2})
    assert [i.field for i in result.profile_issues] == ["win_rate"]
    assert result.opportunities
