"""The reader's data-quality findings, reported beside the six rules.

Amounts missing or negative, ids mangled by Excel, formula-like text, postal
codes that lost a zero, placeholder and unreadable dates, and how the date
order was decided. They do not change the clean rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from l2c_core import arrays
from l2c_core.audit import AuditWarning
from l2c_core.dates import DateOrder

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in _FORMULA_STARTS]] = True
NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
# A competitor that is no name at all: Excel's 0 for an empty cell, a dash.
PLACEHOLDER = re.compile(r"^(?:\d+|[-–—.?*/x]+)$", re.IGNORECASE)
_POSTAL = re.compile(r"(postal|postcode|zip|plz)", re.IGNORECASE)
_DAY_MONTH = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
_ORDER_NAMES = {
    "DMY": "day/month/year",
    "MDY": "month/day/year",
    "YMD": "year-month-day",
}
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


def _weighted(column: Any, test: Any) -> int:
    """How many rows hold a value passing ``test`` (tested once per value)."""
    values, codes = arrays.encoded(column)
    if not len(codes):
        return 0
    passing = np.array([bool(test(v)) for v in values], dtype=bool)
    return int(passing[codes].sum()) if passing.any() else 0


def _formula(value: str) -> bool:
    return value[:1] in _FORMULA_STARTS and not NUMBER.match(value.strip())


def formula_like(column: Any) -> int:
    """Cells that start like a spreadsheet formula and are not a signed number."""
    if arrays.is_dictionary(column) or not arrays.vectorised(column):
        return _weighted(column, _formula)
    found = 0
    for piece in arrays.pieces(column):
        doubt = np.flatnonzero(_FORMULA_BYTES[piece.first()])
        if len(doubt):
            found += _weighted(piece.array.take(pa.array(doubt)), _formula)
    return found


def placeholders(column: Any) -> int:
    """Values (already trimmed) that are a placeholder rather than a name."""
    return _weighted(column, lambda v: bool(PLACEHOLDER.match(v)))


def postal_codes_missing_zero(columns: Mapping[str, Any]) -> int:
    """Four-digit codes in a postal-code column whose other codes have five digits.

    US ZIP codes that start with 0 lose it when Excel reads them as numbers
    (07307 → 7307); a column of only four-digit codes (Austria, Switzerland,
    Denmark, ...) is left alone.
    """
    missing = 0
    for name, column in columns.items():
        if not _POSTAL.search(name):
            continue
        values, codes = arrays.encoded(column)
        if not len(codes):
            continue
        counts = np.bincount(codes, minlength=len(values))
        lengths = [
            len(v.strip()) if v.strip() and v.strip().isdigit() else 0 for v in values
        ]
        if any(n == 5 for n, c in zip(lengths, counts, strict=True) if c):
            missing += sum(
                int(c) for n, c in zip(lengths, counts, strict=True) if n == 4
            )
    return missing


def date_order_warning(
    columns: Sequence[Any], order: DateOrder, decided: bool
) -> list[AuditWarning]:
    """Say how numeric day/month dates were read, and when that is a guess."""
    day_month = [
        v.strip()
        for column in columns
        for v in arrays.texts(arrays.chunked(column).slice(0, 5000))
        if _DAY_MONTH.match(v.strip())
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


# The same findings for a count of one, where English needs the singular.
_QUALITY_ONE = {
    "amount_missing": "1 opportunity has no amount.",
    "amount_invalid": "1 amount could not be read as a number: {examples}.",
    "amount_ambiguous": "1 amount has an ambiguous decimal mark (such as 1.234) "
    "and was left out.",
    "amount_negative": "1 amount is negative, which is unusual for an opportunity.",
    "id_scientific": "1 id is in scientific notation (corrupted by Excel); ids "
    "unreliable in 1 row.",
    "formula_like": "1 text cell starts like a spreadsheet formula; it is shown "
    "literally and escaped in downloads.",
    "competitor_placeholder": "1 competitor value is a placeholder (such as 0) "
    "rather than a name.",
    "postal_code_zero": "1 postal code has four digits where the others have five; "
    "it probably lost a leading zero in Excel.",
    "date_placeholder": "1 date is a placeholder (year 3999 or later).",
    "date_serial": "1 Excel serial date was converted.",
    "date_invalid": "1 date could not be read in the file's date order: {examples}.",
}


def quality_warnings(
    counts: Mapping[str, int], name: str, examples: Mapping[str, Sequence[str]]
) -> list[AuditWarning]:
    """The data-quality warnings for the counts found, in a fixed order."""
    return [
        AuditWarning(
            code=code,
            message=f"{name}: "
            + (_QUALITY_ONE[code] if counts[code] == 1 else text).format(
                n=counts[code], examples=", ".join(examples.get(code, ()))
            ),
            count=counts[code],
        )
        for code, text in _QUALITY.items()
        if counts.get(code)
    ]
