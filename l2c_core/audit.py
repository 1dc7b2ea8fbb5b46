"""The audit of a CRM export: record rules, outcomes and funnel metrics."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class AuditWarning(_Frozen):
    """Something the reader or the audit noticed that the user should know."""

    code: str
    message: str
    count: int | None = None


class FileInfo(_Frozen):
    """How one input file was read."""

    name: str
    kind: str
    encoding: str
    delimiter: str
    rows: int


class RuleResult(_Frozen):
    """One record rule over the audited set."""

    applicable: int
    failed: int
    missing_field: str | None = None

    @property
    def failure_rate(self) -> float | None:
        """Failed ÷ applicable, or None when the rule applies to no record."""
        return self.failed / self.applicable if self.applicable else None


class Outcomes(_Frozen):
    """Audited records by outcome; unmapped stages are counted apart."""

    open: int = 0
    won: int = 0
    lost: int = 0
    unmapped: int = 0


class StageConversion(_Frozen):
    """Conversion from one open stage to the next."""

    from_stage: str = Field(alias="from")
    to_stage: str = Field(alias="to")
    rate: float | None
    records: int
    estimated: bool


class Metrics(_Frozen):
    """Funnel metrics of the audited records."""

    win_rate: float | None = None
    win_rate_records: int = 0
    avg_won_amount: dict[str, float] = {}
    velocity: dict[str, float] = {}
    median_cycle_days: float | None = None
    cycle_records: int = 0
    stage_conversion: tuple[StageConversion, ...] = ()


class Audit(_Frozen):
    """The audit of one upload (an opportunity file and its related files)."""

    as_of: dt.date
    as_of_source: str
    records: int
    audited: int
    sampled: bool
    seed: int
    clean_rate: float | None
    clean_rate_interval: tuple[float, float] | None
    clean_rate_present_fields: float | None
    rules: dict[str, RuleResult]
    outcomes: Outcomes
    metrics: Metrics
    files: tuple[FileInfo, ...]
    warnings: tuple[AuditWarning, ...] = ()
