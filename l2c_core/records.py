"""Turn read tables into typed opportunity records and the related-file evidence.

``read_tables`` does the expensive part once (decode, parse, classify files);
``build_records`` maps columns, reads values and classifies stages, and reruns
cheaply on a correction of the mapping, the date order or the stage map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from l2c_core import arrays, fields, frames
from l2c_core.audit import AuditWarning, FileInfo
from l2c_core.dates import DateOrder, DateTexts, infer_column_order
from l2c_core.errors import InputFileError, MappingError
from l2c_core.fields import (
    DATE_FIELDS,
    OUTCOMES,
    TEXT_FIELDS,
    TYPES,
)
from l2c_core.fields import (
    classify_type as classify_type,
)
from l2c_core.mapping import map_columns, normalise
from l2c_core.order import conversion_columns, number_open_stages
from l2c_core.quality import (
    date_order_warning,
    formula_like,
    placeholders,
    postal_codes_missing_zero,
    quality_warnings,
)
from l2c_core.reader import Table, read_table
from l2c_core.related import (
    OPPORTUNITY_REF,
    Evidence,
    choose_opportunities,
    evidence,
    kind_of,
    stage_catalogue,
)
from l2c_core.stages import OrderSource, StageRow, lookup, stage_label
from l2c_core.values import canonical_id_column, scientific_id_mask

__all__ = [
    "DATE_FIELDS",
    "OUTCOMES",
    "TEXT_FIELDS",
    "TYPES",
    "Records",
    "Upload",
    "build_records",
    "classify_type",
    "read_files",
    "read_tables",
]


@dataclass(frozen=True)
class Upload:
    """An upload read once: its tables, their kinds, how each file was read."""

    tables: tuple[Table, ...]
    kinds: tuple[str, ...]
    files: tuple[FileInfo, ...]
    warnings: tuple[AuditWarning, ...]
    opportunities: int

    @property
    def table(self) -> Table:
        """The opportunity table."""
        return self.tables[self.opportunities]


@dataclass
class Records:
    """The opportunity records, typed, with how they were read.

    ``frame`` has one row per opportunity (after de-duplication) and typed
    columns: texts trimmed, dates as Arrow ``date32`` (NA where none) with a
    ``<field>_status`` beside each, ``amount`` as float (NaN where none),
    ``outcome`` one of ``OUTCOMES``, ``contact_count`` as nullable Int64, and
    what the related files say per record.
    """

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
    columns: list[str] = field(default_factory=list)
    stages: list[StageRow] = field(default_factory=list)
    stage_order: dict[str, OrderSource] = field(default_factory=dict)
    stage_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    name: str = ""


def _is_header(row: Sequence[str]) -> bool:
    names = {normalise(c) for c in row if c}
    known = map_columns(list(row))
    return ("stage" in known and len(names) >= 2) or bool(
        names & OPPORTUNITY_REF and len(names) >= 3
    )


def read_tables(
    files: Sequence[tuple[str, bytes]],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Upload:
    """Decode, parse and classify the files of an upload (the expensive part).

    Args:
        files: (file name, bytes) for the opportunity export and any related
            files (stage history, contact roles, competitors, pipeline stages).
        encoding: a codec overriding detection, for every file.
        delimiter: a delimiter overriding sniffing, for every file.

    Returns:
        The tables, their kinds and the reader's warnings.

    Raises:
        InputFileError: a file cannot be read, or no file holds opportunities.
    """
    if not files:
        raise InputFileError("No file was given to read.")
    tables = tuple(
        read_table(
            data, name, is_header=_is_header, encoding=encoding, delimiter=delimiter
        )
        for name, data in files
    )
    kinds = [kind_of(t) for t in tables]
    ignored: list[AuditWarning] = []
    chosen = choose_opportunities(tables, kinds, ignored)
    warnings = [
        w
        for t, k in zip(tables, kinds, strict=True)
        if k != "other"
        for w in t.warnings
    ]
    warnings.extend(ignored)
    infos = tuple(
        FileInfo(
            name=t.name, kind=k, encoding=t.encoding, delimiter=t.delimiter, rows=t.rows
        )
        for t, k in zip(tables, kinds, strict=True)
    )
    return Upload(tables, tuple(kinds), infos, tuple(warnings), chosen)


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

    ``build_records(read_tables(files, ...), ...)``.

    Raises:
        InputFileError: a file cannot be read, or no file holds opportunities.
        MappingError: the opportunity file has no stage column.
    """
    with arrays.system_allocator():
        upload = read_tables(files, encoding=encoding, delimiter=delimiter)
        source = _Source(upload, consume=True)
        del upload  # the build drops each column once it is typed
        return _build(
            source,
            date_order=date_order,
            column_map=column_map,
            stage_map=stage_map,
            today=today,
        )


