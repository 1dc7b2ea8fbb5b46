"""Tests for the shipped questionnaire, its loader and answer validation."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from l2c_core.errors import AnswersError, QuestionnaireError
from l2c_core.questionnaire import (
    DEFAULT_QUESTIONNAIRE,
    UNKNOWN,
    Questionnaire,
    load_questionnaire,
    validate_answers,
)

DEMO_ANSWERS = Path(__file__).resolve().parents[2] / "assets" / "demo_answers.json"
DIMENSION_IDS = ["data", "process", "tooling", "people", "measurement", "ai_readiness"]
DIMENSION_NAMES = [
    "Data",
    "Process",
    "Tooling",
    "People",
    "Measurement",
    "AI readiness",
]


@pytest.fixture(name="questionnaire", scope="module")
def fixture_questionnaire() -> Questionnaire:
    """Load the shipped questionnaire once for the module."""
    return load_questionnaire(DEFAULT_QUESTIONNAIRE)


@pytest.fixture(name="demo_answers")
def fixture_demo_answers() -> dict[str, object]:
    """Read the raw demo answer set shipped in assets/."""
    document = json.loads(DEMO_ANSWERS.read_text(encoding="utf-8"))
    answers: dict[str, object] = document["answers"]
    return answers


def _question_toml(question_id: str, dimension: str, levels: list[int]) -> str:
    """Render one question with one option per entry of ``levels``."""
    lines = [
        "[[questions]]",
        f'id = "{question_id}"',
        f'dimension = "{dimension}"',
        f'text = "Is {question_id} in place?"',
    ]
    for index, level in enumerate(levels):
        lines += [
            "[[questions.options]]",
            f"level = {level}",
            f'label = "State {index} of {question_id}."',
        ]
    return "\n".join(lines)


def _questionnaire_toml(questions: list[tuple[str, str, list[int]]]) -> str:
    """Render a small questionnaire with dimensions data and process."""
    header = "\n".join(
        [
            'id = "test"',
            'version = "0.1.0"',
            'title = "Test"',
            "[[dimensions]]",
            'id = "data"',
            'name = "Data"',
            "target = 90",
            "[[dimensions]]",
            'id = "process"',
            'name = "Process"',
            "target = 80",
        ]
    )
    return "\n".join([header, *(_question_toml(*q) for q in questions)]) + "\n"


VALID_QUESTIONS = [
    ("data.timestamps", "data", [0, 1, 2, 3, 4]),
    ("process.stages", "process", [4, 3, 2, 1, 0]),
]


def _write(tmp_path: Path, text: str) -> Path:
    """Write ``text`` to a questionnaire file under ``tmp_path``."""
    path = tmp_path / "questionnaire.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(path: Path) -> QuestionnaireError:
    """Load ``path`` and return the QuestionnaireError it must raise."""
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    return info.value


# --- The shipped questionnaire ------------------------------------------------


def test_questionnaire_shipped_file_has_id_version_and_title(
    questionnaire: Questionnaire,
) -> None:
    """The shipped file loads with its id, version and title."""
    assert questionnaire.id == "revenue-engine-health-check"
    assert questionnaire.version == "1.0.0"
    assert questionnaire.title == "Revenue Engine Health Check"


def test_questionnaire_shipped_file_has_six_dimensions_in_order(
    questionnaire: Questionnaire,
) -> None:
    """The six dimensions come in the method's order with their names."""
    assert [d.id for d in questionnaire.dimensions] == DIMENSION_IDS
    assert [d.name for d in questionnaire.dimensions] == DIMENSION_NAMES
    assert all(d.summary for d in questionnaire.dimensions)
    assert all(d.weight == 1.0 for d in questionnaire.dimensions)


def test_questionnaire_shipped_file_has_six_dimensions_of_three(
    questionnaire: Questionnaire,
) -> None:
    """Eighteen questions, three per dimension, grouped in dimension order."""
    assert len(questionnaire.questions) == 18
    counts = Counter(q.dimension for q in questionnaire.questions)
    assert counts == dict.fromkeys(DIMENSION_IDS, 3)
    in_file_order = [q.dimension for q in questionnaire.questions]
    assert in_file_order == [d for d in DIMENSION_IDS for _ in range(3)]


