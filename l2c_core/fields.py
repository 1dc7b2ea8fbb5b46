"""Each field of the opportunity records, typed from its text column.

Stages and outcomes, amounts and currencies, the four dates, contact counts,
plain numbers, "date entered <stage>" columns, the related files' evidence per
record, de-duplication on the id, and the stage rows the stage-map editor shows.
Every conversion runs once per distinct value or on numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow.compute as pc  # type: ignore[import-untyped]

from l2c_core import arrays, frames
from l2c_core.audit import AuditWarning
from l2c_core.dates import (
    STATUSES,
    DateColumn,
    DateOrder,
    DateTexts,
    parse_date_column,
    parse_timestamp,
)
from l2c_core.mapping import normalise
from l2c_core.quality import NUMBER
from l2c_core.related import Evidence
from l2c_core.stages import Catalogue, Outcome, Source, StageRow, classify, stage_label
from l2c_core.values import AMOUNT_STATUSES, bool_column, parse_amount_column

DATE_FIELDS = ("close_date", "created_date", "last_modified", "last_stage_change")
TEXT_FIELDS = (
    "name",
    "next_step",
    "owner",
    "loss_reason",
    "competitor",
    "champion",
    "champion_role",
    "pipeline",
    "type",
)
OUTCOMES = ("open", "won", "lost", "unmapped")
TYPES = ("new business", "expansion", "renewal", "other")
_DATE_LABELS = {
    "close_date": "close date",
    "created_date": "created date",
    "last_modified": "last-modified date",
    "last_stage_change": "stage-change date",
}
# "Date entered <stage>" columns (HubSpot labels and property names).
_DATE_ENTERED = re.compile(
    r"^\s*(?:date\s+entered|entered)\s+(?P<stage>.+?)(?:\s+date)?\s*$"
    r"|^hs_date_entered_(?P<id>.+)$",
    re.IGNORECASE,
)


def classify_type(text: str) -> str:
    """An opportunity type as "new business", "expansion", "renewal" or "other".

    Salesforce's "New Business", "Existing Customer - Upgrade" (expansion) and
    "... - Renewal", HubSpot's ``newbusiness`` and ``existingbusiness``.
    """
    plain = re.sub(r"[^a-z]", "", text.lower())
    if not plain:
        return "other"
    if "renew" in plain:
        return "renewal"
    if any(
        w in plain
        for w in ("existing", "upgrade", "upsell", "expansion", "crosssell", "addon")
    ):
        return "expansion"
    if "new" in plain:
        return "new business"
    return "other"


def stages(
    raw: Mapping[str, Any],
    n: int,
    catalogue: Catalogue,
    stage_map: Mapping[str, str],
) -> tuple[pd.Categorical, pd.Categorical, pd.Categorical]:
    """Each record's stage label, outcome and what decided it (once per kind)."""
    stages, stage_codes = arrays.encoded(raw["stage"])
    pipelines, pipe_codes = (
        arrays.encoded(raw["pipeline"])
        if "pipeline" in raw
        else ([""], np.zeros(n, np.int8))
    )
    closed = bool_column(raw["is_closed"]) if "is_closed" in raw else np.full(n, -1)
    won = bool_column(raw["is_won"]) if "is_won" in raw else np.full(n, -1)
    key = stage_codes.astype(np.int64)
    key *= len(pipelines)
    key += pipe_codes
    key *= 3
    key += closed
    key += 1
    key *= 3
    key += won
    key += 1
    unique, inverse = arrays.factor(key)
    flag = {0: None, 1: False, 2: True}
    labels, outcomes, sources = [], [], []
    for value in unique.tolist():
        rest, w = divmod(int(value), 3)
        rest, c = divmod(rest, 3)
        s, p = divmod(rest, len(pipelines))
        label, result, source = classify(
            stages[s], pipelines[p], flag[c], flag[w], catalogue, stage_map
        )
        labels.append(label)
        outcomes.append(OUTCOMES.index(result))
        sources.append(source)
    label_series = arrays.to_series(arrays.dictionary(inverse, labels))
    outcome = frames.categorical(np.array(outcomes, np.int8)[inverse], list(OUTCOMES))
    names = ["flags", "name", "pipeline file", "user"]
    decided = frames.categorical(
        np.array([names.index(s) for s in sources], np.int8)[inverse], names
    )
    return label_series.array, outcome, decided


