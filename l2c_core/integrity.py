"""The audit: which records, the six rules over them, metrics, and the detail behind.

``audit_records`` gives an ``AuditRun``: the JSON-safe ``Audit`` (aggregates
only), and on demand the failing records with their reasons and the figures
per owner, for the UI. ``run_audit`` and ``audit_files`` give the ``Audit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from l2c_core import frames
from l2c_core.audit import (
    Audit,
    AuditWarning,
    FilterOptions,
    FilterSelection,
    Outcomes,
    RuleResult,
)
from l2c_core.errors import InputFileError
from l2c_core.metrics import LOOKBACK_DAYS, funnel_metrics, totals
from l2c_core.records import TYPES, Records, read_files
from l2c_core.rules import (
    MAX_CLOSE_AHEAD_DAYS as MAX_CLOSE_AHEAD_DAYS,
)
from l2c_core.rules import (
    RULE_FIELDS,
    RULES,
    RuleMask,
    evaluate,
    reasons,
)
from l2c_core.values import DateOrder

__all__ = [
    "CLEAN_TARGET",
    "MIN_RECORDS",
    "RULES",
    "RULE_FIELDS",
    "SAMPLE_SIZE",
    "AuditFilters",
    "AuditRun",
    "audit_files",
    "audit_records",
    "default_loss_reasons",
    "run_audit",
    "sample_key",
    "wilson_interval",
]

log = logging.getLogger(__name__)

SAMPLE_SIZE = 500
CLEAN_TARGET = 0.90
# Below this many records a metric says it rests on too few.
MIN_RECORDS = 30
_Z95 = 1.959963984540054
LOSS_REASONS_FILE = (
    Path(__file__).resolve().parent.parent / "questionnaires" / "loss_reasons.toml"
)
FAILURE_COLUMNS = (
    "id",
    "name",
    "owner",
    "stage",
    "outcome",
    "amount",
    "currency",
    "close_date",
    "rules",
    "reasons",
)


@cache
def default_loss_reasons() -> tuple[str, ...]:
    """Return the shipped loss-reason taxonomy."""
    data = tomllib.loads(LOSS_REASONS_FILE.read_text(encoding="utf-8"))
    return tuple(str(reason) for reason in data["reasons"])


def wilson_interval(successes: int, total: int, z: float = _Z95) -> tuple[float, float]:
    """Return the Wilson score interval of a proportion (95 % by default)."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = (
        z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    )
    # The bounds hold the estimate itself, exactly 0 or 1 at the extremes.
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == total else max(p, min(1.0, centre + half))
    return (low, high)


def sample_key(seed: int, key: str) -> str:
    """The sort key that picks the sample: SHA-256 of ``seed:id``."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InputFileError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


@dataclass(frozen=True)
class AuditFilters:
    """What to narrow the audit to; every figure narrows at once.

    Attributes:
        pipelines: pipeline values to keep (None keeps all).
        types: opportunity types to keep: "new business", "expansion",
            "renewal", "other" (None keeps all).
        period: (start, end), both included, on the close date (the created
            date where a record has none); either end may be None.
    """

    pipelines: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    period: tuple[Any, Any] | None = None

    def __post_init__(self) -> None:
        if self.pipelines is not None:
            object.__setattr__(self, "pipelines", tuple(map(str, self.pipelines)))
        if self.types is not None:
            object.__setattr__(self, "types", tuple(map(str, self.types)))
        if self.period is not None:
            start, end = (tuple(self.period) + (None, None))[:2]
            object.__setattr__(self, "period", (_date(start), _date(end)))

    @property
    def active(self) -> bool:
        """Whether any filter narrows the records."""
        return bool(self.pipelines or self.types or (self.period and any(self.period)))

    def selection(self) -> FilterSelection | None:
        """The filters as the audit reports them."""
        if not self.active:
            return None
        return FilterSelection(
            pipelines=self.pipelines or None,
            types=self.types or None,
            period=self.period if self.period and any(self.period) else None,
        )

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The records the filters keep."""
        if not self.active:
            return frame
        keep = np.ones(len(frame), dtype=bool)
        if self.pipelines:
            keep &= frames.isin(frame["pipeline"], self.pipelines)
        if self.types:
            keep &= frames.isin(frame["type_class"], self.types)
        if self.period and any(self.period):
            start, end = self.period
            day = _reference(frame)
            with np.errstate(invalid="ignore"):
                if start is not None:
                    keep &= day >= frames.day(start)
                if end is not None:
                    keep &= day <= frames.day(end)
            keep &= day != frames.NODAY
        return frame[keep]


