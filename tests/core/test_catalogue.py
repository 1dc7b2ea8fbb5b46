"""Tests for the shipped remediation catalogue, the scorecard and their loaders."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from l2c_core.catalogue import (
    CATALOGUE_FILE,
    DOLLAR_KINDS,
    OUTCOMES,
    Catalogue,
    Remediation,
    Scorecard,
    load_catalogue,
    load_scorecard,
)
from l2c_core.errors import QuestionnaireError
from l2c_core.integrity import RULES
from l2c_core.questionnaire import default_questionnaire

DIMENSION_IDS = ["data", "process", "tooling", "people", "measurement", "ai_readiness"]
RULE_IDS = {
    "stage_timestamps",
    "close_date",
    "next_step",
    "champion",
    "competitor",
    "loss_reason",
}
MEASURES = {
    "clean_rate",
    "win_rate",
    "median_cycle_days",
    "avg_won_amount",
    "velocity",
    "next_step_coverage",
    "close_date_hygiene",
    "stage_conversion",
    "open_opportunities",
}
# Dimensions a fix of each dimension must not depend on (the method's sequence:
# data first, process before tooling, AI last).
FORBIDDEN_PREREQUISITES = {
    "data": {"process", "tooling", "ai_readiness"},
    "process": {"tooling", "ai_readiness"},
    "tooling": {"ai_readiness"},
    "people": {"ai_readiness"},
    "measurement": {"ai_readiness"},
    # The planner holds AI items to weeks 5-6, so a pilot that needed another AI
    # item could never start there: the groundwork lives in earlier dimensions.
    "ai_readiness": {"ai_readiness"},
}


@pytest.fixture(name="catalogue", scope="module")
def fixture_catalogue() -> Catalogue:
    """Load the shipped catalogue once for the module."""
    return load_catalogue()


@pytest.fixture(name="scorecard", scope="module")
def fixture_scorecard() -> Scorecard:
    """Load the shipped scorecard once for the module."""
    return load_scorecard()


def _dimension(remediation_id: str) -> str:
    """Return the dimension part of a remediation id."""
    return remediation_id.split(".", 1)[0]


# --- The shipped catalogue ----------------------------------------------------


def test_catalogue_shipped_file_has_id_and_version(catalogue: Catalogue) -> None:
    """The shipped catalogue loads with its id and version."""
    assert catalogue.id == "default-remediations"
    assert catalogue.version == "1.0.0"


def test_catalogue_has_thirty_fixes_and_four_per_dimension(
    catalogue: Catalogue,
) -> None:
    """At least thirty remediations, at least four in each of the six dimensions."""
    assert len(catalogue.remediations) >= 30
    counts = Counter(r.dimension for r in catalogue.remediations)
    assert set(counts) == set(DIMENSION_IDS)
    assert all(counts[d] >= 4 for d in DIMENSION_IDS), counts


def test_catalogue_ids_start_with_their_dimension(catalogue: Catalogue) -> None:
    """Each id is ``<dimension>.<slug>`` with the remediation's own dimension."""
    for remediation in catalogue.remediations:
        assert _dimension(remediation.id) == remediation.dimension, remediation.id


def test_catalogue_has_at_least_ten_dollar_fixes(catalogue: Catalogue) -> None:
    """At least ten fixes carry dollars, and only those carry an impact."""
    dollar = [r for r in catalogue.remediations if r.kind in DOLLAR_KINDS]
    assert len(dollar) >= 10
    for remediation in catalogue.remediations:
        assert (remediation.impact is not None) == (remediation.kind in DOLLAR_KINDS)


def test_catalogue_fields_are_in_realistic_ranges(catalogue: Catalogue) -> None:
    """Effort fits a two-week block, horizons are 1-6 months, risks 0.1-0.4."""
    for remediation in catalogue.remediations:
        assert 1 <= remediation.effort_days <= 10, remediation.id
        assert 1 <= remediation.horizon_months <= 6, remediation.id
        if remediation.impact is not None:
            assert 0.1 <= remediation.impact.adoption_risk <= 0.4, remediation.id
            assert remediation.impact.low < 1 < remediation.impact.high


def test_catalogue_trigger_questions_exist_in_the_questionnaire(
    catalogue: Catalogue,
) -> None:
    """Every question a trigger names is one of the questionnaire's eighteen."""
    question_ids = {q.id for q in default_questionnaire().questions}
    for remediation in catalogue.remediations:
        unknown = set(remediation.trigger.questions) - question_ids
        assert not unknown, f"{remediation.id} names unknown questions {unknown}"


