"""Per-column value rules: amounts, dates, booleans and ids, each read from text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

DateOrder = Literal["DMY", "MDY", "YMD"]

# --- amounts -----------------------------------------------------------------

# Currency signs as written before or after an amount. "$" alone is read as USD
# and "¥" as JPY; a currency column, where the export has one, wins over the
# sign in the cell. An empty code means the sign names no single currency.
_CURRENCY_SIGNS = {
    "US$": "USD",
    "USD$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "MX$": "MXN",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₽": "RUB",
    "₩": "KRW",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "₴": "UAH",
    "₦": "NGN",
    "₱": "PHP",
    "฿": "THB",
    "zł": "PLN",
    "Kč": "CZK",
    "Ft": "HUF",
    "kr.": "",
    "kr": "",
    "Fr.": "CHF",
    "Rs.": "INR",
    "Rs": "INR",
}
_SIGNS = "|".join(
    re.escape(sign) for sign in sorted(_CURRENCY_SIGNS, key=len, reverse=True)
)
_LEADING = re.compile(rf"^(?:(?P<code>[A-Z]{{3}})(?![A-Za-z])|(?P<sign>{_SIGNS}))")
_TRAILING = re.compile(rf"(?<![A-Za-z])(?:(?P<code>[A-Z]{{3}})|(?P<sign>{_SIGNS}))$")
_DIGITS = re.compile(r"^(?:\d[\d.,'\u00a0\u202f ]*|[.,]\d+)$")
_MINUS = ("-", "\u2212")


@dataclass(frozen=True)
class Amount:
    """A parsed amount: value (None when blank or unreadable) and written currency."""

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


def _split_amount(text: str) -> tuple[str, bool, str | None] | None:
    """Split a cell into its digits, its sign and its currency; None if no amount.

    Currency codes and signs may stand before or after the number, on either
    side of a minus sign or of accounting parentheses: ``USD 1,234.56``,
    ``€(63.12)``, ``($182.77)``, ``-$350.00``, ``12.500,00 EUR``, ``1.234,56-``.
    """
    rest = text.strip()
    negative = False
    currency: str | None = None
    for _ in range(8):
        before = rest
        if rest[:1] in _MINUS or rest[-1:] in _MINUS:
            if negative:
                return None
            negative = True
            rest = (rest[1:] if rest[:1] in _MINUS else rest[:-1]).strip()
        elif rest[:1] == "+":
            rest = rest[1:].strip()
        elif rest[:1] == "(" and rest[-1:] == ")":
            if negative:
                return None
            negative = True
            rest = rest[1:-1].strip()
        else:
            for pattern in (_LEADING, _TRAILING):
                match = pattern.search(rest)
                if match:
                    found = match["code"] or _CURRENCY_SIGNS[match["sign"]] or None
                    if currency and found and found != currency:
                        return None
                    currency = currency or found
                    rest = (rest[: match.start()] + rest[match.end() :]).strip()
                    break
        if rest == before:
            break
    if not _DIGITS.match(rest):
        return None
    return re.sub(r"[\s\u00a0\u202f']", "", rest), negative, currency


def infer_decimal_mark(texts: Iterable[str]) -> str | None:
    """Infer a column's decimal mark from its unambiguous values (majority wins)."""
    votes = {".": 0, ",": 0}
    for text, count in Counter(texts).items():
        split = _split_amount(text) if text and text.strip() else None
        if split:
            mark = _decimal_mark(split[0])
            if mark:
                votes[mark] += count
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
    split = _split_amount(stripped)
    if split is None:
        return Amount(None, None, "invalid")
    number, negative, currency = split
    mark = _decimal_mark(number)
    if mark is None and ("." in number or "," in number):
        # One separator followed by exactly three digits: 1.234 or 48,000.
        sep = "." if "." in number else ","
        if decimal_mark is not None:
            mark = decimal_mark
        elif sep == ",":
            mark = "."  # 48,000: a comma before three digits groups thousands
        else:
            return Amount(None, currency, "ambiguous")
    if mark == ",":
        number = number.replace(".", "").replace(",", ".")
    else:
        number = number.replace(",", "")
    try:
        value = float(number)
    except ValueError:
        return Amount(None, None, "invalid")
    return Amount(-value if negative else value, currency, "ok")


# --- dates -------------------------------------------------------------------