def _reference(frame: pd.DataFrame) -> np.ndarray:
    """The close date, the created date where there is none."""
    close = frames.days(frame["close_date"])
    return np.where(close == frames.NODAY, frames.days(frame["created_date"]), close)


def filter_options(frame: pd.DataFrame) -> FilterOptions:
    """The pipelines, opportunity types and dates the records hold."""
    pipelines = sorted(p for p in frames.present(frame["pipeline"]) if p)
    present = set(frames.present(frame["type_class"]))
    close = frames.days(frame["close_date"])
    missing = close == frames.NODAY
    known = [close[~missing]]
    if missing.any():
        created = frames.days(frame["created_date"])[missing]
        known.append(created[created != frames.NODAY])
    bounds = [(int(d.min()), int(d.max())) for d in known if len(d)]
    return FilterOptions(
        pipelines=tuple(pipelines),
        types=tuple(t for t in TYPES if t in present),
        first_date=frames.date_of(min(b[0] for b in bounds)) if bounds else None,
        last_date=frames.date_of(max(b[1] for b in bounds)) if bounds else None,
    )


def infer_as_of(
    records: Records, today: dt.date
) -> tuple[dt.date, str, AuditWarning | None]:
    """The audit's reference date: the latest modification, else the latest date."""
    frame = records.frame
    modified = frames.days(frame["last_modified"])
    modified = modified[modified != frames.NODAY]
    if len(modified):
        column = records.source_columns.get("last_modified", "last modified")
        return frames.date_of(modified.max()), f"latest {column}", None
    limit = frames.day(today)
    latest = None
    for name in ("close_date", "created_date", "last_stage_change"):
        values = frames.days(frame[name])
        values = values[(values != frames.NODAY) & (values <= limit)]
        if len(values):
            candidate = frames.date_of(values.max())
            latest = candidate if latest is None else max(latest, candidate)
    if latest is None:
        return (
            today,
            "today",
            AuditWarning(
                code="as_of_today",
                message="The export has no dates to take the audit date from; "
                "today is used.",
            ),
        )
    return (
        latest,
        "latest date in the records",
        AuditWarning(
            code="as_of_inferred",
            message=f"The export has no last-modified column; the audit date is the "
            f"latest date in its records, {latest.isoformat()}.",
        ),
    )


def _select(
    frame: pd.DataFrame, as_of: dt.date, audit_all: bool, seed: int, has_id: bool
) -> pd.DataFrame:
    """The audited records: every mapped one, or the seeded sample of eligible ones."""
    unmapped = frames.equals(frame["outcome"], "unmapped")
    mapped = frame[~unmapped] if unmapped.any() else frame
    if audit_all:
        return mapped
    start = frames.day(as_of - dt.timedelta(days=LOOKBACK_DAYS))
    created = frames.days(mapped["created_date"])
    day = np.where(created == frames.NODAY, frames.days(mapped["close_date"]), created)
    recent = (day != frames.NODAY) & (day > start) & (day <= frames.day(as_of))
    # A record with neither a created nor a close date cannot be placed outside
    # the four quarters, so it stays in (report exports often carry no dates).
    undated = day == frames.NODAY
    eligible = frames.equals(mapped["outcome"], "open") | recent | undated
    chosen = mapped[eligible]
    if len(chosen) <= SAMPLE_SIZE:
        return cast(pd.DataFrame, chosen)
    names = frames.texts(chosen["id"]) if has_id else chosen["row"].tolist()
    keys = [sample_key(seed, str(k)) for k in names]
    order = sorted(range(len(keys)), key=keys.__getitem__)[:SAMPLE_SIZE]
    return cast(pd.DataFrame, chosen.iloc[sorted(order)])


def _pipeline_note(frame: pd.DataFrame) -> list[AuditWarning]:
    """With several pipelines, say the win rate pools them and give each one's."""
    pipelines = sorted(p for p in frames.present(frame["pipeline"]) if p)
    if len(pipelines) < 2:
        return []
    won_rows = frames.equals(frame["outcome"], "won")
    lost_rows = frames.equals(frame["outcome"], "lost")
    parts = []
    for name in pipelines:
        group = frames.equals(frame["pipeline"], name)
        won = int((group & won_rows).sum())
        closed = won + int((group & lost_rows).sum())
        rate = f"{won / closed:.0%}" if closed else "no closed deals"
        parts.append(f"{name} {won}/{closed} ({rate})")
    return [
        AuditWarning(
            code="pipelines_pooled",
            message=f"The win rate pools {len(pipelines)} pipelines; per pipeline, "
            f"won/closed: {'; '.join(parts)}.",
            count=len(pipelines),
        )
    ]


