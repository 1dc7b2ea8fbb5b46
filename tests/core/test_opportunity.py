"""The opportunity model: triggers, lever sizing, shares, ramp, risk and ranking."""

from __future__ import annotations

from typing import Any

import pytest

from l2c_core.catalogue import Catalogue
from l2c_core.opportunity import Assumptions, size
from l2c_core.profile import Profile, parse_profile


def _fix(identifier: str, kind: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": identifier,
        "dimension": identifier.split(".")[0],
        "title": f"Fix {identifier}",
        "description": "Do the thing.",
        "done_when": "The thing is done.",
        "kind": kind,
        "owner": "RevOps lead",
        "effort_days": 5,
        "horizon_months": 3,
        "outcome": "win rate",
        "trigger": {"questions": {"process.exit_criteria": 2}},
    }
    entry.update(extra)
    return entry


def _catalogue(*entries: dict[str, Any]) -> Catalogue:
    return Catalogue.model_validate(
        {"id": "t", "version": "1", "remediations": entries}
    )


ANSWERS_LOW: dict[str, Any] = {"process.exit_criteria": 1, "data.stage_dates": 0}
ANSWERS_HIGH: dict[str, Any] = {"process.exit_criteria": 4, "data.stage_dates": 4}
PLAYBOOK = {
    "pipeline_by_stage": {"2": 48_000_000},
    "conversion": {"2": 0.38},
    "targets": {"2": 0.50},
    "annual_new_arr": 12_000_000,
}


def _profile(raw: dict[str, Any]) -> Profile:
    profile, issues = parse_profile(raw)
    assert issues == []
    return profile


def test_size_playbook_example_is_5_76m_gross() -> None:
    catalogue = _catalogue(
        _fix("process.exit", "conversion", impact={"stage": 2, "adoption_risk": 0.2})
    )
    sizing = size(catalogue, ANSWERS_LOW, _profile(PLAYBOOK))
    (opportunity,) = sizing.opportunities
    assert opportunity.gross == pytest.approx(48_000_000 * 0.12)
    assert opportunity.gross == pytest.approx(5_760_000)
    # Three months to take effect: ramp 9/12; 20 % adoption risk.
    assert opportunity.ramp == pytest.approx(0.75)
    assert opportunity.net == pytest.approx(5_760_000 * 0.75 * 0.8)
    assert opportunity.low == pytest.approx(opportunity.net * 0.6)
    assert opportunity.high == pytest.approx(opportunity.net * 1.4)
    assert "$48,000,000" in opportunity.formula and "$5,760,000" in opportunity.formula
    assert not opportunity.illustrative
    assert {i.source for i in opportunity.inputs.values()} == {"profile"}


def test_size_without_profile_uses_defaults_and_is_illustrative() -> None:
    catalogue = _catalogue(_fix("process.exit", "conversion", impact={"stage": 2}))
    sizing = size(catalogue, ANSWERS_LOW, Profile())
    (opportunity,) = sizing.opportunities
    assert opportunity.gross == pytest.approx(5_760_000)
    assert opportunity.illustrative
    assert sizing.business_case.illustrative


def test_size_shared_lever_is_split_not_double_counted() -> None:
    catalogue = _catalogue(
        _fix("process.exit", "conversion", impact={"stage": 2, "share": 0.5}),
        _fix("process.qualify", "conversion", impact={"stage": 2, "share": 0.3}),
    )
    sizing = size(catalogue, ANSWERS_LOW, _profile(PLAYBOOK))
    gross = {o.remediation: o.gross for o in sizing.opportunities}
    assert gross["process.exit"] == pytest.approx(5_760_000 * 0.5)
    assert gross["process.qualify"] == pytest.approx(5_760_000 * 0.3)
    assert sizing.business_case.gross <= 5_760_000 + 1e-6


def test_size_shares_above_one_are_scaled_to_the_gap() -> None:
    catalogue = _catalogue(
        _fix("process.exit", "conversion", impact={"stage": 2, "share": 0.8}),
        _fix("process.qualify", "conversion", impact={"stage": 2, "share": 0.8}),
    )
    sizing = size(catalogue, ANSWERS_LOW, _profile(PLAYBOOK))
    assert sizing.business_case.gross == pytest.approx(5_760_000)


@pytest.mark.parametrize(
    ("kind", "profile", "expected"),
    [
        # $10M won at 20 % win rate = $50M closed; 5 points more = $2.5M.
        (
            "win_rate",
            {"annual_new_arr": 10e6, "win_rate": 0.2, "targets": {"win_rate": 0.25}},
            2_500_000,
        ),
        # 15 days shorter of a 90-day cycle pulls 15/365 of a year's $10M.
        (
            "velocity",
            {"annual_new_arr": 10e6, "cycle_days": 90, "targets": {"cycle_days": 75}},
            10e6 * 15 / 365,
        ),
        # 250 won deals of $40k, each $4k larger.
        (
            "deal_size",
            {
                "annual_new_arr": 10e6,
                "avg_deal_size": 40_000,
                "targets": {"avg_deal_size": 44_000},
            },
            1_000_000,
        ),
    ],
)
def test_size_lever_formulas(
    kind: str, profile: dict[str, Any], expected: float
) -> None:
    catalogue = _catalogue(_fix("people.fix", kind, impact={}))
    (opportunity,) = size(catalogue, ANSWERS_LOW, _profile(profile)).opportunities
    assert opportunity.gross == pytest.approx(expected)


