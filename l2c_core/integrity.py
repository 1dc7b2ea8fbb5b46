"""The six record rules, the sample they run on, and the audit that collects them."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import statistics
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from l2c_core.audit import Audit, AuditWarning, Metrics, Outcomes, RuleResult
from l2c_core.errors import InputFileError
from l2c_core.records import Evidence, Records, read_files
from l2c_core.values import DateOrder

log = logging.getLogger(__name__)

SAMPLE_SIZE = 500
LOOKBACK_DAYS = 365
MAX_CLOSE_AHEAD_DAYS = 730
CLEAN_TARGET = 0.90
# Below this many records a metric says it rests on too few.
MIN_RECORDS = 30
_Z95 = 1.959963984540054
LOSS_REASONS_FILE = (
    Path(__file__).resolve().parent.parent / "questionnaires" / "loss_reasons.toml"
)

RULES = (
    "stage_timestamps",
    "close_date",
    "next_step",
    "champion",
    "competitor",
    "loss_reason",
)
# The field a rule inspects, as "no <field> in this export" names it.
RULE_FIELDS = {
    "stage_timestamps": "stage-change date or stage history",
    "close_date": "close date",
    "next_step": "next step",
    "champion": "champion or contact role",
    "competitor": "competitor",
    "loss_reason": "loss reason",
}


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


def infer_as_of(
    records: Records, today: dt.date
) -> tuple[dt.date, str, AuditWarning | None]:
    """The audit's reference date: the latest modification, else the latest date."""
    frame = records.frame
    modified = [d for d in frame["last_modified"].tolist() if isinstance(d, dt.date)]
    if modified:
        column = records.source_columns.get("last_modified", "last modified")
        return max(modified), f"latest {column}", None
    dates = [
        d
        for name in ("close_date", "created_date", "last_stage_change")
        for d in frame[name]
        if isinstance(d, dt.date) and d <= today
    ]
    if not dates:
        return (
            today,
            "today",
            AuditWarning(
                code="as_of_today",
                message="The export has no dates to take the audit date from; "
                "today is used.",
            ),
        )
    latest = max(dates)
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
    mapped = frame[frame["outcome"] != "unmapped"]
    if audit_all:
        return mapped
    start = as_of - dt.timedelta(days=LOOKBACK_DAYS)
    reference = [
        created if isinstance(created, dt.date) else close
        for created, close in zip(
            mapped["created_date"].tolist(), mapped["close_date"].tolist(), strict=True
        )
    ]
    eligible = [
        outcome == "open" or (isinstance(day, dt.date) and start < day <= as_of)
        for outcome, day in zip(mapped["outcome"].tolist(), reference, strict=True)
    ]
    chosen = mapped[eligible]
    if len(chosen) <= SAMPLE_SIZE:
        return chosen
    keys = [
        sample_key(seed, str(identifier) if has_id else str(row))
        for identifier, row in zip(chosen["id"].tolist(), chosen["row"], strict=True)
    ]
    order = sorted(range(len(keys)), key=keys.__getitem__)[:SAMPLE_SIZE]
    return chosen.iloc[sorted(order)]


# --- the rules: each returns (applies, passes) per record ---------------------

Rule = Callable[[pd.DataFrame, Records, dt.date], tuple[list[bool], list[bool]]]


def _stage_timestamps(
    frame: pd.DataFrame, records: Records, as_of: dt.date
) -> tuple[list[bool], list[bool]]:
    history = records.evidence.history
    passes = [
        isinstance(changed, dt.date)
        or isinstance(entered, dt.date)
        or (identifier, stage) in history
        for changed, entered, identifier, stage in zip(
            frame["last_stage_change"].tolist(),
            frame["stage_entered"].tolist(),
            frame["id"].tolist(),
            frame["stage"].tolist(),
            strict=True,
        )
    ]
    return [True] * len(frame), passes


def _close_date(
    frame: pd.DataFrame, records: Records, as_of: dt.date
) -> tuple[list[bool], list[bool]]:
    latest = as_of + dt.timedelta(days=MAX_CLOSE_AHEAD_DAYS)
    passes = []
    for close, created, status, outcome in zip(
        frame["close_date"].tolist(),
        frame["created_date"].tolist(),
        frame["close_date_status"].tolist(),
        frame["outcome"].tolist(),
        strict=True,
    ):
        ok = isinstance(close, dt.date) and status in ("ok", "serial")
        if ok and isinstance(created, dt.date) and close < created:
            ok = False
        if ok and close > latest:
            ok = False
        if ok and outcome in ("won", "lost") and close > as_of:
            ok = False
        if ok and outcome == "open" and close < as_of:
            ok = False
        passes.append(ok)
    return [True] * len(frame), passes