def test_catalogue_trigger_rules_are_record_rules(catalogue: Catalogue) -> None:
    """Every rule a trigger names is one of the six record rules."""
    assert set(RULES) == RULE_IDS
    for remediation in catalogue.remediations:
        unknown = set(remediation.trigger.rules) - RULE_IDS
        assert not unknown, f"{remediation.id} names unknown rules {unknown}"


def test_catalogue_every_question_triggers_a_fix(catalogue: Catalogue) -> None:
    """Each of the eighteen questions triggers at least one remediation."""
    triggered = {q for r in catalogue.remediations for q in r.trigger.questions}
    question_ids = {q.id for q in default_questionnaire().questions}
    assert question_ids - triggered == set()


def test_catalogue_every_rule_triggers_a_data_fix(catalogue: Catalogue) -> None:
    """Each record rule triggers at least one fix of kind data."""
    triggered = {
        rule
        for r in catalogue.remediations
        if r.kind == "data"
        for rule in r.trigger.rules
    }
    assert RULE_IDS - triggered == set()


def test_catalogue_shares_per_lever_sum_to_about_one(catalogue: Catalogue) -> None:
    """The shares of the fixes moving one lever sum to between 0.9 and 1.0."""
    shares: dict[tuple[str, int | None], float] = defaultdict(float)
    for remediation in catalogue.remediations:
        if remediation.impact is not None:
            lever = (remediation.kind, remediation.impact.stage)
            shares[lever] += remediation.impact.share
    assert {kind for kind, _ in shares} == set(DOLLAR_KINDS)
    assert ("conversion", 2) in shares
    for lever, total in shares.items():
        assert 0.9 <= total <= 1.0 + 1e-9, f"{lever} shares sum to {total}"


def test_catalogue_only_conversion_fixes_name_a_stage(catalogue: Catalogue) -> None:
    """A stage belongs to conversion fixes; the other levers are company-wide."""
    for remediation in catalogue.remediations:
        if remediation.impact is not None and remediation.kind != "conversion":
            assert remediation.impact.stage is None, remediation.id


def test_catalogue_dollarless_fixes_unlock_dollar_fixes(catalogue: Catalogue) -> None:
    """At most three data, forecast or enabling fixes are nobody's prerequisite."""
    needed = {p for r in catalogue.remediations for p in r.prerequisites}
    orphans = [
        r.id
        for r in catalogue.remediations
        if r.kind not in DOLLAR_KINDS and r.id not in needed
    ]
    assert len(orphans) <= 3, orphans


def test_catalogue_prerequisites_follow_the_sequence(catalogue: Catalogue) -> None:
    """Data first, process before tooling, and no fix needs an AI fix."""
    for remediation in catalogue.remediations:
        forbidden = FORBIDDEN_PREREQUISITES[remediation.dimension]
        for prerequisite in remediation.prerequisites:
            assert _dimension(prerequisite) not in forbidden, (
                f"{remediation.id} needs {prerequisite}"
            )


def test_catalogue_ai_pilots_need_data_fixes(catalogue: Catalogue) -> None:
    """Every AI dollar fix depends, directly or not, on a data-dimension fix."""
    by_id = {r.id: r for r in catalogue.remediations}

    def ancestors(remediation: Remediation) -> set[str]:
        found: set[str] = set()
        stack = list(remediation.prerequisites)
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(by_id[current].prerequisites)
        return found

    pilots = [
        r
        for r in catalogue.remediations
        if r.dimension == "ai_readiness" and r.kind in DOLLAR_KINDS
    ]
    assert pilots
    for pilot in pilots:
        assert any(_dimension(a) == "data" for a in ancestors(pilot)), pilot.id


def test_catalogue_default_path_is_the_shipped_file() -> None:
    """The loader's default path is questionnaires/remediations.toml."""
    assert CATALOGUE_FILE.name == "remediations.toml"
    assert CATALOGUE_FILE.parent.name == "questionnaires"
    assert CATALOGUE_FILE.is_file()


# --- The shipped scorecard ----------------------------------------------------


def test_scorecard_has_twelve_metrics_two_per_outcome(scorecard: Scorecard) -> None:
    """Twelve metrics: two leading indicators for each of the six outcomes."""
    assert scorecard.id == "default-scorecard"
    assert scorecard.version == "1.0.0"
    assert len(scorecard.metrics) == 12
    counts = Counter(m.outcome for m in scorecard.metrics)
    assert counts == dict.fromkeys(OUTCOMES, 2)


def test_scorecard_metrics_are_complete(scorecard: Scorecard) -> None:
    """Indicators are unique, measures are known, targets are labelled targets."""
    indicators = [m.indicator for m in scorecard.metrics]
    assert len(set(indicators)) == len(indicators)
    for metric in scorecard.metrics:
        assert metric.measure is None or metric.measure in MEASURES, metric.indicator
        assert metric.target.startswith("Target"), metric.indicator
        assert "benchmark" not in metric.target.lower(), metric.indicator


