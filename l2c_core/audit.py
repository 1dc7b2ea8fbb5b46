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
    """Conversion from one open stage to the next.

    ``from`` and ``to`` are stage labels, ``from_number`` and ``to_number``
    their places 1…n in the pipeline; ``records`` is the denominator (records
    that reached ``from`` and no longer sit there), ``reached`` how many of
    them reached ``to``. ``estimated`` without stage history, or when the
    stage order was read from names.
    """

    from_stage: str = Field(alias="from")
    to_stage: str = Field(alias="to")
    rate: float | None
    records: int
    estimated: bool
    pipeline: str = ""
    from_number: int = 0
    to_number: int = 0
    reached: int = 0


class Metrics(_Frozen):
    """Funnel metrics of the audited records."""

    win_rate: float | None = None
    win_rate_records: int = 0
    avg_won_amount: dict[str, float] = {}
    avg_won_records: dict[str, int] = {}
    velocity: dict[str, float] = {}
    velocity_records: dict[str, int] = {}
    median_cycle_days: float | None = None
    cycle_records: int = 0
    stage_conversion: tuple[StageConversion, ...] = ()
    stage_order: dict[str, str] = {}


class Totals(_Frozen):
    """Dollar sizing over every record (not just the sample) closed in the window.

    The window is the 365 days up to ``as_of`` (``start`` excluded, ``end``
    included), on the close date; figures are per currency.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    won_amount: dict[str, float] = {}
    closed_amount: dict[str, float] = {}
    won_count: dict[str, int] = {}
    closed_count: dict[str, int] = {}
    records: int = 0


class FilterOptions(_Frozen):
    """What the audit can be narrowed to: pipelines, opportunity types, dates."""

    pipelines: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    first_date: dt.date | None = None
    last_date: dt.date | None = None


class FilterSelection(_Frozen):
    """The filters an audit was narrowed by."""

    pipelines: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    period: tuple[dt.date | None, dt.date | None] | None = None


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
    totals: Totals = Totals()
    filter_options: FilterOptions = FilterOptions()
    filters: FilterSelection | None = None