def _next_step(
    frame: pd.DataFrame, records: Records, as_of: dt.date
) -> tuple[list[bool], list[bool]]:
    applies = [o == "open" for o in frame["outcome"].tolist()]
    return applies, [bool(v) for v in frame["next_step"].tolist()]


def _champion(
    frame: pd.DataFrame, records: Records, as_of: dt.date
) -> tuple[list[bool], list[bool]]:
    roles = records.evidence.contact_roles
    passes = []
    for identifier, champion, role, count in zip(
        frame["id"].tolist(),
        frame["champion"].tolist(),
        frame["champion_role"].tolist(),
        frame["contact_count"].tolist(),
        strict=True,
    ):
        contact_rows = roles.get(identifier, [])
        named = bool(champion) or bool(contact_rows)
        has_role = bool(role) or any(contact_rows)
        contacts = count if isinstance(count, int) else len(contact_rows)
        passes.append(named and has_role and contacts >= 2)
    return [True] * len(frame), passes


def _competitor(
    frame: pd.DataFrame, records: Records, as_of: dt.date
) -> tuple[list[bool], list[bool]]:
    listed = records.evidence.competitors
    passes = [
        bool(v) or listed.get(i, 0) > 0
        for v, i in zip(frame["competitor"].tolist(), frame["id"].tolist(), strict=True)
    ]
    return [True] * len(frame), passes


def _loss_reason(
    frame: pd.DataFrame, records: Records, as_of: dt.date, taxonomy: Iterable[str]
) -> tuple[list[bool], list[bool]]:
    allowed = {reason.strip().lower() for reason in taxonomy}
    applies = [
        o == "lost" or bool(r)
        for o, r in zip(
            frame["outcome"].tolist(), frame["loss_reason"].tolist(), strict=True
        )
    ]
    passes = [
        o == "lost" and r.strip().lower() in allowed
        for o, r in zip(
            frame["outcome"].tolist(), frame["loss_reason"].tolist(), strict=True
        )
    ]
    return applies, passes


def _missing_fields(records: Records) -> dict[str, bool]:
    """Per rule, whether the export lacks the rule's own field altogether."""
    mapping, evidence = records.mapping, records.evidence
    return {
        "stage_timestamps": "last_stage_change" not in mapping
        and evidence.history_rows == 0
        and not records.stage_entered_columns,
        "close_date": "close_date" not in mapping,
        "next_step": "next_step" not in mapping,
        "champion": "champion" not in mapping
        and "contact_count" not in mapping
        and not evidence.contact_roles,
        "competitor": "competitor" not in mapping and not evidence.competitors,
        "loss_reason": "loss_reason" not in mapping,
    }


def _metrics(frame: pd.DataFrame) -> Metrics:
    won = frame[frame["outcome"] == "won"]
    closed = int((frame["outcome"] != "open").sum())
    win_rate = len(won) / closed if closed else None
    averages: dict[str, float] = {}
    for currency, group in won.groupby("currency", sort=True):
        amounts = [a for a in group["amount"] if a is not None and not pd.isna(a)]
        if amounts:
            averages[str(currency) or "unknown"] = sum(amounts) / len(amounts)
    cycles = [
        (close - created).days
        for created, close in zip(
            won["created_date"].tolist(), won["close_date"].tolist(), strict=True
        )
        if isinstance(created, dt.date)
        and isinstance(close, dt.date)
        and close >= created
    ]
    median_cycle = float(statistics.median(cycles)) if cycles else None
    velocity: dict[str, float] = {}
    if win_rate is not None and median_cycle:
        open_records = frame[frame["outcome"] == "open"]
        for currency, average in averages.items():
            key = "" if currency == "unknown" else currency
            count = int((open_records["currency"] == key).sum())
            velocity[currency] = count * win_rate * average / median_cycle
    return Metrics(
        win_rate=win_rate,
        win_rate_records=closed,
        avg_won_amount=averages,
        velocity=velocity,
        median_cycle_days=median_cycle,
        cycle_records=len(cycles),
    )


