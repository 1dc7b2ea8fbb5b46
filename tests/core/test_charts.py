"""Tests of the dimension-score chart and its browser-free SVG export."""

import json

import pytest

from l2c_core.charts import CURRENT, TARGET, chart_svg, scores_chart
from l2c_core.questionnaire import Questionnaire
from l2c_core.scoring import Scores, score

DIMENSIONS = [
    ("data", "Data", 90),
    ("process", "Process", 80),
    ("tooling", "Tooling", 75),
    ("people", "People", 80),
    ("measurement", "Measurement", 80),
    ("ai", "AI readiness", 70),
]


def _questionnaire() -> Questionnaire:
    # Built here rather than read from questionnaires/, so the chart is tested
    # against known targets whatever the shipped file says.
    options = [{"level": level, "label": f"State {level}"} for level in range(5)]
    return Questionnaire.model_validate(
        {
            "id": "health_check",
            "version": "1.0",
            "title": "Test",
            "dimensions": [
                {"id": d, "name": name, "target": target}
                for d, name, target in DIMENSIONS
            ],
            "questions": [
                {
                    "id": f"{d}.q{i}",
                    "dimension": d,
                    "text": f"{d} {i}?",
                    "options": options,
                }
                for d, _, _ in DIMENSIONS
                for i in range(3)
            ],
        }
    )


@pytest.fixture(name="scores")
def scores_fixture() -> Scores:
    questionnaire = _questionnaire()
    answers = {
        q.id: (i % 5 if i % 4 else "unknown")
        for i, q in enumerate(questionnaire.questions)
    }
    return score(questionnaire, answers, targets={"tooling": 65})


def _values(spec: dict) -> list[dict]:
    data = spec["data"]
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


def test_scores_chart_data_holds_each_dimension_current_and_target(scores):
    values = _values(scores_chart(scores).to_dict())

    by_key = {(row["dimension"], row["series"]): row["score"] for row in values}
    assert len(values) == 12
    for dimension in scores.dimensions:
        assert by_key[(dimension.name, CURRENT)] == pytest.approx(
            dimension.current, abs=0.05
        )
        assert by_key[(dimension.name, TARGET)] == pytest.approx(dimension.target)
    assert by_key[("Tooling", TARGET)] == 65


def test_scores_chart_lists_dimensions_in_questionnaire_order_on_0_100(scores):
    spec = scores_chart(scores).to_dict()

    assert spec["encoding"]["y"]["sort"] == [name for _, name, _ in DIMENSIONS]
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 100]
    assert spec["encoding"]["color"]["scale"]["domain"] == [CURRENT, TARGET]
    assert spec["title"]["text"]


def test_scores_chart_spec_has_no_remote_url(scores):
    assert "url" not in json.dumps(scores_chart(scores).to_dict())


def test_chart_svg_returns_svg_with_dimension_labels(scores):
    svg = chart_svg(scores_chart(scores))

    assert svg.lstrip().startswith("<svg")
    for _, name, _ in DIMENSIONS:
        assert name in svg


def test_chart_svg_with_font_sets_the_text_font(scores):
    svg = chart_svg(scores_chart(scores), font="Libertinus Serif")

    assert "Libertinus Serif" in svg
