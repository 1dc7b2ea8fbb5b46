"""Turn read tables into typed opportunity records and the related-file evidence."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd

from l2c_core.audit import AuditWarning, FileInfo
from l2c_core.errors import InputFileError, MappingError
from l2c_core.mapping import map_columns, normalise
from l2c_core.reader import Table, read_table
from l2c_core.stages import Outcome, outcome, stage_label
from l2c_core.values import (
    DateOrder,
    canonical_id,
    infer_date_order,
    infer_decimal_mark,
    is_scientific_id,
    parse_amount,
    parse_bool,
    parse_date,
    parse_timestamp,
)

_T = TypeVar("_T")
_R = TypeVar("_R")

DATE_FIELDS = ("close_date", "created_date", "last_modified", "last_stage_change")
_DATE_LABELS = {
    "close_date": "close date",
    "created_date": "created date",
    "last_modified": "last-modified date",
    "last_stage_change": "stage-change date",
}
_ORDER_NAMES = {
    "DMY": "day/month/year",
    "MDY": "month/day/year",
    "YMD": "year-month-day",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
# A competitor that is no name at all: Excel's 0 for an empty cell, a dash.
_PLACEHOLDER = re.compile(r"^(?:\d+|[-–—.?*/x]+)$", re.IGNORECASE)
_POSTAL = re.compile(r"(postal|postcode|zip|plz)", re.IGNORECASE)
# "Date entered <stage>" columns (HubSpot labels and property names).
_DATE_ENTERED = re.compile(
    r"^\s*(?:date\s+entered|entered)\s+(?P<stage>.+?)(?:\s+date)?\s*$"
    r"|^hs_date_entered_(?P<id>.+)$",
    re.IGNORECASE,
)
# Related files are recognised by their columns (normalised names).
_OPPORTUNITY_REF = {"opportunityid", "dealid"}
_HISTORY_MARKS = {
    "fromopportunitystagename",
    "oldstageid",
    "oldstage",
    "fromstage",
    "previousstage",
    "changedat",
    "stagechangedat",
    "eventid",
}
_HISTORY_STAGE = ("stagename", "newstageid", "newstage", "tostage", "stage", "stageid")
_CONTACT_MARKS = {"contactid", "role", "contactrole", "isprimary"}
_COMPETITOR_MARKS = {"competitorname"}
_PIPELINE_MARKS = {"sortorder", "displayorder", "issuccess", "isfinal"}
# Columns of a pipeline-stages file, most specific first.
_CATALOGUE_ID = ("stageid", "statusid", "stage", "id")
_CATALOGUE_LABEL = ("stagename", "stagelabel", "label", "name", "title")
_CATALOGUE_PIPELINE = ("pipelineid", "pipeline", "pipelinename", "categoryid")
_CATALOGUE_CLOSED = ("isfinal", "isclosed", "closed", "final")
_CATALOGUE_WON = ("issuccess", "iswon", "closedwon", "won", "success")


@dataclass
class Evidence:
    """What the related files say per opportunity id (canonical form)."""

    history: set[tuple[str, str]] = field(default_factory=set)
    history_rows: int = 0
    has_history: bool = False
    contact_roles: dict[str, list[str]] = field(default_factory=dict)
    has_contact_roles: bool = False
    competitors: dict[str, int] = field(default_factory=dict)
    has_competitors: bool = False


@dataclass(frozen=True)
class StageInfo:
    """One stage of a pipeline-stages file: its label and closed/won flags."""

    label: str
    closed: bool | None
    won: bool | None


@dataclass
class Records:
    """The opportunity records, typed, with how they were read."""

    frame: pd.DataFrame
    mapping: dict[str, list[str]]
    date_order: DateOrder
    date_order_decided: bool
    evidence: Evidence
    files: list[FileInfo]
    warnings: list[AuditWarning]
    has_id: bool
    source_columns: dict[str, str]
    # (pipeline, stage) → the "date entered <stage>" column, normalised names.
    stage_entered_columns: dict[tuple[str, str], str] = field(default_factory=dict)


def _is_header(row: Sequence[str]) -> bool:
    names = {normalise(c) for c in row if c}
    known = map_columns(list(row))
    return ("stage" in known and len(names) >= 2) or bool(
        names & _OPPORTUNITY_REF and len(names) >= 3
    )


def _kind(table: Table) -> str:
    """Tell an opportunity file from stage history, contact roles and competitors."""
    names = {normalise(c) for c in table.frame.columns}
    has_ref = bool(names & _OPPORTUNITY_REF)
    if has_ref and (names & _HISTORY_MARKS or ("id" in names and "stagename" in names)):
        return "stage_history"
    if has_ref and names & _COMPETITOR_MARKS:
        return "competitors"
    if "opportunityid" in names and names & _CONTACT_MARKS:
        return "contact_roles"
    if (
        names & _PIPELINE_MARKS
        and not has_ref
        and "stage"
        not in map_columns(
            [
                c
                for c in table.frame.columns
                if normalise(c) not in {"stageid", "stagename"}
            ]
        )
    ):
        return "pipeline_stages"
    return "opportunities"


def _coalesce(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    values = [str(v) for v in frame[columns[0]].tolist()]
    for column in columns[1:]:
        for i, other in enumerate(frame[column].tolist()):
            if not values[i].strip() and str(other).strip():
                values[i] = str(other)
    return values


def _column(
    frame: pd.DataFrame, mapping: Mapping[str, list[str]], name: str
) -> list[str]:
    if name not in mapping:
        return [""] * len(frame)
    return _coalesce(frame, mapping[name])


def _memo(values: Sequence[_T], convert: Callable[[_T], _R]) -> list[_R]:
    """Convert each value once: exports repeat the same stages, dates and amounts."""
    seen: dict[_T, _R] = {}
    out: list[_R] = []
    for value in values:
        if value not in seen:
            seen[value] = convert(value)
        out.append(seen[value])
    return out


def _pick(by_name: Mapping[str, str], names: Sequence[str]) -> str | None:
    return next((by_name[n] for n in names if n in by_name), None)


def _stage_catalogue(
    tables: Sequence[Table], kinds: Sequence[str]
) -> dict[tuple[str, str], StageInfo]:
    """(pipeline, stage id or label) → stage, from pipeline-stages files.

    Keys are case-folded; the pipeline is "" for a file without a pipeline
    column, and every stage is also filed under pipeline "" for exports whose
    records do not name their pipeline.
    """
    catalogue: dict[tuple[str, str], StageInfo] = {}
    for table, kind in zip(tables, kinds, strict=True):
        if kind != "pipeline_stages":
            continue
        by_name = {normalise(c): c for c in table.frame.columns}
        id_column = _pick(by_name, _CATALOGUE_ID)
        label_column = _pick(by_name, _CATALOGUE_LABEL)
        if id_column is None and label_column is None:
            continue
        pipeline_column = _pick(by_name, _CATALOGUE_PIPELINE)
        closed_column = _pick(by_name, _CATALOGUE_CLOSED)
        won_column = _pick(by_name, _CATALOGUE_WON)
        for _, row in table.frame.iterrows():
            label = str(row[label_column]).strip() if label_column else ""
            identifier = str(row[id_column]).strip() if id_column else ""
            info = StageInfo(
                label=label or stage_label(identifier),
                closed=parse_bool(str(row[closed_column])) if closed_column else None,
                won=parse_bool(str(row[won_column])) if won_column else None,
            )
            pipeline = str(row[pipeline_column]).strip() if pipeline_column else ""
            for key in (identifier, label):
                if not key:
                    continue
                for scope in {pipeline.casefold(), ""}:
                    catalogue.setdefault((scope, key.casefold()), info)
    return catalogue


def _lookup(
    catalogue: Mapping[tuple[str, str], StageInfo], pipeline: str, stage: str
) -> StageInfo | None:
    key = stage.strip().casefold()
    return catalogue.get((pipeline.strip().casefold(), key)) or catalogue.get(("", key))


def _stage_entered_columns(columns: Sequence[str]) -> dict[tuple[str, str], str]:
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


def _choose_opportunities(
    tables: Sequence[Table], kinds: list[str], warnings: list[AuditWarning]
) -> Table:
    """The opportunity table: the first one with a stage column.

    Other files that are neither opportunities nor a related file (accounts,
    products, a data dictionary in the same zip) are set aside and named.

    Raises:
        InputFileError: no file holds opportunities.
        MappingError: no opportunity file has a stage column.
    """
    candidates = [i for i, k in enumerate(kinds) if k == "opportunities"]
    if not candidates:
        names = ", ".join(t.name for t in tables)
        raise InputFileError(
            f"None of {names} holds opportunities; upload the opportunity export "
            "(related files such as stage history go beside it).",
            file_name=tables[0].name if tables else None,
        )
    with_stage = [
        i for i in candidates if "stage" in map_columns(list(tables[i].frame.columns))
    ]
    chosen = with_stage[0] if with_stage else candidates[0]
    for i in candidates:
        if i == chosen:
            continue
        kinds[i] = "other"
        warnings.append(
            AuditWarning(
                code="file_ignored",
                message=f"{tables[i].name} is not the opportunity export nor a "
                "stage-history, contact-role, competitor or pipeline-stages file; "
                f"it was not used (the opportunities are read from "
                f"{tables[chosen].name}).",
            )
        )
    return tables[chosen]


def read_files(
    files: Sequence[tuple[str, bytes]],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    date_order: DateOrder | None = None,
    column_map: Mapping[str, str | None] | None = None,
    stage_map: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Records:
    """Read an upload (opportunities plus optional related files) into typed records.

    Raises:
        InputFileError: a file cannot be read, or no file holds opportunities.
        MappingError: the opportunity file has no stage column.
    """
    today = today or dt.date.today()
    tables = [
        read_table(
            data, name, is_header=_is_header, encoding=encoding, delimiter=delimiter
        )
        for name, data in files
    ]
    kinds = [_kind(t) for t in tables]
    ignored: list[AuditWarning] = []
    table = _choose_opportunities(tables, kinds, ignored)
    warnings = [
        w
        for t, k in zip(tables, kinds, strict=True)
        if k != "other"
        for w in t.warnings
    ]
    warnings.extend(ignored)
    infos = [
        FileInfo(
            name=t.name,
            kind=k,
            encoding=t.encoding,
            delimiter=t.delimiter,
            rows=len(t.frame),
        )
        for t, k in zip(tables, kinds, strict=True)
    ]
    frame = table.frame
    if frame.empty:
        raise InputFileError(
            f"{table.name} has a header but no data rows.", file_name=table.name
        )
    mapping = map_columns(list(frame.columns), column_map)
    if "stage" not in mapping:
        raise MappingError(
            f"{table.name} has no stage column (looked for StageName, Stage, Deal "
            "Stage, deal_stage, ...); choose the column that holds the stage.",
            file_name=table.name,
            field="stage",
        )

    raw = {name: _column(frame, mapping, name) for name in mapping}
    entered_columns = _stage_entered_columns(
        [c for c in frame.columns if not any(c in cols for cols in mapping.values())]
    )
    present_dates = [raw[f] for f in DATE_FIELDS if f in raw] + [
        frame[c].tolist() for c in entered_columns.values()
    ]
    decided = True
    if date_order is None:
        date_order, decided = infer_date_order(present_dates)
        warnings.extend(_date_order_warning(present_dates, date_order, decided))

    n = len(frame)
    raw_ids = raw.get("id", [""] * n)
    typed: dict[str, Sequence[object]] = {"row": list(range(1, n + 1))}
    typed["id"] = _memo(raw_ids, canonical_id)
    typed["raw_id"] = raw_ids
    for name in (
        "name",
        "next_step",
        "owner",
        "loss_reason",
        "competitor",
        "champion",
        "champion_role",
        "pipeline",
        "type",
    ):
        typed[name] = [v.strip() for v in raw[name]] if name in raw else [""] * n

    catalogue = _stage_catalogue(tables, kinds)
    labels, outcomes = _stages(raw, n, catalogue, dict(stage_map or {}))
    typed["stage"] = labels
    typed["outcome"] = outcomes
    # Amounts: per-row currency; the column's decimal mark decides ambiguous cells.
    amounts = raw.get("amount", [""] * n)
    mark = infer_decimal_mark(amounts)
    parsed_amounts = _memo(amounts, lambda v: parse_amount(v, mark))
    currencies = raw.get("currency", [""] * n)
    typed["amount"] = [a.value for a in parsed_amounts]
    typed["currency"] = [
        (c.strip().upper() or (a.currency or ""))
        for c, a in zip(currencies, parsed_amounts, strict=True)
    ]

    counts: Counter[str] = Counter()
    invalid_dates: list[str] = []
    for name in DATE_FIELDS:
        values = raw.get(name, [""] * n)
        parsed = _memo(values, lambda v: parse_date(v, date_order, today=today))
        typed[name] = [p.value for p in parsed]
        typed[f"{name}_status"] = [p.status for p in parsed]
        for value, p in zip(values, parsed, strict=True):
            counts[f"date_{p.status}"] += 1
            if p.status == "invalid" and len(invalid_dates) < 3:
                invalid_dates.append(f"{_DATE_LABELS[name]} `{value.strip()}`")
        if name == "close_date":
            counts["close_invalid"] = sum(1 for p in parsed if p.status == "invalid")
    typed["stage_entered"] = _stage_entered(
        frame, entered_columns, typed, date_order, today
    )
    if "contact_count" in raw:
        typed["contact_count"] = [
            int(float(v.replace(",", ""))) if _NUMBER.match(v.strip()) else None
            for v in raw["contact_count"]
        ]
    else:
        typed["contact_count"] = [None] * n

    # Data-quality findings beside the six rules; they do not change the clean rate.
    if "amount" in raw:
        counts["amount_missing"] = sum(
            1 for a in parsed_amounts if a.status == "missing"
        )
        counts["amount_invalid"] = sum(
            1 for a in parsed_amounts if a.status == "invalid"
        )
        counts["amount_ambiguous"] = sum(
            1 for a in parsed_amounts if a.status == "ambiguous"
        )
        counts["amount_negative"] = sum(
            1 for a in parsed_amounts if a.value is not None and a.value < 0
        )
    counts["id_scientific"] = sum(_memo(raw_ids, is_scientific_id))
    counts["formula_like"] = sum(
        1
        for column in frame.columns
        if not mapping.get("amount") or column not in mapping["amount"]
        for v in frame[column].tolist()
        if v[:1] in _FORMULA_STARTS and not _NUMBER.match(v.strip())
    )
    counts["competitor_placeholder"] = sum(
        1 for v in typed["competitor"] if _PLACEHOLDER.match(str(v))
    )
    counts["postal_code_zero"] = _postal_codes_missing_zero(frame)
    invalid_amounts = [
        f"`{text.strip()}` (row {row})"
        for row, (text, a) in enumerate(zip(amounts, parsed_amounts, strict=True), 1)
        if a.status == "invalid"
    ][:3]
    warnings.extend(
        _quality_warnings(
            counts,
            table.name,
            {"date_invalid": invalid_dates, "amount_invalid": invalid_amounts},
        )
    )

    records = pd.DataFrame(typed)
    has_id = "id" in mapping
    if has_id:
        records, duplicate_warning = _deduplicate(
            records, raw.get("last_modified", [""] * n), date_order, today, table.name
        )
        if duplicate_warning:
            warnings.append(duplicate_warning)

    evidence = _evidence(
        tables,
        kinds,
        lambda stage: (
            info.label
            if (info := _lookup(catalogue, "", stage))
            else stage_label(stage)
        ),
    )
    return Records(
        frame=records,
        mapping=mapping,
        date_order=date_order,
        date_order_decided=decided,
        evidence=evidence,
        files=infos,
        warnings=warnings,
        has_id=has_id,
        source_columns={k: v[0] for k, v in mapping.items()},
        stage_entered_columns=entered_columns,
    )


def _stages(
    raw: Mapping[str, list[str]],
    n: int,
    catalogue: Mapping[tuple[str, str], StageInfo],
    stage_map: Mapping[str, str],
) -> tuple[list[str], list[Outcome]]:
    """Each record's stage label and outcome.

    The user's stage map wins; then the record's own closed/won flags; then
    the pipeline-stages file's flags for that (pipeline, stage); then the name.
    With a pipeline-stages file, a stage it does not list is unmapped.
    """
    pipelines = raw.get("pipeline", [""] * n)
    closed = (
        [parse_bool(v) for v in raw["is_closed"]] if "is_closed" in raw else [None] * n
    )
    won = [parse_bool(v) for v in raw["is_won"]] if "is_won" in raw else [None] * n

    def classify(
        key: tuple[str, str, bool | None, bool | None],
    ) -> tuple[str, Outcome]:
        value, pipeline, is_closed, is_won = key
        info = _lookup(catalogue, pipeline, value) if catalogue else None
        label = info.label if info else stage_label(value)
        mapped = stage_map.get(label, stage_map.get(value.strip()))
        result: Outcome
        if mapped in ("open", "won", "lost"):
            result = mapped  # type: ignore[assignment]
        elif info is not None:
            result = outcome(
                label,
                is_closed if is_closed is not None else info.closed,
                is_won if is_won is not None else info.won,
            )
        elif catalogue and value.strip() and is_closed is None:
            result = "unmapped"
        else:
            result = outcome(label, is_closed, is_won)
        return label, result

    classified = _memo(
        list(zip(raw["stage"], pipelines, closed, won, strict=True)), classify
    )
    return [c[0] for c in classified], [c[1] for c in classified]


def _stage_entered(
    frame: pd.DataFrame,
    columns: Mapping[tuple[str, str], str],
    typed: Mapping[str, Sequence[object]],
    order: DateOrder,
    today: dt.date,
) -> list[dt.date | None]:
    """The date each record entered its current stage, from "date entered" columns."""
    if not columns:
        return [None] * len(frame)
    by_stage: dict[str, str] = {}
    for (_, entered_stage), entered_column in columns.items():
        by_stage.setdefault(entered_stage, entered_column)
    cells = {c: frame[c].tolist() for c in set(columns.values())}
    values: list[dt.date | None] = []
    for i, (stage, pipeline) in enumerate(
        zip(typed["stage"], typed["pipeline"], strict=True)
    ):
        key = normalise(str(stage))
        column = columns.get((normalise(str(pipeline)), key)) or by_stage.get(key)
        values.append(
            parse_date(str(cells[column][i]), order, today=today).value
            if column
            else None
        )
    return values


def _deduplicate(
    records: pd.DataFrame,
    modified: Sequence[str],
    order: DateOrder,
    today: dt.date,
    name: str,
) -> tuple[pd.DataFrame, AuditWarning | None]:
    """Count each opportunity once: its most recently modified row, else its first.

    Ids Excel turned into scientific notation no longer identify a record and
    are never merged; nor are blank ids.
    """
    stamps = _memo(modified, lambda v: parse_timestamp(v, order, today=today))
    raw_ids = [str(v) for v in records["raw_id"].tolist()]
    scientific = _memo(raw_ids, is_scientific_id)
    identifiers = [str(v) for v in records["id"].tolist()]

    def newer(i: int, kept: int) -> bool:
        mine, theirs = stamps[i], stamps[kept]
        return mine is not None and (theirs is None or mine > theirs)

    best: dict[str, int] = {}
    for i, identifier in enumerate(identifiers):
        if identifier == "" or scientific[i]:
            continue
        kept = best.get(identifier)
        if kept is None or newer(i, kept):
            best[identifier] = i
    keep = [
        identifier == "" or scientific[i] or best[identifier] == i
        for i, identifier in enumerate(identifiers)
    ]
    dropped = len(keep) - sum(keep)
    if not dropped:
        return records, None
    examples: list[str] = []
    for i, kept_row in enumerate(keep):
        if not kept_row and len(examples) < 3:
            mine, other = raw_ids[i], raw_ids[best[identifiers[i]]]
            examples.append(f"`{mine}`" if mine == other else f"`{mine}` = `{other}`")
    later = any(
        best[identifiers[i]] > i for i, kept_row in enumerate(keep) if not kept_row
    )
    message = (
        f"{name}: {dropped} rows repeat an opportunity id and were counted once "
        f"({', '.join(examples)})"
        + ("; the most recently modified version is kept." if later else ".")
    )
    warning = AuditWarning(code="duplicate_id", message=message, count=dropped)
    return records[keep].reset_index(drop=True), warning


def _postal_codes_missing_zero(frame: pd.DataFrame) -> int:
    """Four-digit codes in a postal-code column whose other codes have five digits.

    US ZIP codes that start with 0 lose it when Excel reads them as numbers
    (07307 → 7307); a column of only four-digit codes (Austria, Switzerland,
    Denmark, ...) is left alone.
    """
    missing = 0
    for column in frame.columns:
        if not _POSTAL.search(column):
            continue
        values = [v.strip() for v in frame[column].tolist() if v.strip()]
        digits = [v for v in values if v.isdigit()]
        if any(len(v) == 5 for v in digits):
            missing += sum(1 for v in digits if len(v) == 4)
    return missing


def _date_order_warning(
    columns: Sequence[Sequence[str]], order: DateOrder, decided: bool
) -> list[AuditWarning]:
    """Say how numeric day/month dates were read, and when that is a guess."""
    day_month = [
        v.strip()
        for column in columns
        for v in column[:5000]
        if re.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", v.strip())
    ]
    if not day_month:
        return []
    if decided:
        telling = next(
            (
                v
                for v in day_month
                if max(int(p) for p in re.split(r"[/.\-]", v)[:2]) > 12
            ),
            day_month[0],
        )
        return [
            AuditWarning(
                code="date_order",
                message=f"Dates were read as {_ORDER_NAMES[order]}, as values such "
                f"as `{telling}` can only be read that way.",
            )
        ]
    return [
        AuditWarning(
            code="date_order_guessed",
            message="No date in the file tells day-first from month-first; dates were "
            f"read as {_ORDER_NAMES[order]}. Choose the date order if that is wrong.",
        )
    ]


_QUALITY = {
    "amount_missing": "{n} opportunities have no amount.",
    "amount_invalid": "{n} amounts could not be read as numbers: {examples}.",
    "amount_ambiguous": "{n} amounts have an ambiguous decimal mark (such as 1.234) "
    "and were left out.",
    "amount_negative": "{n} amounts are negative, which is unusual for an opportunity.",
    "id_scientific": "{n} ids are in scientific notation (corrupted by Excel); ids "
    "unreliable in {n} rows.",
    "formula_like": "{n} text cells start like a spreadsheet formula; they are shown "
    "literally and escaped in downloads.",
    "competitor_placeholder": "{n} competitor values are placeholders (such as 0) "
    "rather than a name.",
    "postal_code_zero": "{n} postal codes have four digits where the others have "
    "five; they probably lost a leading zero in Excel.",
    "date_placeholder": "{n} dates are placeholders (year 3999 or later).",
    "date_serial": "{n} Excel serial dates were converted.",
    "date_invalid": "{n} dates could not be read in the file's date order: {examples}.",
}


def _quality_warnings(
    counts: Mapping[str, int], name: str, examples: Mapping[str, Sequence[str]]
) -> list[AuditWarning]:
    return [
        AuditWarning(
            code=code,
            message=f"{name}: "
            + text.format(n=counts[code], examples=", ".join(examples.get(code, ()))),
            count=counts[code],
        )
        for code, text in _QUALITY.items()
        if counts.get(code)
    ]


def _evidence(
    tables: Sequence[Table],
    kinds: Sequence[str],
    label: Callable[[str], str] = stage_label,
) -> Evidence:
    evidence = Evidence()
    for table, kind in zip(tables, kinds, strict=True):
        if kind not in ("stage_history", "contact_roles", "competitors"):
            continue
        frame = table.frame
        by_name = {normalise(c): c for c in frame.columns}
        id_column = next(
            (by_name[k] for k in ("opportunityid", "dealid") if k in by_name), None
        )
        if id_column is None:
            continue
        ids = _memo(frame[id_column].tolist(), canonical_id)
        if kind == "stage_history":
            evidence.has_history = True
            evidence.history_rows += len(frame)
            stage_column = next(
                (by_name[k] for k in _HISTORY_STAGE if k in by_name), None
            )
            if stage_column is None:
                continue
            for opportunity, stage in zip(
                ids, frame[stage_column].tolist(), strict=True
            ):
                evidence.history.add((opportunity, label(stage)))
        elif kind == "contact_roles":
            evidence.has_contact_roles = True
            role_column = by_name.get("role") or by_name.get("contactrole")
            roles = frame[role_column] if role_column else [""] * len(frame)
            for opportunity, role in zip(ids, roles, strict=True):
                evidence.contact_roles.setdefault(opportunity, []).append(
                    str(role).strip()
                )
        elif kind == "competitors":
            evidence.has_competitors = True
            for opportunity in ids:
                evidence.competitors[opportunity] = (
                    evidence.competitors.get(opportunity, 0) + 1
                )
    return evidence