def _pipeline_note(frame: pd.DataFrame) -> list[AuditWarning]:
    """With several pipelines, say the win rate pools them and give each one's."""
    pipelines = sorted({p for p in frame["pipeline"].tolist() if p})
    if len(pipelines) < 2:
        return []
    parts = []
    for pipeline in pipelines:
        group = frame[frame["pipeline"] == pipeline]
        won = int((group["outcome"] == "won").sum())
        closed = int(group["outcome"].isin(("won", "lost")).sum())
        rate = f"{won / closed:.0%}" if closed else "no closed deals"
        parts.append(f"{pipeline} {won}/{closed} ({rate})")
    return [
        AuditWarning(
            code="pipelines_pooled",
            message=f"The win rate pools {len(pipelines)} pipelines; per pipeline, "
            f"won/closed: {'; '.join(parts)}.",
            count=len(pipelines),
        )
    ]


def run_audit(
    records: Records,
    *,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    seed: int = 0,
    loss_reasons: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> Audit:
    """Audit typed records: select the sample, apply the six rules, compute metrics."""
    today = today or dt.date.today()
    warnings = list(records.warnings)
    if as_of is None:
        as_of, as_of_source, note = infer_as_of(records, today)
        if note:
            warnings.append(note)
    else:
        as_of_source = "given"
    frame = records.frame
    unmapped = frame[frame["outcome"] == "unmapped"]
    if len(unmapped):
        stages = sorted(set(unmapped["stage"].tolist()))
        warnings.append(
            AuditWarning(
                code="unmapped_stage",
                message=f"{len(unmapped)} records have a stage that is not a stage "
                f"name ({', '.join(repr(s) if s else 'blank' for s in stages[:5])}); "
                "map them to count them.",
                count=len(unmapped),
            )
        )
    audited = _select(frame, as_of, audit_all, seed, records.has_id)
    warnings.extend(_pipeline_note(audited))

    taxonomy = tuple(loss_reasons) if loss_reasons else default_loss_reasons()
    rules: dict[str, Rule] = {
        "stage_timestamps": _stage_timestamps,
        "close_date": _close_date,
        "next_step": _next_step,
        "champion": _champion,
        "competitor": _competitor,
        "loss_reason": lambda f, r, a: _loss_reason(f, r, a, taxonomy),
    }
    missing = _missing_fields(records)
    clean = [True] * len(audited)
    clean_present = [True] * len(audited)
    results: dict[str, RuleResult] = {}
    for rule_id, rule in rules.items():
        applies, passes = rule(audited, records, as_of)
        if missing[rule_id]:
            passes = [False] * len(audited)
        failed = 0
        for i, (applicable, passed) in enumerate(zip(applies, passes, strict=True)):
            if applicable and not passed:
                failed += 1
                clean[i] = False
                if not missing[rule_id]:
                    clean_present[i] = False
        results[rule_id] = RuleResult(
            applicable=sum(applies),
            failed=failed,
            missing_field=f"no {RULE_FIELDS[rule_id]} in this export"
            if missing[rule_id]
            else None,
        )

    count = len(audited)
    clean_count = sum(clean)
    outcomes = Outcomes(
        open=int((audited["outcome"] == "open").sum()),
        won=int((audited["outcome"] == "won").sum()),
        lost=int((audited["outcome"] == "lost").sum()),
        unmapped=len(unmapped),
    )
    log.info(
        "audit: records=%d audited=%d clean=%d as_of=%s",
        len(frame),
        count,
        clean_count,
        as_of,
    )
    return Audit(
        as_of=as_of,
        as_of_source=as_of_source,
        records=len(frame),
        audited=count,
        sampled=not audit_all,
        seed=seed,
        clean_rate=clean_count / count if count else None,
        clean_rate_interval=wilson_interval(clean_count, count) if count else None,
        clean_rate_present_fields=sum(clean_present) / count if count else None,
        rules=results,
        outcomes=outcomes,
        metrics=_metrics(audited),
        files=tuple(records.files),
        warnings=tuple(warnings),
    )


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
        stage_map: stage label → ``open``, ``won`` or ``lost`` corrections.
        loss_reasons: the loss-reason taxonomy replacing the default.
        today: the system date (for tests); dates after it never set ``as_of``.

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
    )


def _unused(evidence: Evidence) -> None:  # pragma: no cover - keeps the import honest
    del evidence
