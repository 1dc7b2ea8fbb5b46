"""Dimension and overall scores from an answer set, and the evidence beside them."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from l2c_core.questionnaire import UNKNOWN, Answer, Questionnaire

DATA_DIMENSION = "data"
# A self-assessment this many points away from the measured score is called out.
CONTRADICTION_POINTS = 20.0


class DimensionScore(BaseModel):
    """A dimension's score (0-100) against its target."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    current: float
    target: float
    gap: float
    self_assessed: float
    measured: float | None = None
    unknown: tuple[str, ...] = ()


class Scores(BaseModel):
    """Every dimension's score and the weighted overall score."""

    model_config = ConfigDict(frozen=True)

    overall: float
    dimensions: tuple[DimensionScore, ...]
    evidence_gaps: tuple[str, ...]
    contradiction: str | None = None

    def dimension(self, dimension_id: str) -> DimensionScore:
        """Return the score of one dimension."""
        return next(d for d in self.dimensions if d.id == dimension_id)


def _level(answer: Answer) -> int:
    # Don't know scores as level 0: not knowing is itself a finding.
    return 0 if answer == UNKNOWN else int(answer)


def score(
    questionnaire: Questionnaire,
    answers: Mapping[str, Answer],
    *,
    targets: Mapping[str, float] | None = None,
    measured_data: float | None = None,
) -> Scores:
    """Score an answer set.

    A dimension scores ``100 × Σ(weight × level/4) / Σ weight`` over its questions;
    the overall score is the dimension-weighted mean of the dimension scores.

    Args:
        questionnaire: the questionnaire answered.
        answers: question id → level 0-4 or ``"unknown"``; every question present
            (see ``validate_answers``).
        targets: dimension id → target score overriding the questionnaire's.
        measured_data: the audited clean-record rate as 0-100; when given, the
            Data dimension scores on it and keeps the self-assessment beside it.

    Returns:
        The scores, with Don't-know answers listed as evidence gaps.
    """
    targets = targets or {}
    dimension_scores: list[DimensionScore] = []
    contradiction: str | None = None
    for dimension in questionnaire.dimensions:
        questions = questionnaire.questions_for(dimension.id)
        total_weight = sum(q.weight for q in questions)
        earned = sum(q.weight * _level(answers[q.id]) / 4 for q in questions)
        self_assessed = 100 * earned / total_weight
        measured = measured_data if dimension.id == DATA_DIMENSION else None
        current = measured if measured is not None else self_assessed
        target = float(targets.get(dimension.id, dimension.target))
        if (
            measured is not None
            and abs(self_assessed - measured) >= CONTRADICTION_POINTS
        ):
            contradiction = (
                f"The answers rate {dimension.name} at {self_assessed:.0f}, but the "
                f"audited export measures {measured:.0f} % of records clean."
            )
        dimension_scores.append(
            DimensionScore(
                id=dimension.id,
                name=dimension.name,
                current=current,
                target=target,
                gap=target - current,
                self_assessed=self_assessed,
                measured=measured,
                unknown=tuple(q.id for q in questions if answers[q.id] == UNKNOWN),
            )
        )

    weights = {d.id: d.weight for d in questionnaire.dimensions}
    overall = sum(weights[d.id] * d.current for d in dimension_scores) / sum(
        weights.values()
    )
    gaps = tuple(q for d in dimension_scores for q in d.unknown)
    return Scores(
        overall=overall,
        dimensions=tuple(dimension_scores),
        evidence_gaps=gaps,
        contradiction=contradiction,
    )