def test_scorecard_carries_the_playbook_targets(scorecard: Scorecard) -> None:
    """The 90 % clean-record and 50 % stage 2→3 targets are on the scorecard."""
    by_measure = {m.measure: m for m in scorecard.metrics if m.measure}
    assert "90 %" in by_measure["clean_rate"].target
    assert "50 %" in by_measure["stage_conversion"].target


# --- Malformed catalogues -----------------------------------------------------


def _entry(
    remediation_id: str,
    kind: str = "data",
    *,
    prerequisites: tuple[str, ...] = (),
    impact: str | None = None,
) -> str:
    """Render one remediation as TOML, with an [impact] table when given."""
    lines = [
        "[[remediations]]",
        f'id = "{remediation_id}"',
        f'dimension = "{_dimension(remediation_id)}"',
        f'title = "Fix {remediation_id}"',
        'description = "Do the thing."',
        'done_when = "The thing is done."',
        f'kind = "{kind}"',
        'owner = "RevOps lead"',
        "effort_days = 2",
        "horizon_months = 1",
        'outcome = "win rate"',
        f"prerequisites = {list(prerequisites)!r}".replace("'", '"'),
        "[remediations.trigger]",
        'questions = { "data.record_hygiene" = 2 }',
    ]
    if impact is not None:
        lines += ["[remediations.impact]", impact]
    return "\n".join(lines)


def _write(tmp_path: Path, *entries: str) -> Path:
    """Write a catalogue of ``entries`` under ``tmp_path`` and return its path."""
    path = tmp_path / "remediations.toml"
    header = 'id = "test"\nversion = "0.1.0"\n'
    path.write_text(header + "\n".join(entries) + "\n", encoding="utf-8")
    return path


def _load_error(path: Path) -> str:
    """Load ``path`` and return the message of the QuestionnaireError it raises."""
    with pytest.raises(QuestionnaireError) as info:
        load_catalogue(path)
    assert info.value.path == str(path)
    return str(info.value)


def test_catalogue_minimal_valid_file_loads(tmp_path: Path) -> None:
    """The helper's entries make a valid catalogue, so each error below is real."""
    path = _write(
        tmp_path,
        _entry("data.fields"),
        _entry(
            "process.exit",
            "conversion",
            prerequisites=("data.fields",),
            impact="stage = 2",
        ),
    )
    catalogue = load_catalogue(path)
    assert catalogue.get("process.exit").impact is not None
    assert math.isclose(catalogue.get("process.exit").impact.share, 1.0)


def test_catalogue_unknown_prerequisite_is_named(tmp_path: Path) -> None:
    """A prerequisite that no entry defines names the fix and the missing id."""
    path = _write(tmp_path, _entry("data.fields", prerequisites=("data.nowhere",)))
    message = _load_error(path)
    assert str(path) in message
    assert "data.fields" in message
    assert "unknown prerequisite" in message
    assert "data.nowhere" in message


def test_catalogue_prerequisite_cycle_is_named(tmp_path: Path) -> None:
    """Prerequisites that loop back are reported with the fixes in the loop."""
    path = _write(
        tmp_path,
        _entry("data.first", prerequisites=("data.second",)),
        _entry("data.second", prerequisites=("data.first",)),
    )
    message = _load_error(path)
    assert str(path) in message
    assert "cycle" in message
    assert "data.first" in message
    assert "data.second" in message


def test_catalogue_conversion_fix_without_stage_is_named(tmp_path: Path) -> None:
    """A conversion fix must say which stage it moves."""
    path = _write(tmp_path, _entry("process.exit", "conversion", impact="share = 0.5"))
    message = _load_error(path)
    assert str(path) in message
    assert "process.exit" in message
    assert "impact.stage" in message


def test_catalogue_data_fix_with_impact_is_named(tmp_path: Path) -> None:
    """A dollar-less fix that carries an [impact] table is rejected."""
    path = _write(tmp_path, _entry("data.fields", "data", impact="share = 0.5"))
    message = _load_error(path)
    assert str(path) in message
    assert "data.fields" in message
    assert "remove [impact]" in message


def test_catalogue_duplicate_id_is_named(tmp_path: Path) -> None:
    """Two entries with one id are reported with that id."""
    path = _write(tmp_path, _entry("data.fields"), _entry("data.fields"))
    message = _load_error(path)
    assert str(path) in message
    assert "data.fields" in message
    assert "twice" in message


def test_catalogue_missing_file_is_named(tmp_path: Path) -> None:
    """A missing catalogue file raises QuestionnaireError naming the file."""
    path = tmp_path / "absent.toml"
    message = _load_error(path)
    assert str(path) in message
    assert "not found" in message
