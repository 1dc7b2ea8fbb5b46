"""The remediation catalogue and the scorecard, loaded from ``questionnaires/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from l2c_core.errors import QuestionnaireError
from l2c_core.questionnaire import read_toml

CATALOGUE_FILE = (
    Path(__file__).resolve().parent.parent / "questionnaires" / "remediations.toml"
)
SCORECARD_FILE = (
    Path(__file__).resolve().parent.parent / "questionnaires" / "scorecard.toml"
)

Kind = Literal[
    "conversion", "win_rate", "velocity", "deal_size", "data", "forecast", "enabling"
]
DOLLAR_KINDS = ("conversion", "win_rate", "velocity", "deal_size")
Outcome = Literal[
    "pipeline creation",
    "pipeline velocity",
    "forecast accuracy",
    "win rate",
    "average deal size",
    "customer expansion",
]
OUTCOMES: tuple[Outcome, ...] = (
    "pipeline creation",
    "pipeline velocity",
    "forecast accuracy",
    "win rate",
    "average deal size",
    "customer expansion",
)
Rate = Annotated[float, Field(ge=0, le=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Trigger(_Frozen):
    """When a remediation applies: any one condition suffices.

    ``questions`` maps a question id to the highest level that still triggers
    (level ≤ value, Don't know included); ``rules`` maps a record rule to the
    failure rate at or above which the audit triggers it; ``metrics`` names
    levers whose measured value is worse than target (``conversion``,
    ``win_rate``, ``cycle``, ``deal_size``).
    """

    questions: dict[str, Annotated[int, Field(ge=0, le=4)]] = {}
    rules: dict[str, Rate] = {}
    metrics: tuple[Literal["conversion", "win_rate", "cycle", "deal_size"], ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Trigger:
        if not (self.questions or self.rules or self.metrics):
            raise ValueError("a trigger needs at least one question, rule or metric")
        return self


class Impact(_Frozen):
    """How a dollar fix moves its lever.

    ``share`` is this fix's share of the lever's gap when several triggered fixes
    move the same lever; ``low`` and ``high`` scale the expected improvement for
    the range; ``adoption_risk`` is the chance the change does not stick.
    """

    stage: Annotated[int, Field(ge=1)] | None = None
    share: Annotated[float, Field(gt=0, le=1)] = 1.0
    low: Annotated[float, Field(gt=0)] = 0.6
    high: Annotated[float, Field(gt=0)] = 1.4
    adoption_risk: Rate = 0.2


class Remediation(_Frozen):
    """One fix the health check can recommend."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
    dimension: str
    title: Annotated[str, Field(min_length=1)]
    description: Annotated[str, Field(min_length=1)]
    done_when: Annotated[str, Field(min_length=1)]
    kind: Kind
    owner: Annotated[str, Field(min_length=1)]
    effort_days: Annotated[float, Field(gt=0)]
    horizon_months: Annotated[float, Field(ge=0, lt=12)]
    outcome: Outcome
    prerequisites: tuple[str, ...] = ()
    trigger: Trigger
    impact: Impact | None = None

    @model_validator(mode="after")
    def _impact_fits_kind(self) -> Remediation:
        if self.kind in DOLLAR_KINDS and self.impact is None:
            raise ValueError(f"a {self.kind} fix needs an [impact] table")
        if self.kind not in DOLLAR_KINDS and self.impact is not None:
            raise ValueError(f"a {self.kind} fix carries no dollars: remove [impact]")
        if self.kind == "conversion" and (
            self.impact is None or self.impact.stage is None
        ):
            raise ValueError("a conversion fix names the stage it moves (impact.stage)")
        return self


class Catalogue(_Frozen):
    """The versioned remediation catalogue."""

    id: str
    version: str
    remediations: tuple[Remediation, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        ids = [r.id for r in self.remediations]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"remediation ids appear twice: {sorted(duplicates)}")
        known = set(ids)
        for remediation in self.remediations:
            for prerequisite in remediation.prerequisites:
                if prerequisite not in known:
                    raise ValueError(
                        f"remediation {remediation.id!r} needs unknown prerequisite "
                        f"{prerequisite!r}"
                    )
                if prerequisite == remediation.id:
                    raise ValueError(f"remediation {remediation.id!r} needs itself")
        _check_acyclic(self.remediations)
        return self

    def get(self, remediation_id: str) -> Remediation:
        """Return the remediation with this id."""
        return next(r for r in self.remediations if r.id == remediation_id)


def _check_acyclic(remediations: tuple[Remediation, ...]) -> None:
    needs = {r.id: r.prerequisites for r in remediations}
    state: dict[str, int] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise ValueError(f"prerequisites form a cycle: {' → '.join((*path, node))}")
        state[node] = 1
        for prerequisite in needs[node]:
            visit(prerequisite, (*path, node))
        state[node] = 2

    for node in needs:
        visit(node, ())


class Metric(_Frozen):
    """One scorecard metric: a leading indicator of an outcome."""

    outcome: Outcome
    indicator: Annotated[str, Field(min_length=1)]
    definition: Annotated[str, Field(min_length=1)]
    owner: Annotated[str, Field(min_length=1)]
    decision: Annotated[str, Field(min_length=1)]
    cadence: Literal["weekly", "fortnightly", "monthly", "quarterly"]
    target: Annotated[str, Field(min_length=1)]
    measure: str | None = None


class Scorecard(_Frozen):
    """Six outcomes, two leading indicators each."""

    id: str
    version: str
    metrics: tuple[Metric, ...]


def _load(path: Path, model: type[_Frozen]) -> _Frozen:
    raw = read_toml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        where = ""
        if len(loc) >= 2 and isinstance(loc[1], int):
            entries = raw.get(str(loc[0]), [])
            if isinstance(entries, list) and loc[1] < len(entries):
                entry = entries[loc[1]]
                name = (
                    entry.get("id") or entry.get("indicator")
                    if isinstance(entry, dict)
                    else None
                )
                where = f"{name or f'entry {loc[1] + 1}'}: "
            loc = loc[2:]
        field = ".".join(str(p) for p in loc)
        message = first["msg"].removeprefix("Value error, ")
        raise QuestionnaireError(
            f"{path}: {where}{field + ': ' if field else ''}{message}", path=str(path)
        ) from exc


def load_catalogue(path: Path | str = CATALOGUE_FILE) -> Catalogue:
    """Read and validate a remediation catalogue.

    Raises:
        QuestionnaireError: the file is missing, not TOML, or does not validate;
            the message names the file, the remediation and the problem.
    """
    result = _load(Path(path), Catalogue)
    assert isinstance(result, Catalogue)
    return result


def load_scorecard(path: Path | str = SCORECARD_FILE) -> Scorecard:
    """Read and validate a scorecard definition.

    Raises:
        QuestionnaireError: as for ``load_catalogue``.
    """
    result = _load(Path(path), Scorecard)
    assert isinstance(result, Scorecard)
    return result


@cache
def default_catalogue() -> Catalogue:
    """The shipped catalogue (immutable)."""
    return load_catalogue()


@cache
def default_scorecard() -> Scorecard:
    """The shipped scorecard (immutable)."""
    return load_scorecard()
