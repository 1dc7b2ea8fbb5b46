"""Downloads: failing records as spreadsheet-safe CSV, the audit as JSON."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from l2c_core.audit import Audit

# A text cell starting with one of these runs as a formula when a spreadsheet
# opens the file (CSV injection); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Render one cell: numbers as written, text with formula starts neutralised.

    Numbers (int, float, not bool) are never prefixed, so ``-1200`` stays a
    negative number; text such as ``=1+1`` or ``-call back`` becomes ``'=1+1``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """Write rows as CSV that Excel opens safely: UTF-8 with BOM, formulas escaped.

    Args:
        rows: one mapping per row.
        columns: the columns to write, in order.

    Returns:
        The CSV bytes.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def audit_json(audit: Audit) -> bytes:
    """The audit as JSON (aggregates only, never customer rows), UTF-8."""
    data = audit.model_dump(mode="json", by_alias=True)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