def amounts(
    raw: Mapping[str, Any],
    n: int,
    cols: dict[str, Any],
    counts: dict[str, int],
    examples: dict[str, list[str]],
) -> None:
    """Amounts with their per-row currency; the column's decimal mark decides."""
    column = raw.get("amount", arrays.repeat("", n))
    parsed = parse_amount_column(column)
    cols["amount"] = parsed.values
    # The currency column's value, else the currency written with the amount.
    given, codes = (
        arrays.convert(raw["currency"], lambda v: v.strip().upper())
        if "currency" in raw
        else ([""], np.zeros(n, dtype=np.int8))
    )
    written = parsed.currencies
    key = codes.astype(np.int64) * len(written) + parsed.currency_codes
    unique, inverse = arrays.factor(key)
    names = [
        given[k // len(written)] or written[k % len(written)] for k in unique.tolist()
    ]
    cols["currency"] = arrays.to_series(arrays.dictionary(inverse, names)).array
    if "amount" not in raw:
        return
    status = parsed.status
    for name in ("missing", "invalid", "ambiguous"):
        counts[f"amount_{name}"] = int((status == AMOUNT_STATUSES.index(name)).sum())
    counts["amount_negative"] = int((parsed.values < 0).sum())
    rows = np.flatnonzero(status == AMOUNT_STATUSES.index("invalid"))[:3]
    texts = arrays.texts(arrays.take(column, rows))
    examples["amount_invalid"] = [
        f"`{t.strip()}` (row {r + 1})"
        for t, r in zip(texts, rows.tolist(), strict=True)
    ]


def dates(
    raw: Mapping[str, DateTexts],
    n: int,
    order: DateOrder,
    today: dt.date,
    cols: dict[str, Any],
    counts: dict[str, int],
    examples: dict[str, list[str]],
    done: Callable[[str], None],
) -> None:
    """The four date fields, their statuses and the counts the warnings give.

    ``done`` is told each field once its text is no longer needed.
    """
    invalid: list[str] = []
    for name in DATE_FIELDS:
        if name in raw:
            parsed = parse_date_column(raw[name], order, today)
        else:
            parsed = DateColumn(
                np.full(n, np.datetime64("NaT"), "datetime64[D]"),
                np.full(n, STATUSES.index("missing"), np.int8),
            )
        cols[name] = frames.date_series(parsed.days)
        cols[f"{name}_status"] = frames.categorical(parsed.status, list(STATUSES))
        for code, status in enumerate(STATUSES):
            counts[f"date_{status}"] = counts.get(f"date_{status}", 0) + int(
                (parsed.status == code).sum()
            )
        if name in raw and len(invalid) < 3:
            rows = np.flatnonzero(parsed.status == STATUSES.index("invalid"))
            rows = rows[: 3 - len(invalid)]
            for text in arrays.texts(arrays.take(raw[name].column, rows)):
                invalid.append(f"{_DATE_LABELS[name]} `{text.strip()}`")
        del parsed
        done(name)
    examples["date_invalid"] = invalid


def contact_counts(column: Any, n: int) -> pd.Series:
    """The contact-count column as nullable integers (NA where blank or no number)."""
    if column is None:
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    values, codes = arrays.convert(
        column,
        lambda v: int(float(v.replace(",", ""))) if NUMBER.match(v.strip()) else None,
    )
    return pd.Series(pd.array(values, dtype="Int64")[codes])


def numbers(column: Any, n: int) -> np.ndarray:
    """A column of plain numbers (``12``, ``12.5``, ``40 %``) as floats, NaN if none."""

    def number(text: str) -> float:
        try:
            return float(text.strip().rstrip("%").strip().replace(",", "."))
        except ValueError:
            return float("nan")

    values, codes = arrays.convert(column, number)
    return np.asarray(values, dtype=float)[codes] if len(codes) else np.full(n, np.nan)


def stage_entered_columns(columns: Sequence[str]) -> dict[tuple[str, str], str]:
    """Find "date entered <stage>" columns: (pipeline, stage) → column."""
    found: dict[tuple[str, str], str] = {}
    for column in columns:
        match = _DATE_ENTERED.match(column)
        if not match:
            continue
        text = (match["stage"] or stage_label(match["id"] or "")).strip()
        text = text.strip("\"'\u201c\u201d\u2018\u2019 ")
        pipeline = ""
        scoped = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
        if scoped:
            text, pipeline = scoped[1].strip("\"'\u201c\u201d "), scoped[2]
        if normalise(text) in ("", "currentstage"):
            continue
        found.setdefault((normalise(pipeline), normalise(text)), column)
    return found


def stage_entered(
    n: int,
    texts: Mapping[str, DateTexts],
    columns: Mapping[tuple[str, str], str],
    cols: Mapping[str, Any],
    order: DateOrder,
    today: dt.date,
) -> pd.Series:
    """The date each record entered its current stage, from "date entered" columns."""
    entered = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if not columns:
        return frames.date_series(entered)
    by_stage: dict[str, str] = {}
    for (_, stage), column in columns.items():
        by_stage.setdefault(stage, column)
    pipelines = pd.Series(cols["pipeline"])
    stages = pd.Series(cols["stage"])
    pipe_codes, pipe_values = frames.codes_and_values(pipelines)
    stage_codes, stage_values = frames.codes_and_values(stages)
    key = pipe_codes.astype(np.int64) * (len(stage_values) + 1) + stage_codes
    unique, inverse = arrays.factor(key)
    chosen = []
    for k in unique.tolist():
        p, s = divmod(k, len(stage_values) + 1)
        pipeline, stage = normalise(pipe_values[p]), normalise(stage_values[s])
        chosen.append(columns.get((pipeline, stage)) or by_stage.get(stage))
    for column in {c for c in chosen if c}:
        wanted = np.array([c == column for c in chosen], dtype=bool)
        rows = np.flatnonzero(wanted[inverse])
        parsed = parse_date_column(texts[column], order, today)
        entered[rows] = parsed.days[rows]
    return frames.date_series(entered)


@dataclass(frozen=True)
class Duplicates:
    """What de-duplication dropped, to be said in a warning."""

    dropped: int
    examples: tuple[str, ...]
    later: bool

    def with_name(self, name: str) -> AuditWarning:
        """The warning, naming the file."""
        message = (
            f"{name}: {self.dropped} rows repeat an opportunity id and were counted "
            f"once ({', '.join(self.examples)})"
            + ("; the most recently modified version is kept." if self.later else ".")
        )
        return AuditWarning(code="duplicate_id", message=message, count=self.dropped)


def duplicates(
    ids: Any,
    raw_ids: Any,
    scientific: np.ndarray,
    modified: Any,
    order: DateOrder,
    today: dt.date,
) -> tuple[np.ndarray | None, Duplicates | None]:
    """Which rows to keep so each opportunity counts once, and what was dropped.

    Each id keeps its most recently modified row, else its first. Ids Excel
    turned into scientific notation no longer identify a record and are never
    merged; nor are blank ids. Only repeated ids have their modification
    timestamps read.
    """
    if not arrays.is_dictionary(ids) and arrays.all_distinct(ids):
        return None, None  # every id differs: nothing to merge
    dictionary, codes = arrays.encode(ids)
    codes = np.asarray(codes, dtype=np.int64)
    blank = arrays.mask(pc.equal(pc.utf8_length(dictionary), 0))
    candidates = ~blank[codes] & ~scientific
    counts = np.bincount(codes[candidates], minlength=len(dictionary))
    repeated = candidates & (counts[codes] > 1)
    if not repeated.any():
        return None, None
    rows = np.flatnonzero(repeated)
    stamps = (
        [
            parse_timestamp(v, order, today=today)
            for v in arrays.texts(arrays.take(modified, rows))
        ]
        if modified is not None
        else [None] * len(rows)
    )
    best: dict[int, int] = {}
    stamp_of: dict[int, dt.datetime | None] = {}
    for row, identifier, stamp in zip(
        rows.tolist(), codes[rows].tolist(), stamps, strict=True
    ):
        stamp_of[row] = stamp
        kept = best.get(identifier)
        if kept is None:
            best[identifier] = row
            continue
        theirs = stamp_of[kept]
        if stamp is not None and (theirs is None or stamp > theirs):
            best[identifier] = row
    keep = np.ones(len(codes), dtype=bool)
    keep[rows] = False
    keep[list(best.values())] = True
    dropped = np.flatnonzero(~keep)
    raw_of = dict(
        zip(rows.tolist(), arrays.texts(arrays.take(raw_ids, rows)), strict=True)
    )
    examples = []
    for i in dropped[:3].tolist():
        mine, other = raw_of[i], raw_of[best[int(codes[i])]]
        examples.append(f"`{mine}`" if mine == other else f"`{mine}` = `{other}`")
    later = any(best[int(codes[i])] > i for i in dropped.tolist())
    return keep, Duplicates(len(dropped), tuple(examples), later)


def attach_evidence(frame: pd.DataFrame, found: Evidence) -> None:
    """Per record, what the related files say: history, contact roles, competitors."""
    n = len(frame)
    ids = frame["id"]
    if len(found.history):
        pairs = pd.MultiIndex.from_arrays(
            [found.history["id"].astype("str"), found.history["stage"].astype("str")]
        )
        keys = pd.MultiIndex.from_arrays([ids, frame["stage"].astype("str")])
        frame["history_current"] = keys.isin(pairs.unique())
    else:
        frame["history_current"] = np.zeros(n, dtype=bool)
    if len(found.contacts):
        frame["contact_rows"] = (
            ids.map(found.contacts["rows"]).fillna(0).astype(np.int32).to_numpy()
        )
        frame["contact_roles"] = (
            ids.map(found.contacts["roles"]).fillna(0).astype(np.int32).to_numpy()
        )
    else:
        frame["contact_rows"] = np.zeros(n, dtype=np.int8)
        frame["contact_roles"] = np.zeros(n, dtype=np.int8)
    if len(found.competitors):
        frame["competitor_rows"] = (
            ids.map(found.competitors).fillna(0).astype(np.int32).to_numpy()
        )
    else:
        frame["competitor_rows"] = np.zeros(n, dtype=np.int8)


def stage_rows(
    frame: pd.DataFrame, numbers: Mapping[tuple[str, str], int]
) -> list[StageRow]:
    """The stages for the stage-map editor, one per pipeline, label and outcome."""
    parts = [
        frames.codes_and_values(frame[c])
        for c in ("pipeline", "stage", "outcome", "_source")
    ]
    key = np.zeros(len(frame), dtype=np.int64)
    for codes, values in parts:
        key *= len(values) + 1
        key += codes
    unique, inverse = arrays.factor(key)
    count = np.bincount(inverse, minlength=len(unique))
    first = np.full(len(unique), len(frame), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(frame)))
    rows = []
    for row, size in zip(first.tolist(), count.tolist(), strict=True):
        pipeline, stage, outcome, source = (
            values[int(codes[row])] for codes, values in parts
        )
        rows.append(
            StageRow(
                pipeline=pipeline,
                stage=stage,
                outcome=cast(Outcome, outcome),
                order=numbers.get((pipeline, stage)) if outcome == "open" else None,
                count=int(size),
                source=cast(Source, source),
            )
        )
    return sorted(
        rows,
        key=lambda r: (
            r.pipeline,
            OUTCOMES.index(r.outcome) if r.outcome != "open" else -1,
            r.order if r.order is not None else 10**6,
            r.stage,
        ),
    )
