"""The scorecard: six outcomes, two leading indicators each, with current values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from l2c_core.audit import Audit
from l2c_core.catalogue import Metric, Scorecard

# Past this many metrics a scorecard is a dashboard nobody reads.
MAX_METRICS = 20


class ScorecardEntry(BaseModel):
    """One metric of the scorecard, with its current value where the export shows it."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    indicator: str
    definition: str
    owner: str
    decision: str
    cadence: str
    target: str
    current: str | None = None


def _fraction(value: float | None) -> str | None:
    return f"{value:.1%}" if value is not None else None


def _per_currency(values: dict[str, float]) -> str | None:
    if not values:
        return None
    return "; ".join(f"{code or '?'} {amount:,.0f}" for code, amount in values.items())


def current_value(measure: str | None, audit: Audit | None) -> str | None:
    """The measured value of a scorecard metric from an audit, as text."""
    if audit is None or measure is None:
        return None
    metrics = audit.metrics
    if measure == "clean_rate":
        return _fraction(audit.clean_rate)
    if measure == "win_rate":
        return _fraction(metrics.win_rate)
    if measure == "median_cycle_days":
        days = metrics.median_cycle_days
        return f"{days:.0f} days" if days is not None else None
    if measure == "avg_won_amount":
        return _per_currency(metrics.avg_won_amount)
    if measure == "velocity":
        values = _per_currency(metrics.velocity)
        return f"{values} per day" if values else None
    if measure in ("next_step_coverage", "close_date_hygiene"):
        rule = audit.rules.get(
            "next_step" if measure == "next_step_coverage" else "close_date"
        )
        rate = rule.failure_rate if rule else None
        return _fraction(1 - rate) if rate is not None else None
    if measure == "stage_conversion":
        rows = [r for r in metrics.stage_conversion if r.rate is not None]
        return (
            "; ".join(f"{r.from_stage}→{r.to_stage} {r.rate:.0%}" for r in rows[:3])
            if rows
            else None
        )
    if measure == "open_opportunities":
        return f"{audit.outcomes.open:,}"
    return None


def build_scorecard(
    definition: Scorecard,
    audit: Audit | None,
    metrics: tuple[Metric, ...] | None = None,
) -> tuple[ScorecardEntry, ...]:
    """The scorecard's entries, each with its current value where measurable.

    Args:
        definition: the scorecard definition (twelve metrics by default).
        audit: the audit that supplies current values, if any.
        metrics: a consultant's edited metric list replacing the definition's.
    """
    return tuple(
        ScorecardEntry(
            outcome=m.outcome,
            indicator=m.indicator,
            definition=m.definition,
            owner=m.owner,
            decision=m.decision,
            cadence=m.cadence,
            target=m.target,
            current=current_value(m.measure, audit),
        )
        for m in (metrics if metrics is not None else definition.metrics)
    )


def too_many_metrics(count: int) -> str | None:
    """The warning a scorecard past twenty metrics earns, else None."""
    if count <= MAX_METRICS:
        return None
    return (
        f"{count} metrics is a dashboard, not a scorecard: past {MAX_METRICS} nobody "
        "reviews them. Keep about twelve, each tied to a decision and an owner."
    )