_CLOCK = (
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_TIME = rf"(?:,?(?:[ T]|\s+){_CLOCK})?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_NUMERIC = re.compile(rf"^(\d{{1,4}})[/.\-](\d{{1,2}})[/.\-](\d{{2,4}})\.?{_TIME}$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "ene", "enero", "janv", "janvier", "januar", "jaen"),
            ("feb", "february", "febrero", "fev", "fevr", "fevrier", "februar"),
            ("mar", "march", "marzo", "mars", "marz", "maerz"),
            ("apr", "april", "abr", "abril", "avr", "avril"),
            ("may", "mayo", "mai"),
            ("jun", "june", "junio", "juin", "juni"),
            ("jul", "july", "julio", "juil", "juillet", "juli"),
            ("aug", "august", "ago", "agosto", "aout"),
            ("sep", "sept", "september", "septiembre", "septembre", "set"),
            ("oct", "october", "octubre", "octobre", "okt", "oktober", "out"),
            ("nov", "november", "noviembre", "novembre"),
            ("dec", "december", "dic", "diciembre", "decembre", "dez", "dezember"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_WORD = r"[^\W\d_]{3,9}"
_DAY_MONTH_NAME = re.compile(
    rf"^(\d{{1,2}})\.?[ \-]({_MONTH_WORD})\.?,?[ \-](\d{{2,4}}){_TIME}$"
)
_MONTH_NAME_DAY = re.compile(
    rf"^(?:{_MONTH_WORD},? )?({_MONTH_WORD})\.? (\d{{1,2}}),? (\d{{4}}){_TIME}$"
)
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


def _month(word: str) -> int | None:
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return _MONTHS.get(folded.lower())


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


def _has_day_month(texts: Iterable[str]) -> bool:
    """Whether any value is a numeric date that does not start with the year."""
    for text in texts:
        match = _NUMERIC.match(text.strip()) if text else None
        if match and len(match[1]) != 4:
            return True
    return False


def infer_date_order(columns: Sequence[Iterable[str]]) -> tuple[DateOrder, bool]:
    """Infer one date order for a whole file from its unambiguous values.

    Year-first values (ISO) are read as such in any order; the order decides
    the numeric dates that start with a day or a month.

    Returns:
        The order and whether any value decided it (False means a guess:
        month-first, when no value tells or day-first and month-first values
        are equally many).
    """
    columns = [list(column) for column in columns]
    totals: dict[DateOrder, int] = {"DMY": 0, "MDY": 0, "YMD": 0}
    for column in columns:
        for order, count in date_order_votes(column).items():
            totals[order] += count
    if totals["DMY"] != totals["MDY"]:
        return ("DMY" if totals["DMY"] > totals["MDY"] else "MDY"), True
    if totals["DMY"] or any(_has_day_month(column) for column in columns):
        return "MDY", False
    if totals["YMD"]:
        return "YMD", True
    return "MDY", False


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _match_date(
    stripped: str, order: DateOrder, today: dt.date
) -> tuple[dt.date | None, re.Match[str] | None, bool]:
    """The date a text names, the match that read it, and whether it was a serial."""
    if match := _ISO.match(stripped):
        return _make(int(match[1]), int(match[2]), int(match[3])), match, False
    if match := _NUMERIC.match(stripped):
        a, b, c = match[1], match[2], match[3]
        if len(a) == 4:
            return _make(int(a), int(b), int(c)), match, False
        if order == "DMY":
            return _make(_year(c, today), int(b), int(a)), match, False
        if order == "MDY":
            return _make(_year(c, today), int(a), int(b)), match, False
        return None, match, False
    if match := _DAY_MONTH_NAME.match(stripped):
        month = _month(match[2])
        value = _make(_year(match[3], today), month, int(match[1])) if month else None
        return value, match, False
    if match := _MONTH_NAME_DAY.match(stripped):
        month = _month(match[1])
        value = _make(int(match[3]), month, int(match[2])) if month else None
        return value, match, False
    if _SERIAL.match(stripped):
        serial = float(stripped)
        if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial)), None, True
    return None, None, False


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
    value, _, serial = _match_date(stripped, order, today or dt.date.today())
    if value is None:
        return ParsedDate(None, "invalid")
    if value.year >= PLACEHOLDER_YEAR:
        return ParsedDate(value, "placeholder")
    return ParsedDate(value, "serial" if serial else "ok")


def parse_timestamp(
    text: str, order: DateOrder = "MDY", *, today: dt.date | None = None
) -> dt.datetime | None:
    """Read a date with its time of day as written (no time-zone conversion).

    Used to order versions of one record; None when the text is no date.
    """
    stripped = text.strip()
    if not stripped:
        return None
    value, match, serial = _match_date(stripped, order, today or dt.date.today())
    if value is None:
        return None
    moment = dt.datetime.combine(value, dt.time())
    if serial:
        return moment + dt.timedelta(days=float(stripped) % 1)
    if match is None or match["hour"] is None:
        return moment
    hour = int(match["hour"]) % 24
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    return moment + dt.timedelta(
        hours=hour, minutes=int(match["minute"]), seconds=int(match["second"] or 0)
    )


_TRUE = {"1", "true", "t", "yes", "y", "si", "sí", "oui", "ja", "wahr", "verdadero"}
_FALSE = {"0", "false", "f", "no", "n", "non", "nein", "falsch", "falso"}


def parse_bool(text: str) -> bool | None:
    """Read a flag such as ``1``, ``true`` or ``No``; None when blank or unknown."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


# --- ids ---------------------------------------------------------------------

_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# Excel's rendering of a long number, with either decimal mark: 1.23457E+11.
_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


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