def test_questionnaire_shipped_file_gives_every_level_exactly_once(
    questionnaire: Questionnaire,
) -> None:
    """Each question has five options, one for each level 0-4."""
    for question in questionnaire.questions:
        levels = sorted(option.level for option in question.options)
        assert levels == [0, 1, 2, 3, 4], question.id


def test_questionnaire_shipped_file_has_distinct_readable_labels(
    questionnaire: Questionnaire,
) -> None:
    """Labels within a question differ, stay short and never say Don't know."""
    for question in questionnaire.questions:
        labels = [option.label for option in question.options]
        assert len(set(labels)) == 5, question.id
        for label in labels:
            assert len(label) <= 160, (question.id, label)
            assert "don't know" not in label.lower(), question.id


def test_questionnaire_shipped_file_has_unique_prefixed_question_ids(
    questionnaire: Questionnaire,
) -> None:
    """Question ids are unique and start with their own dimension id."""
    ids = [q.id for q in questionnaire.questions]
    assert len(set(ids)) == len(ids)
    for question in questionnaire.questions:
        prefix, _, slug = question.id.partition(".")
        assert prefix == question.dimension
        assert slug


def test_questionnaire_shipped_file_sets_data_target_to_ninety(
    questionnaire: Questionnaire,
) -> None:
    """Data's target is the playbook's 90 % clean-record target."""
    assert questionnaire.dimension("data").target == 90
    for dimension in questionnaire.dimensions:
        assert 0 < dimension.target <= 100, dimension.id


def test_questionnaire_demo_answers_validate_with_two_unknowns(
    questionnaire: Questionnaire, demo_answers: dict[str, object]
) -> None:
    """The demo answer set covers every question and has exactly two unknowns."""
    answers = validate_answers(questionnaire, demo_answers)
    assert list(answers) == [q.id for q in questionnaire.questions]
    unknown = [qid for qid, answer in answers.items() if answer == UNKNOWN]
    assert len(unknown) == 2


# --- Malformed questionnaire files ---------------------------------------------


def test_load_questionnaire_accepts_minimal_valid_file(tmp_path: Path) -> None:
    """The helper's well-formed file loads, so the failures below are the edits."""
    questionnaire = load_questionnaire(
        _write(tmp_path, _questionnaire_toml(VALID_QUESTIONS))
    )
    assert [q.id for q in questionnaire.questions] == [
        "data.timestamps",
        "process.stages",
    ]
    assert questionnaire.question("process.stages").option(4).label == (
        "State 0 of process.stages."
    )


def test_load_questionnaire_rejects_missing_level(tmp_path: Path) -> None:
    """A question without a level-4 option names the file, question and levels."""
    questions = [*VALID_QUESTIONS, ("process.handoffs", "process", [0, 1, 2, 3])]
    path = _write(tmp_path, _questionnaire_toml(questions))
    error = _load_error(path)
    assert str(path) in str(error)
    assert "process.handoffs" in str(error)
    assert "exactly one option for each level" in str(error)
    assert "[0, 1, 2, 3]" in str(error)
    assert error.path == str(path)
    assert error.question_id == "process.handoffs"


def test_load_questionnaire_rejects_duplicated_level(tmp_path: Path) -> None:
    """A question with level 2 twice names the file, question and levels."""
    questions = [("data.hygiene", "data", [0, 1, 2, 2, 3, 4]), *VALID_QUESTIONS]
    path = _write(tmp_path, _questionnaire_toml(questions))
    error = _load_error(path)
    assert str(path) in str(error)
    assert "data.hygiene" in str(error)
    assert "[0, 1, 2, 2, 3, 4]" in str(error)
    assert error.question_id == "data.hygiene"


def test_load_questionnaire_rejects_unknown_dimension(tmp_path: Path) -> None:
    """A question naming an undeclared dimension names it and the question."""
    questions = [*VALID_QUESTIONS, ("tooling.overlap", "tooling", [0, 1, 2, 3, 4])]
    path = _write(tmp_path, _questionnaire_toml(questions))
    error = _load_error(path)
    assert str(path) in str(error)
    assert "tooling.overlap" in str(error)
    assert "unknown dimension 'tooling'" in str(error)