def test_size_answers_at_level_four_trigger_nothing() -> None:
    catalogue = _catalogue(_fix("process.exit", "conversion", impact={"stage": 2}))
    assert size(catalogue, ANSWERS_HIGH, _profile(PLAYBOOK)).opportunities == ()
    assert size(catalogue, ANSWERS_HIGH, _profile(PLAYBOOK)).remediations == ()


def test_size_dont_know_triggers_like_level_zero() -> None:
    catalogue = _catalogue(_fix("process.exit", "conversion", impact={"stage": 2}))
    answers = {"process.exit_criteria": "unknown"}
    (ranked,) = size(catalogue, answers, _profile(PLAYBOOK)).remediations
    assert "Don't know" in ranked.reasons[0]


def test_size_enabling_fix_is_worth_what_it_unlocks_and_ranks_by_value_per_day() -> (
    None
):
    catalogue = _catalogue(
        _fix(
            "data.dates",
            "data",
            effort_days=2,
            trigger={"questions": {"data.stage_dates": 1}},
        ),
        _fix(
            "process.exit",
            "conversion",
            effort_days=10,
            prerequisites=["data.dates"],
            impact={"stage": 2, "adoption_risk": 0.0},
            horizon_months=0,
        ),
    )
    sizing = size(catalogue, ANSWERS_LOW, _profile(PLAYBOOK))
    ranked = {r.remediation: r for r in sizing.remediations}
    assert ranked["data.dates"].value == pytest.approx(5_760_000)
    assert ranked["data.dates"].value_per_day == pytest.approx(5_760_000 / 2)
    assert ranked["process.exit"].value_per_day == pytest.approx(576_000)
    assert [r.remediation for r in sizing.remediations] == [
        "data.dates",
        "process.exit",
    ]


def test_size_untriggered_prerequisite_is_pulled_in() -> None:
    catalogue = _catalogue(
        _fix("data.dates", "data", trigger={"questions": {"data.stage_dates": 0}}),
        _fix(
            "process.exit",
            "conversion",
            prerequisites=["data.dates"],
            impact={"stage": 2},
        ),
    )
    answers = {"process.exit_criteria": 1, "data.stage_dates": 3}
    ranked = {
        r.remediation: r
        for r in size(catalogue, answers, _profile(PLAYBOOK)).remediations
    }
    assert "data.dates" in ranked
    assert ranked["data.dates"].reasons == ("needed first by process.exit",)


def test_size_ties_put_data_fixes_first() -> None:
    catalogue = _catalogue(
        _fix("people.a", "enabling"),
        _fix("data.b", "data"),
        _fix("measurement.c", "forecast"),
    )
    order = [
        r.remediation for r in size(catalogue, ANSWERS_LOW, Profile()).remediations
    ]
    assert order[0] == "data.b"


def test_size_two_profiles_give_different_figures_and_rankings() -> None:
    catalogue = _catalogue(
        _fix("people.win", "win_rate", impact={}),
        _fix("process.exit", "conversion", impact={"stage": 2}),
    )
    small = _profile(
        {
            "annual_new_arr": 2e6,
            "win_rate": 0.3,
            "pipeline_by_stage": {"2": 40e6},
            "conversion": {"2": 0.3},
            "targets": {"2": 0.4, "win_rate": 0.4},
        }
    )
    large = _profile(
        {
            "annual_new_arr": 50e6,
            "win_rate": 0.2,
            "pipeline_by_stage": {"2": 10e6},
            "conversion": {"2": 0.45},
            "targets": {"2": 0.5, "win_rate": 0.3},
        }
    )
    a = size(catalogue, ANSWERS_LOW, small)
    b = size(catalogue, ANSWERS_LOW, large)
    assert a.business_case.net != pytest.approx(b.business_case.net)
    assert a.remediations[0].remediation == "process.exit"
    assert b.remediations[0].remediation == "people.win"


def test_size_what_if_changes_the_figure_and_is_marked() -> None:
    catalogue = _catalogue(_fix("process.exit", "conversion", impact={"stage": 2}))
    changed = size(
        catalogue,
        ANSWERS_LOW,
        _profile(PLAYBOOK),
        assumptions=Assumptions(
            target_conversion={2: 0.44}, adoption_risk=0.0, ramp_months=0
        ),
    )
    (opportunity,) = changed.opportunities
    assert opportunity.gross == pytest.approx(48e6 * 0.06)
    assert opportunity.net == pytest.approx(48e6 * 0.06)
    assert opportunity.inputs["target_conversion_2"].source == "what-if"


def test_size_business_case_multiple_of_engagement_cost() -> None:
    catalogue = _catalogue(
        _fix(
            "process.exit",
            "conversion",
            impact={"stage": 2, "adoption_risk": 0.0},
            horizon_months=0,
        )
    )
    sizing = size(
        catalogue, ANSWERS_LOW, _profile({**PLAYBOOK, "engagement_cost": 576_000})
    )
    assert sizing.business_case.multiple == pytest.approx(10.0)
