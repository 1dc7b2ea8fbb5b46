"""Turn read tables into typed opportunity records and the related-file evidence."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from l2c_core.audit import AuditWarning, FileInfo
from l2c_core.errors import InputFileError, MappingError
from l2c_core.mapping import map_columns, normalise
from l2c_core.reader import Table, read_table
from l2c_core.stages import outcome, stage_label
from l2c_core.values import (
    DateOrder,
    canonical_id,
    infer_date_order,
    infer_decimal_mark,
    is_scientific_id,
    parse_amount,
    parse_bool,
    parse_date,
)

DATE_FIELDS = ("close_date", "created_date", "last_modified", "last_stage_change")
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
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
    values = [str(v) for v in frame[columns[0]]]
    for column in columns[1:]:
        for i, other in enumerate(frame[column]):
            if not values[i].strip() and str(other).strip():
                values[i] = str(other)
    return values


def _column(
    frame: pd.DataFrame, mapping: Mapping[str, list[str]], name: str
) -> list[str]:
    if name not in mapping:
        return [""] * len(frame)
    return _coalesce(frame, mapping[name])


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
    warnings = [w for t in tables for w in t.warnings]
    opportunity_tables = [
        t for t, k in zip(tables, kinds, strict=True) if k == "opportunities"
    ]
    if opportunity_tables and opportunity_tables[0].frame.empty:
        raise InputFileError(
            f"{opportunity_tables[0].name} has a header but no data rows.",
            file_name=opportunity_tables[0].name,
        )
    if not opportunity_tables:
        names = ", ".join(t.name for t in tables)
        raise InputFileError(
            f"None of {names} holds opportunities; upload the opportunity export "
            "(related files such as stage history go beside it).",
            file_name=tables[0].name if tables else None,
        )
    table = opportunity_tables[0]
    frame = table.frame
    mapping = map_columns(list(frame.columns), column_map)
    if "stage" not in mapping:
        raise MappingError(
            f"{table.name} has no stage column (looked for StageName, Stage, Deal "
            "Stage, deal_stage, ...); choose the column that holds the stage.",
            file_name=table.name,
            field="stage",
        )

    raw = {name: _column(frame, mapping, name) for name in mapping}
    present_dates = [raw[f] for f in DATE_FIELDS if f in raw]
    decided = True
    if date_order is None:
        date_order, decided = infer_date_order(present_dates)
        if not decided and any(any(v.strip() for v in col) for col in present_dates):
            if any(
                re.search(r"\d{1,2}[/.]\d{1,2}[/.]", v)
                for col in present_dates
                for v in col[:1000]
            ):
                warnings.append(
                    AuditWarning(
                        code="date_order_guessed",
                        message="No date in the file tells day-first from month-first; "
                        "dates were read as month/day/year. Choose the date order if "
                        "that is wrong.",
                    )
                )

    n = len(frame)
    typed: dict[str, list[object]] = {"row": list(range(1, n + 1))}
    typed["id"] = [
        canonical_id(v) if v.strip() else "" for v in raw.get("id", [""] * n)
    ]
    typed["raw_id"] = raw.get("id", [""] * n)
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

    # Stages: label wins over internal ids; the user's stage map wins over both.
    stage_map = dict(stage_map or {})
    labels = [stage_label(v) for v in raw["stage"]]
    closed = (
        [parse_bool(v) for v in raw["is_closed"]] if "is_closed" in raw else [None] * n
    )
    won = [parse_bool(v) for v in raw["is_won"]] if "is_won" in raw else [None] * n
    outcomes = []
    for label, is_closed, is_won in zip(labels, closed, won, strict=True):
        mapped = stage_map.get(label)
        outcomes.append(
            mapped
            if mapped in ("open", "won", "lost")
            else outcome(label, is_closed, is_won)
        )
    typed["stage"] = labels
    typed["outcome"] = outcomes

    # Amounts: per-row currency; the column's decimal mark decides ambiguous cells.
    amounts = raw.get("amount", [""] * n)
    mark = infer_decimal_mark(amounts)
    parsed_amounts = [parse_amount(v, mark) for v in amounts]
    currencies = raw.get("currency", [""] * n)
    typed["amount"] = [a.value for a in parsed_amounts]
    typed["currency"] = [
        (c.strip().upper() or (a.currency or ""))
        for c, a in zip(currencies, parsed_amounts, strict=True)
    ]

    counts: Counter[str] = Counter()
    for name in DATE_FIELDS:
        values = raw.get(name, [""] * n)
        parsed = [parse_date(v, date_order, today=today) for v in values]
        typed[name] = [p.value for p in parsed]
        typed[f"{name}_status"] = [p.status for p in parsed]
        for p in parsed:
            counts[f"date_{p.status}"] += 1
        if name == "close_date":
            counts["close_invalid"] = sum(1 for p in parsed if p.status == "invalid")
    if "contact_count" in raw:
        typed["contact_count"] = [
            int(float(v)) if _NUMBER.match(v.strip()) else None
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
    counts["id_scientific"] = sum(
        1 for v in typed["raw_id"] if is_scientific_id(str(v))
    )
    counts["formula_like"] = sum(
        1
        for column in frame.columns
        if not mapping.get("amount") or column not in mapping["amount"]
        for v in frame[column]
        if _FORMULA.match(v) and not _NUMBER.match(v.strip())
    )
    warnings.extend(_quality_warnings(counts, table.name))

    records = pd.DataFrame(typed)
    has_id = "id" in mapping
    if has_id:
        # Ids Excel turned into scientific notation no longer identify a record.
        blank = (records["id"] == "") | records["raw_id"].map(is_scientific_id)
        duplicated = records["id"].duplicated(keep="first") & ~blank
        if duplicated.any():
            warnings.append(
                AuditWarning(
                    code="duplicate_id",
                    message=f"{table.name}: {int(duplicated.sum())} rows repeat an "
                    "earlier opportunity id and were counted once.",
                    count=int(duplicated.sum()),
                )
            )
            records = records[~duplicated].reset_index(drop=True)

    evidence = _evidence(tables, kinds, today)
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
    )


_QUALITY = {
    "amount_missing": "{n} opportunities have no amount.",
    "amount_invalid": "{n} amounts could not be read as numbers.",
    "amount_ambiguous": "{n} amounts have an ambiguous decimal mark (such as 1.234) "
    "and were left out.",
    "amount_negative": "{n} amounts are negative, which is unusual for an opportunity.",
    "id_scientific": "{n} ids are in scientific notation (corrupted by Excel); ids "
    "unreliable in {n} rows.",
    "formula_like": "{n} text cells start like a spreadsheet formula; they are shown "
    "literally and escaped in downloads.",
    "date_placeholder": "{n} dates are placeholders (year 3999 or later).",
    "date_serial": "{n} Excel serial dates were converted.",
    "date_invalid": "{n} dates could not be read in the file's date order.",
}


def _quality_warnings(counts: Mapping[str, int], name: str) -> list[AuditWarning]:
    return [
        AuditWarning(
            code=code,
            message=f"{name}: " + text.format(n=counts[code]),
            count=counts[code],
        )
        for code, text in _QUALITY.items()
        if counts.get(code)
    ]


def _evidence(
    tables: Sequence[Table], kinds: Sequence[str], today: dt.date
) -> Evidence:
    evidence = Evidence()
    for table, kind in zip(tables, kinds, strict=True):
        if kind == "opportunities":
            continue
        frame = table.frame
        by_name = {normalise(c): c for c in frame.columns}
        id_column = next(
            (by_name[k] for k in ("opportunityid", "dealid") if k in by_name), None
        )
        if id_column is None:
            continue
        ids = [canonical_id(v) for v in frame[id_column]]
        if kind == "stage_history":
            evidence.has_history = True
            evidence.history_rows += len(frame)
            stage_column = next(
                (by_name[k] for k in _HISTORY_STAGE if k in by_name), None
            )
            if stage_column is None:
                continue
            for opportunity, stage in zip(ids, frame[stage_column], strict=True):
                evidence.history.add((opportunity, stage_label(stage)))
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