def test_load_questionnaire_rejects_duplicated_question_id(tmp_path: Path) -> None:
    """Two questions with one id name the file and the repeated id."""
    questions = [*VALID_QUESTIONS, ("data.timestamps", "data", [0, 1, 2, 3, 4])]
    path = _write(tmp_path, _questionnaire_toml(questions))
    error = _load_error(path)
    assert str(path) in str(error)
    assert "'data.timestamps' appears twice" in str(error)


def test_load_questionnaire_rejects_invalid_toml(tmp_path: Path) -> None:
    """A file that is not TOML names the file and says so."""
    path = _write(tmp_path, 'id = "test"\n[[dimensions]\nname = Data\n')
    error = _load_error(path)
    assert str(path) in str(error)
    assert "not valid TOML" in str(error)
    assert error.path == str(path)


def test_load_questionnaire_rejects_missing_file(tmp_path: Path) -> None:
    """A path that does not exist names the file and says it is not found."""
    path = tmp_path / "absent.toml"
    error = _load_error(path)
    assert str(path) in str(error)
    assert "file not found" in str(error)
    assert error.path == str(path)


# --- Answer validation ------------------------------------------------------------


def _answers_error(
    questionnaire: Questionnaire, raw: dict[str, object]
) -> AnswersError:
    """Validate ``raw`` and return the AnswersError it must raise."""
    with pytest.raises(AnswersError) as info:
        validate_answers(questionnaire, raw)
    return info.value


def test_validate_answers_rejects_unknown_question_id(
    questionnaire: Questionnaire, demo_answers: dict[str, object]
) -> None:
    """An id the questionnaire lacks is named in the error."""
    error = _answers_error(questionnaire, {**demo_answers, "data.crm_vendor": 2})
    assert "data.crm_vendor" in str(error)
    assert error.question_id == "data.crm_vendor"


@pytest.mark.parametrize("value", [5, -1, True, "3", 2.5], ids=repr)
def test_validate_answers_rejects_values_outside_levels(
    questionnaire: Questionnaire, demo_answers: dict[str, object], value: object
) -> None:
    """Levels outside 0-4, booleans, strings and floats are refused by id."""
    error = _answers_error(questionnaire, {**demo_answers, "process.handoffs": value})
    assert "process.handoffs" in str(error)
    assert repr(value) in str(error)
    assert error.question_id == "process.handoffs"


def test_validate_answers_rejects_missing_question(
    questionnaire: Questionnaire, demo_answers: dict[str, object]
) -> None:
    """A complete answer set may not leave a question out."""
    del demo_answers["measurement.scorecard"]
    error = _answers_error(questionnaire, demo_answers)
    assert "measurement.scorecard" in str(error)
    assert error.question_id == "measurement.scorecard"


def test_validate_answers_accepts_unknown_for_every_question(
    questionnaire: Questionnaire,
) -> None:
    """Don't know is a valid answer to any question and is kept as such."""
    raw = {q.id: UNKNOWN for q in questionnaire.questions}
    assert validate_answers(questionnaire, raw) == raw


def test_validate_answers_keeps_levels_in_questionnaire_order(
    questionnaire: Questionnaire,
) -> None:
    """Levels come back unchanged, reordered to the questionnaire's order."""
    ids = [q.id for q in questionnaire.questions]
    raw = {qid: index % 5 for index, qid in reversed(list(enumerate(ids)))}
    answers = validate_answers(questionnaire, raw)
    assert list(answers) == ids
    assert answers == {qid: index % 5 for index, qid in enumerate(ids)}
    assert answers["ai_readiness.lift_measurement"] == 2


def test_validate_answers_allows_partial_set_when_not_complete(
    questionnaire: Questionnaire,
) -> None:
    """With complete=False only the questions answered are returned."""
    answers = validate_answers(questionnaire, {"people.incentives": 1}, complete=False)
    assert answers == {"people.incentives": 1}
