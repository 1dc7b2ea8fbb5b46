"""The questionnaire: dimensions, questions and answer levels, loaded from data."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from l2c_core.errors import AnswersError, QuestionnaireError

QUESTIONNAIRES_DIR = Path(__file__).resolve().parent.parent / "questionnaires"
DEFAULT_QUESTIONNAIRE = QUESTIONNAIRES_DIR / "health_check.toml"

LEVELS = (0, 1, 2, 3, 4)
UNKNOWN: Literal["unknown"] = "unknown"

Level = Annotated[int, Field(ge=0, le=4)]
Answer = Level | Literal["unknown"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    """One answer to a question: an observable state at a maturity level."""

    level: Level
    label: Annotated[str, Field(min_length=1)]


class Question(_Frozen):
    """A question, its weight inside its dimension, and its five answer levels."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
    dimension: str
    text: Annotated[str, Field(min_length=1)]
    help: str = ""
    weight: Annotated[float, Field(gt=0)] = 1.0
    options: tuple[Option, ...]

    @model_validator(mode="after")
    def _every_level_once(self) -> Question:
        levels = sorted(option.level for option in self.options)
        if levels != list(LEVELS):
            raise ValueError(
                f"needs exactly one option for each level 0-4, found levels {levels}"
            )
        return self

    def option(self, level: int) -> Option:
        """Return the option describing ``level``."""
        return next(o for o in self.options if o.level == level)


class Dimension(_Frozen):
    """One of the six dimensions the health check scores."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, Field(min_length=1)]
    summary: str = ""
    weight: Annotated[float, Field(gt=0)] = 1.0
    target: Annotated[float, Field(ge=0, le=100)]


class Questionnaire(_Frozen):
    """A versioned questionnaire: the data every assessment answers."""

    id: Annotated[str, Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]
    title: str
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        dimension_ids = [d.id for d in self.dimensions]
        if len(set(dimension_ids)) != len(dimension_ids):
            raise ValueError("dimension ids must be unique")
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question {question.id!r} appears twice")
            seen.add(question.id)
            if question.dimension not in dimension_ids:
                raise ValueError(
                    f"question {question.id!r} names unknown dimension "
                    f"{question.dimension!r}"
                )
        for dimension_id in dimension_ids:
            if not any(q.dimension == dimension_id for q in self.questions):
                raise ValueError(f"dimension {dimension_id!r} has no questions")
        return self

    def dimension(self, dimension_id: str) -> Dimension:
        """Return the dimension with id ``dimension_id``."""
        return next(d for d in self.dimensions if d.id == dimension_id)

    def questions_for(self, dimension_id: str) -> tuple[Question, ...]:
        """Return the questions of one dimension, in file order."""
        return tuple(q for q in self.questions if q.dimension == dimension_id)

    def question(self, question_id: str) -> Question:
        """Return the question with id ``question_id``."""
        return next(q for q in self.questions if q.id == question_id)


def _describe(
    error: ValidationError, raw: Mapping[str, object]
) -> tuple[str, str | None]:
    """Turn pydantic's first error into a sentence and the question id it concerns."""
    first = error.errors()[0]
    loc = first["loc"]
    question_id: str | None = None
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = raw.get("questions")
        if isinstance(questions, list) and loc[1] < len(questions):
            entry = questions[loc[1]]
            if isinstance(entry, dict):
                question_id = str(entry.get("id", f"number {loc[1] + 1}"))
            where = ".".join(str(part) for part in loc[2:])
        else:
            where = ".".join(str(part) for part in loc)
    else:
        where = ".".join(str(part) for part in loc)
    message = first["msg"].removeprefix("Value error, ")
    if question_id is None:
        # Whole-file checks name the question inside their message.
        named = re.search(r"question '([^']+)'", message)
        question_id = named[1] if named else None
    if where:
        message = f"{where}: {message}"
    return message, question_id


def read_toml(path: Path) -> dict[str, Any]:
    """Read a data file of ``questionnaires/``, failing with the file's name.

    Raises:
        QuestionnaireError: the file is missing or is not valid TOML.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise QuestionnaireError(f"{path}: file not found.", path=str(path)) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QuestionnaireError(
            f"{path}: not valid TOML ({exc}).", path=str(path)
        ) from exc


def load_questionnaire(path: Path | str = DEFAULT_QUESTIONNAIRE) -> Questionnaire:
    """Read and validate a questionnaire file.

    Args:
        path: a TOML file in the shape of ``questionnaires/health_check.toml``.

    Returns:
        The validated, immutable questionnaire.

    Raises:
        QuestionnaireError: the file is missing, is not TOML, or does not validate;
            the message names the file, the question (when one is at fault) and
            the problem.
    """
    path = Path(path)
    raw = read_toml(path)
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        message, question_id = _describe(exc, raw)
        where = (
            f"question {question_id}: "
            if question_id and question_id not in message
            else ""
        )
        raise QuestionnaireError(
            f"{path}: {where}{message}", path=str(path), question_id=question_id
        ) from exc


@cache
def default_questionnaire() -> Questionnaire:
    """Return the shipped questionnaire (read once per process; it is immutable)."""
    return load_questionnaire(DEFAULT_QUESTIONNAIRE)


def validate_answers(
    questionnaire: Questionnaire, raw: Mapping[str, object], *, complete: bool = True
) -> dict[str, Answer]:
    """Check an answer set against the questionnaire.

    Args:
        questionnaire: the questionnaire the answers belong to.
        raw: question id → level 0-4 or ``"unknown"`` (Don't know).
        complete: require an answer for every question.

    Returns:
        The answers as a plain dict, in questionnaire order.

    Raises:
        AnswersError: an unknown question id, a level outside 0-4, or (when
            ``complete``) a question left unanswered; the message names the id.
    """
    known = {q.id for q in questionnaire.questions}
    for question_id in raw:
        if question_id not in known:
            raise AnswersError(
                f"Unknown question id {question_id!r}.", question_id=str(question_id)
            )
    answers: dict[str, Answer] = {}
    for question in questionnaire.questions:
        if question.id not in raw:
            if complete:
                raise AnswersError(
                    f"Question {question.id!r} has no answer; give a level 0-4 or "
                    '"unknown".',
                    question_id=question.id,
                )
            continue
        value = raw[question.id]
        if value == UNKNOWN:
            answers[question.id] = UNKNOWN
        elif isinstance(value, int) and not isinstance(value, bool) and value in LEVELS:
            answers[question.id] = value
        else:
            raise AnswersError(
                f"Question {question.id!r} has answer {value!r}; expected a level 0-4 "
                'or "unknown".',
                question_id=question.id,
            )
    return answers