class _Source:
    """The opportunity table's columns for one build, released once consumed.

    When ``consume`` is set (a one-shot read, nobody else holds the upload),
    each column is dropped as soon as the build no longer needs it, so a large
    export's text does not sit beside its typed records.
    """

    def __init__(self, upload: Upload, consume: bool) -> None:
        table = upload.table
        self.name, self.rows, self.names = table.name, table.rows, table.columns
        self.others = [
            (t, k)
            for i, (t, k) in enumerate(zip(upload.tables, upload.kinds, strict=True))
            if i != upload.opportunities
        ]
        self.files, self.warnings = list(upload.files), list(upload.warnings)
        self.consume = consume
        self._columns = {c: table.column(c) for c in table.columns}

    def column(self, name: str) -> Any:
        """One column of the opportunity table."""
        return self._columns[name]

    def release(self, *names: str) -> None:
        """Drop columns the build is done with (when consuming)."""
        if self.consume:
            for name in names:
                self._columns.pop(name, None)


def build_records(
    upload: Upload,
    *,
    date_order: DateOrder | None = None,
    column_map: Mapping[str, str | None] | None = None,
    stage_map: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Records:
    """Type the opportunity records of a read upload.

    Args:
        upload: what ``read_tables`` read (left unchanged, to build again).
        date_order: ``DMY``, ``MDY`` or ``YMD`` overriding inference.
        column_map: field → column (or None to leave the field unmapped).
        stage_map: stage label, or ``<pipeline>|<stage>`` for one pipeline →
            ``open``, ``won`` or ``lost``.
        today: the system date (for tests), the reference for two-digit years.

    Raises:
        InputFileError: the opportunity file has no data rows.
        MappingError: the opportunity file has no stage column.
    """
    return _build(
        _Source(upload, consume=False),
        date_order=date_order,
        column_map=column_map,
        stage_map=stage_map,
        today=today,
    )


def _build(
    source: _Source,
    *,
    date_order: DateOrder | None,
    column_map: Mapping[str, str | None] | None,
    stage_map: Mapping[str, str] | None,
    today: dt.date | None,
) -> Records:
    today = today or dt.date.today()
    warnings = source.warnings
    n = source.rows
    if not n:
        raise InputFileError(
            f"{source.name} has a header but no data rows.", file_name=source.name
        )
    mapping = map_columns(source.names, column_map)
    if "stage" not in mapping:
        raise MappingError(
            f"{source.name} has no stage column (looked for StageName, Stage, Deal "
            "Stage, deal_stage, ...); choose the column that holds the stage.",
            file_name=source.name,
            field="stage",
        )
    used = {c for cols in mapping.values() for c in cols}
    entered_columns = fields.stage_entered_columns(
        [c for c in source.names if c not in used]
    )
    # Findings over every column first; then the columns no field uses can go.
    counts: dict[str, int] = {}
    amount_columns = set(mapping.get("amount", ()))
    counts["formula_like"] = sum(
        formula_like(source.column(c)) for c in source.names if c not in amount_columns
    )
    counts["postal_code_zero"] = postal_codes_missing_zero(
        {c: source.column(c) for c in source.names}
    )
    source.release(*(set(source.names) - used - set(entered_columns.values())))
    raw = {
        name: arrays.coalesce([source.column(c) for c in columns])
        for name, columns in mapping.items()
    }

    def done(*fields: str) -> None:
        for name in fields:
            if name in raw and source.consume:
                source.release(*mapping[name])
                del raw[name]

    dates = {f: DateTexts(raw[f]) for f in DATE_FIELDS if f in raw}
    entered = {c: DateTexts(source.column(c)) for c in entered_columns.values()}
    decided = True
    if date_order is None:
        present = [*dates.values(), *entered.values()]
        date_order, decided = infer_column_order(present)
        warnings.extend(
            date_order_warning([t.column for t in present], date_order, decided)
        )
        del present

    blank = arrays.repeat("", n)
    cols: dict[str, Any] = {"row": np.arange(1, n + 1, dtype=np.int32)}
    raw_ids = raw.get("id", blank)
    ids = canonical_id_column(raw_ids)
    scientific = scientific_id_mask(raw_ids) if "id" in raw else np.zeros(n, bool)
    counts["id_scientific"] = int(scientific.sum())
    keep, duplicate = (
        fields.duplicates(
            ids, raw_ids, scientific, raw.get("last_modified"), date_order, today
        )
        if "id" in mapping
        else (None, None)
    )
    cols["id"], cols["raw_id"] = arrays.to_series(ids), arrays.to_series(raw_ids)
    del ids
    for name in TEXT_FIELDS:
        cols[name] = arrays.to_series(arrays.trim(raw[name]) if name in raw else blank)
    counts["competitor_placeholder"] = (
        placeholders(arrays.trim(raw["competitor"])) if "competitor" in raw else 0
    )
    types, type_codes = arrays.convert(raw.get("type", blank), classify_type)
    cols["type_class"] = frames.categorical(
        np.array([TYPES.index(t) for t in types], np.int8)[type_codes], list(TYPES)
    )
    done(*(f for f in TEXT_FIELDS if f != "pipeline"))

    tables, kinds = _split(source.others)
    catalogue = stage_catalogue(tables, kinds)
    found = evidence(
        tables,
        kinds,
        lambda stage: (
            info.label if (info := lookup(catalogue, "", stage)) else stage_label(stage)
        ),
        date_order,
        today,
    )
    labels, outcomes, sources = fields.stages(raw, n, catalogue, dict(stage_map or {}))
    cols["stage"], cols["outcome"] = labels, outcomes
    done("stage", "pipeline", "is_closed", "is_won")
    examples: dict[str, list[str]] = {}
    fields.amounts(raw, n, cols, counts, examples)
    done("amount", "currency")
    cols["close_text"] = arrays.to_series(arrays.trim(raw.get("close_date", blank)))

    def date_done(name: str) -> None:
        dates.pop(name, None)
        done(name)
        if source.consume:
            # Date texts are the bulk of an export: hand their pages back.
            pa.default_memory_pool().release_unused()

    fields.dates(dates, n, date_order, today, cols, counts, examples, date_done)
    cols["stage_entered"] = fields.stage_entered(
        n, entered, entered_columns, cols, date_order, today
    )
    entered.clear()
    source.release(*entered_columns.values())
    cols["contact_count"] = fields.contact_counts(raw.get("contact_count"), n)
    for name, target in (
        ("stage_sort_order", "sort_order"),
        ("probability", "probability"),
    ):
        if name in raw:
            cols[target] = fields.numbers(raw[name], n)
    done("contact_count", "stage_sort_order", "probability")
    warnings.extend(quality_warnings(counts, source.name, examples))

    if n < 100_000:
        frame = pd.DataFrame(cols)
        cols.clear()
    else:
        # Column by column: a DataFrame built from a dict copies same-typed
        # columns into one block, which on a large export doubles them a while.
        frame = pd.DataFrame(index=pd.RangeIndex(n))
        for name in list(cols):
            frame[name] = cols.pop(name)
    frame["_source"] = sources
    if keep is not None:
        frame = frame[keep].reset_index(drop=True)
    if duplicate:
        warnings.append(duplicate.with_name(source.name))
    fields.attach_evidence(frame, found)
    numbers, order_sources = number_open_stages(frame, found, catalogue)
    conversion_columns(frame, found, numbers)
    stage_rows = fields.stage_rows(frame, numbers)
    frame = frame.drop(columns="_source")
    return Records(
        frame=frame,
        mapping=mapping,
        date_order=date_order,
        date_order_decided=decided,
        evidence=found,
        files=source.files,
        warnings=warnings,
        has_id="id" in mapping,
        source_columns={k: v[0] for k, v in mapping.items()},
        stage_entered_columns=entered_columns,
        columns=source.names,
        stages=stage_rows,
        stage_order=order_sources,
        stage_numbers=numbers,
        name=source.name,
    )


def _split(pairs: Sequence[tuple[Table, str]]) -> tuple[list[Table], list[str]]:
    return [t for t, _ in pairs], [k for _, k in pairs]