@dataclass(frozen=True)
class _Detail:
    """The audited records and the rule masks behind an audit."""

    frame: pd.DataFrame
    masks: Mapping[str, RuleMask]
    as_of: dt.date


@dataclass(frozen=True)
class AuditRun:
    """An audit with the detail the UI shows beside it.

    ``audit`` is the JSON-safe aggregate that goes into result.json; it never
    carries customer rows. ``failures`` and ``owners`` are computed when first
    asked for, from the audited records.
    """

    audit: Audit
    detail: _Detail = field(repr=False, compare=False)

    @cached_property
    def failures(self) -> pd.DataFrame:
        """The audited records failing at least one rule, with why.

        Columns: id (as written), name, owner, stage, outcome, amount,
        currency, close_date (ISO), rules (comma-separated rule ids) and
        reasons (one sentence per failed rule, joined by "; ").
        """
        frame, masks = self.detail.frame, self.detail.masks
        failing = np.zeros(len(frame), dtype=bool)
        for mask in masks.values():
            failing |= mask.fails
        rows = frame.index[failing]
        rules: dict[object, list[str]] = {index: [] for index in rows}
        said: dict[object, list[str]] = {index: [] for index in rows}
        for rule in RULES:
            mask = masks[rule]
            if not mask.fails.any():
                continue
            text = reasons(frame, rule, mask, self.detail.as_of)
            for index, sentence in text.items():
                rules[index].append(rule)
                said[index].append(str(sentence))
        part = frame.loc[rows]
        close = frames.days(part["close_date"])
        return pd.DataFrame(
            {
                "id": [v.strip() for v in frames.texts(part["raw_id"])],
                "name": frames.texts(part["name"]),
                "owner": frames.texts(part["owner"]),
                "stage": frames.texts(part["stage"]),
                "outcome": frames.texts(part["outcome"]),
                "amount": part["amount"].to_numpy(),
                "currency": frames.texts(part["currency"]),
                "close_date": frames.iso_days(close),
                "rules": [",".join(rules[i]) for i in rows],
                "reasons": ["; ".join(said[i]) for i in rows],
            },
            columns=list(FAILURE_COLUMNS),
        )

    @cached_property
    def owners(self) -> pd.DataFrame:
        """Per owner: audited, clean, clean_rate and failures per rule."""
        frame, masks = self.detail.frame, self.detail.masks
        codes, values = frames.codes_and_values(frame["owner"])
        size = len(values)
        clean = np.ones(len(frame), dtype=bool)
        for mask in masks.values():
            clean &= ~mask.fails
        audited = np.bincount(codes, minlength=size)
        table = pd.DataFrame(
            {
                "owner": values,
                "audited": audited,
                "clean": np.bincount(codes[clean], minlength=size),
            }
        )
        table["clean_rate"] = table["clean"] / table["audited"].where(
            table["audited"] > 0
        )
        for rule in RULES:
            table[rule] = np.bincount(codes[masks[rule].fails], minlength=size)
        table = table[table["audited"] > 0]
        return table.sort_values("owner", kind="stable").reset_index(drop=True)


