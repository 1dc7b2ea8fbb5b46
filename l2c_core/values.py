"""Per-column value rules: amounts, dates, booleans and ids, each read from text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

DateOrder = Literal["DMY", "MDY", "YMD"]

_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_AMOUNT = re.compile(
    r"""^\s*
    (?P<neg1>-)?\s*
    (?P<open>\()?\s*
    (?P<code1>[A-Z]{3})?\s*
    (?P<sym1>[$€£¥₹])?\s*
    (?P<neg2>-)?\s*
    (?P<num>\d[\d.,'\u00a0\u202f ]*)
    \s*(?P<sym2>[$€£¥₹])?
    \s*(?P<code2>[A-Z]{3})?
    \s*(?P<close>\))?\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Amount:
    """A parsed amount: value (None when blank or unreadable) and currency if written."""

    value: float | None
    currency: str | None
    status: Literal["ok", "missing", "invalid", "ambiguous"]


def _decimal_mark(number: str) -> str | None:
    """Return the separator an unambiguous number uses as decimal mark, else None."""
    dots, commas = number.count("."), number.count(",")
    if dots and commas:
        return "." if number.rfind(".") > number.rfind(",") else ","
    for mark, count in ((".", dots), (",", commas)):
        if count == 1 and len(number) - number.rfind(mark) - 1 != 3:
            return mark
        if count > 1:
            return "," if mark == "." else "."
    return None


def infer_decimal_mark(texts: Iterable[str]) -> str | None:
    """Infer a column's decimal mark from its unambiguous values (majority wins)."""
    votes = {".": 0, ",": 0}
    for text in texts:
        match = _AMOUNT.match(text) if text else None
        if match:
            mark = _decimal_mark(match["num"].replace(" ", ""))
            if mark:
                votes[mark] += 1
    if votes["."] == votes[","]:
        return None
    return "." if votes["."] > votes[","] else ","


def parse_amount(text: str, decimal_mark: str | None = None) -> Amount:
    """Read an amount such as ``USD 1,234.56``, ``(1,200.00)`` or ``EUR 12.500,00``.

    Args:
        text: the cell as written.
        decimal_mark: the column's decimal mark when known (see
            ``infer_decimal_mark``); decides values like ``1.234`` that carry
            a single separator followed by three digits.

    Returns:
        The value (negative for a minus sign or accounting parentheses), the
        currency code or symbol's code when written, and a status. A value
        whose decimal mark cannot be told is ``ambiguous`` and has no value.
    """
    stripped = text.strip()
    if not stripped:
        return Amount(None, None, "missing")
    match = _AMOUNT.match(stripped)
    if not match or bool(match["open"]) != bool(match["close"]):
        return Amount(None, None, "invalid")
    number = re.sub(r"[\s\u00a0\u202f']", "", match["num"])
    mark = _decimal_mark(number)
    if mark is None and ("." in number or "," in number):
        # One separator followed by exactly three digits: 1.234 or 48,000.
        sep = "." if "." in number else ","
        if decimal_mark is not None:
            mark = decimal_mark
        elif sep == ",":
            mark = "."  # 48,000: a comma before three digits groups thousands
        else:
            return Amount(None, None, "ambiguous")
    if mark == ",":
        number = number.replace(".", "").replace(",", ".")
    else:
        number = number.replace(",", "")
    try:
        value = float(number)
    except ValueError:
        return Amount(None, None, "invalid")
    if match["neg1"] or match["neg2"] or match["open"]:
        value = -value
    code = match["code1"] or match["code2"]
    symbol = match["sym1"] or match["sym2"]
    currency = code or (_CURRENCY_SYMBOLS[symbol] if symbol else None)
    return Amount(value, currency, "ok")


# --- dates -------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_NUMERIC = re.compile(rf"^(\d{{1,4}})[/.\-](\d{{1,2}})[/.\-](\d{{2,4}})\.?{_TIME}$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "ene", "enero", "janv", "janvier", "januar"),
            ("feb", "february", "febrero", "fev", "fevr", "fevrier", "februar"),
            ("mar", "march", "marzo", "mars", "marz", "maerz"),
            ("apr", "april", "abr", "abril", "avr", "avril"),
            ("may", "mayo", "mai"),
            ("jun", "june", "junio", "juin", "juni"),
            ("jul", "july", "julio", "juil", "juillet", "juli"),
            ("aug", "august", "ago", "agosto", "aout"),
            ("sep", "sept", "september", "septiembre", "septembre"),
            ("oct", "october", "octubre", "octobre", "okt", "oktober"),
            ("nov", "november", "noviembre", "novembre"),
            ("dec", "december", "dic", "diciembre", "decembre", "dez", "dezember"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_NAME = re.compile(
    rf"^(\d{{1,2}})[ \-]([A-Za-z]{{3,9}})\.?,?[ \-](\d{{2,4}}){_TIME}$"
)
_MONTH_NAME_DAY = re.compile(rf"^([A-Za-z]{{3,9}})\.? (\d{{1,2}}),? (\d{{4}}){_TIME}$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel serials between these are dates in 1954-2119; outside, not a date.
_SERIAL_RANGE = (20000, 80000)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
PLACEHOLDER_YEAR = 3999


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date and how it was read."""

    value: dt.date | None
    status: Literal["ok", "missing", "invalid", "serial", "placeholder"]


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) > 2:
        return year
    # Two-digit year: the century that lands within 80 years back, 20 ahead.
    candidate = 2000 + year
    return candidate if candidate <= today.year + 20 else candidate - 100


def date_order_votes(texts: Iterable[str]) -> dict[DateOrder, int]:
    """Count the values that can only be read day-first or only month-first."""
    votes: dict[DateOrder, int] = {"DMY": 0, "MDY": 0, "YMD": 0}
    for text in texts:
        match = _NUMERIC.match(text.strip()) if text else None
        if not match:
            continue
        first, second = int(match[1]), int(match[2])
        if len(match[1]) == 4:
            votes["YMD"] += 1
        elif first > 12 >= second:
            votes["DMY"] += 1
        elif second > 12 >= first:
            votes["MDY"] += 1
    return votes


def infer_date_order(columns: Sequence[Iterable[str]]) -> tuple[DateOrder, bool]:
    """Infer one date order for a whole file from its unambiguous values.

    Returns:
        The order and whether any value decided it (False means a guess).
    """
    totals: dict[DateOrder, int] = {"DMY": 0, "MDY": 0, "YMD": 0}
    for column in columns:
        for order, count in date_order_votes(column).items():
            totals[order] += count
    if totals["DMY"] == totals["MDY"] == 0:
        return ("YMD" if totals["YMD"] else "MDY"), bool(totals["YMD"])
    return ("DMY" if totals["DMY"] > totals["MDY"] else "MDY"), True


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(
    text: str, order: DateOrder = "MDY", *, today: dt.date | None = None
) -> ParsedDate:
    """Read a date as written (no time-zone conversion; any time of day is dropped).

    Args:
        text: the cell.
        order: the file's order for numeric dates such as ``03/04/2026``.
        today: the reference for two-digit years (defaults to the system date).

    Returns:
        The date and its status; a value impossible in ``order`` is ``invalid``
        rather than read in another order.
    """
    stripped = text.strip()
    if not stripped:
        return ParsedDate(None, "missing")
    today = today or dt.date.today()
    value: dt.date | None = None
    status: Literal["ok", "serial"] = "ok"
    if match := _ISO.match(stripped):
        value = _make(int(match[1]), int(match[2]), int(match[3]))
    elif match := _NUMERIC.match(stripped):
        a, b, c = match[1], match[2], match[3]
        if len(a) == 4:
            value = _make(int(a), int(b), int(c))
        elif order == "DMY":
            value = _make(_year(c, today), int(b), int(a))
        elif order == "MDY":
            value = _make(_year(c, today), int(a), int(b))
        else:
            value = None
    elif match := _DAY_MONTH_NAME.match(stripped):
        month = _MONTHS.get(match[2].lower())
        if month:
            value = _make(_year(match[3], today), month, int(match[1]))
    elif match := _MONTH_NAME_DAY.match(stripped):
        month = _MONTHS.get(match[1].lower())
        if month:
            value = _make(int(match[3]), month, int(match[2]))
    elif _SERIAL.match(stripped):
        serial = float(stripped)
        if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            value = _EXCEL_EPOCH + dt.timedelta(days=int(serial))
            status = "serial"
    if value is None:
        return ParsedDate(None, "invalid")
    if value.year >= PLACEHOLDER_YEAR:
        return ParsedDate(value, "placeholder")
    return ParsedDate(value, status)


_TRUE = {"1", "true", "t", "yes", "y", "si", "sí", "oui", "ja", "wahr", "verdadero"}
_FALSE = {"0", "false", "f", "no", "n", "non", "nein", "falsch", "falso"}


def parse_bool(text: str) -> bool | None:
    """Read a boolean flag such as ``1``, ``true`` or ``No``; None when blank/unknown."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


# --- ids ---------------------------------------------------------------------

_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.IGNORECASE)


def salesforce_checksum(id15: str) -> str:
    """Return the three-character case-safe suffix of a 15-character Salesforce id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SF_SUFFIX[bits]
    return suffix


def canonical_id(text: str) -> str:
    """Return a record id in a form where equal ids compare equal.

    Salesforce ids are compared on their 15-character, case-sensitive part, so
    the 15- and 18-character forms of one record are one id. Anything else is
    compared as written (trimmed), so leading zeros survive.
    """
    stripped = text.strip()
    if _SF_ID.match(stripped) and (
        len(stripped) == 15 or salesforce_checksum(stripped[:15]) == stripped[15:]
    ):
        return stripped[:15]
    return stripped


def is_scientific_id(text: str) -> bool:
    """Tell whether an id was mangled into scientific notation (``1.23457E+11``)."""
    return bool(_SCIENTIFIC.match(text.strip()))
