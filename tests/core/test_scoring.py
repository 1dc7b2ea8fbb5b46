"""Dimension and overall scores, Don't-know gaps, targets, the measured Data score."""

from __future__ import annotations

import pytest

from l2c_core.questionnaire import UNKNOWN, Questionnaire
from l2c_core.scoring import score


def _question(question_id: str, weight: float) -> dict:
    return {
        "id": question_id,
        "dimension": question_id.split(".")[0],
        "text": f"How is {question_id}?",
        "weight": weight,
        "options": [{"level": level, "label": f"level {level}"} for level in range(5)],
    }


@pytest.fixture(name="questionnaire")
def fixture_questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(
        {
            "id": "small",
            "version": "1",
            "title": "Small",
            "dimensions": [
                {"id": "data", "name": "Data", "weight": 2, "target": 80},
                {"id": "process", "name": "Process", "weight": 1, "target": 60},
            ],
            "questions": [
                _question("data.a", 3),
                _question("data.b", 1),
                _question("process.a", 1),
                _question("process.b", 2),
                _question("process.c", 1),
            ],
        }
    )


ANSWERS = {
    "data.a": 4,
    "data.b": 0,
    "process.a": 2,
    "process.b": UNKNOWN,
    "process.c": 3,
}
# data    = 100 × (3×4/4 + 1×0/4) ÷ 4             = 75
# process = 100 × (1×2/4 + 2×0 + 1×3/4) ÷ 4        = 31.25
# overall = (2×75 + 1×31.25) ÷ 3                   = 60.41666…
DATA, PROCESS, OVERALL = 75.0, 31.25, (2 * 75.0 + 31.25) / 3


def test_score_weighted_dimensions_and_overall(questionnaire):
    scores = score(questionnaire, ANSWERS)
    assert scores.dimension("data").current == pytest.approx(DATA)
    assert scores.dimension("process").current == pytest.approx(PROCESS)
    assert scores.overall == pytest.approx(OVERALL)
    assert scores.dimension("data").gap == pytest.approx(80 - DATA)
    assert scores.dimension("process").gap == pytest.approx(60 - PROCESS)


def test_score_dont_know_scores_zero_and_is_an_evidence_gap(questionnaire):
    unknown = score(questionnaire, ANSWERS)
    zero = score(questionnaire, {**ANSWERS, "process.b": 0})
    assert unknown.dimension("process").current == zero.dimension("process").current
    assert unknown.evidence_gaps == ("process.b",)
    assert unknown.dimension("process").unknown == ("process.b",)
    assert zero.evidence_gaps == ()


def test_score_targets_override_questionnaire(questionnaire):
    scores = score(questionnaire, ANSWERS, targets={"process": 50})
    assert scores.dimension("process").target == 50
    assert scores.dimension("process").gap == pytest.approx(50 - PROCESS)
    assert scores.dimension("data").target == 80


def test_score_measured_data_replaces_self_assessment(questionnaire):
    scores = score(questionnaire, ANSWERS, measured_data=55.0)
    data = scores.dimension("data")
    assert data.current == pytest.approx(55.0)
    assert data.measured == pytest.approx(55.0)
    assert data.self_assessed == pytest.approx(DATA)
    assert data.gap == pytest.approx(80 - 55.0)
    assert scores.overall == pytest.approx((2 * 55.0 + PROCESS) / 3)
    assert scores.dimension("process").measured is None


@pytest.mark.parametrize("measured", [55.0, 95.0])
def test_score_twenty_points_apart_contradiction_sentence(questionnaire, measured):
    sentence = score(questionnaire, ANSWERS, measured_data=measured).contradiction
    assert sentence is not None
    assert "Data" in sentence
    assert "75" in sentence
    assert f"{measured:.0f}" in sentence


@pytest.mark.parametrize("measured", [56.0, 94.0, 75.0])
def test_score_nineteen_points_apart_no_contradiction(questionnaire, measured):
    assert score(questionnaire, ANSWERS, measured_data=measured).contradiction is None


def test_score_without_measurement_no_contradiction(questionnaire):
    scores = score(questionnaire, ANSWERS)
    assert scores.contradiction is None
    assert scores.dimension("data").measured is None