def audit_records(
    records: Records,
    *,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    seed: int = 0,
    loss_reasons: Sequence[str] | None = None,
    today: dt.date | None = None,
    filters: AuditFilters | None = None,
) -> AuditRun:
    """Audit typed records: select the sample, apply the six rules, compute metrics.

    Args:
        records: what ``build_records`` typed.
        as_of: the reference date; inferred from the export when None.
        audit_all: audit every record instead of the 500-record sample.
        seed: the sampling seed.
        loss_reasons: the loss-reason taxonomy replacing the default.
        today: the system date (for tests); dates after it never set ``as_of``.
        filters: pipelines, opportunity types and a close-date period to narrow
            every figure to.

    Returns:
        The audit and the detail behind it.
    """
    today = today or dt.date.today()
    filters = filters or AuditFilters()
    warnings = list(records.warnings)
    if as_of is None:
        as_of, as_of_source, note = infer_as_of(records, today)
        if note:
            warnings.append(note)
    else:
        as_of_source = "given"
    options = filter_options(records.frame)
    frame = filters.apply(records.frame)
    unmapped_rows = np.flatnonzero(frames.equals(frame["outcome"], "unmapped"))
    unmapped = len(unmapped_rows)
    if unmapped:
        stages = sorted(set(frames.texts(frame["stage"].iloc[unmapped_rows])))
        warnings.append(
            AuditWarning(
                code="unmapped_stage",
                message=f"{unmapped} records have a stage that is not a stage "
                f"name ({', '.join(repr(s) if s else 'blank' for s in stages[:5])}); "
                "map them to count them.",
                count=unmapped,
            )
        )
    audited = _select(frame, as_of, audit_all, seed, records.has_id)
    warnings.extend(_pipeline_note(audited))

    taxonomy = tuple(loss_reasons) if loss_reasons else default_loss_reasons()
    masks = evaluate(audited, records, as_of, taxonomy)
    clean = np.ones(len(audited), dtype=bool)
    clean_present = np.ones(len(audited), dtype=bool)
    results: dict[str, RuleResult] = {}
    for rule_id, mask in masks.items():
        fails = mask.fails
        clean &= ~fails
        if not mask.missing:
            clean_present &= ~fails
        results[rule_id] = RuleResult(
            applicable=int(mask.applies.sum()),
            failed=int(fails.sum()),
            missing_field=f"no {RULE_FIELDS[rule_id]} in this export"
            if mask.missing
            else None,
        )
    count = len(audited)
    clean_count = int(clean.sum())
    outcomes = Outcomes(
        open=int(frames.equals(audited["outcome"], "open").sum()),
        won=int(frames.equals(audited["outcome"], "won").sum()),
        lost=int(frames.equals(audited["outcome"], "lost").sum()),
        unmapped=unmapped,
    )
    log.info(
        "audit: records=%d audited=%d clean=%d as_of=%s",
        len(frame),
        count,
        clean_count,
        as_of,
    )
    audit = Audit(
        as_of=as_of,
        as_of_source=as_of_source,
        records=len(frame),
        audited=count,
        sampled=not audit_all,
        seed=seed,
        clean_rate=clean_count / count if count else None,
        clean_rate_interval=wilson_interval(clean_count, count) if count else None,
        clean_rate_present_fields=int(clean_present.sum()) / count if count else None,
        rules=results,
        outcomes=outcomes,
        metrics=funnel_metrics(
            audited,
            has_history=records.evidence.has_history
            and records.evidence.history_rows > 0,
            stage_order=records.stage_order,
            stage_numbers=records.stage_numbers,
        ),
        files=tuple(records.files),
        warnings=tuple(warnings),
        totals=totals(frame, as_of),
        filter_options=options,
        filters=filters.selection(),
    )
    return AuditRun(audit=audit, detail=_Detail(audited, masks, as_of))


def run_audit(
    records: Records,
    *,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    seed: int = 0,
    loss_reasons: Sequence[str] | None = None,
    today: dt.date | None = None,
    filters: AuditFilters | None = None,
) -> Audit:
    """Audit typed records (``audit_records``) and return the aggregates."""
    return audit_records(
        records,
        as_of=as_of,
        audit_all=audit_all,
        seed=seed,
        loss_reasons=loss_reasons,
        today=today,
        filters=filters,
    ).audit


def audit_files(
    files: Sequence[tuple[str, bytes]],
    *,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    seed: int = 0,
    encoding: str | None = None,
    delimiter: str | None = None,
    date_order: DateOrder | None = None,
    column_map: Mapping[str, str | None] | None = None,
    stage_map: Mapping[str, str] | None = None,
    loss_reasons: Sequence[str] | None = None,
    today: dt.date | None = None,
    filters: AuditFilters | None = None,
) -> Audit:
    """Read and audit a CRM upload.

    Args:
        files: (file name, bytes) for the opportunity export and any related
            files (stage history, contact roles, competitors).
        as_of: the reference date; inferred from the export when None.
        audit_all: audit every record instead of the 500-record sample.
        seed: the sampling seed.
        encoding: a codec overriding detection, for every file.
        delimiter: a delimiter overriding sniffing, for every file.
        date_order: ``DMY``, ``MDY`` or ``YMD`` overriding inference.
        column_map: field → column corrections.
        stage_map: stage label (or ``<pipeline>|<stage>``) → ``open``, ``won``
            or ``lost`` corrections.
        loss_reasons: the loss-reason taxonomy replacing the default.
        today: the system date (for tests); dates after it never set ``as_of``.
        filters: pipelines, opportunity types and a period to narrow to.

    Returns:
        The audit.

    Raises:
        InputFileError: no file can be read as opportunities (``MappingError``
            when the stage column is missing).
    """
    if not files:
        raise InputFileError("No file was given to audit.")
    records = read_files(
        files,
        encoding=encoding,
        delimiter=delimiter,
        date_order=date_order,
        column_map=column_map,
        stage_map=stage_map,
        today=today,
    )
    return run_audit(
        records,
        as_of=as_of,
        audit_all=audit_all,
        seed=seed,
        loss_reasons=loss_reasons,
        today=today,
        filters=filters,
    )
