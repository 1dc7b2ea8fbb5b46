"""Per-column value rules: amounts, booleans and ids, each read from text.

Each rule reads one text; the column functions apply it to a whole Arrow column,
once per distinct value, with a vectorised path for the forms that repeat
least (plain numbers, Salesforce ids). Dates live in ``l2c_core.dates`` and are
re-exported here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from l2c_core import arrays
from l2c_core.dates import (
    PLACEHOLDER_YEAR as PLACEHOLDER_YEAR,
)
from l2c_core.dates import (
    DateOrder as DateOrder,
)
from l2c_core.dates import (
    ParsedDate as ParsedDate,
)
from l2c_core.dates import (
    date_order_votes as date_order_votes,
)
from l2c_core.dates import (
    infer_date_order as infer_date_order,
)
from l2c_core.dates import (
    parse_date as parse_date,
)
from l2c_core.dates import (
    parse_timestamp as parse_timestamp,
)

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


# --- whole columns ---------------------------------------------------------------

AMOUNT_STATUSES = ("ok", "missing", "invalid", "ambiguous")
_AMOUNT_STATUS = {name: code for code, name in enumerate(AMOUNT_STATUSES)}
# Plain numbers whose decimal mark is never in doubt: digits, or one dot not
# followed by exactly three digits.
_PLAIN_NUMBER = r"^-?\d{1,15}(?:\.(?:\d{1,2}|\d{4,15}))?$"
_DOTTED = r"\."
_SUFFIX_CODES = np.frombuffer(_SF_SUFFIX.encode(), dtype=np.uint8)


@dataclass(frozen=True)
class AmountColumn:
    """A column of amounts: value (NaN where none), written currency, status."""

    values: np.ndarray  # float64
    currencies: list[str]  # per distinct code below
    currency_codes: np.ndarray
    status: np.ndarray  # int8 codes into AMOUNT_STATUSES
    decimal_mark: str | None


def parse_amount_column(column: Any) -> AmountColumn:
    """``parse_amount`` for every value, with the column's inferred decimal mark."""
    size = len(column)
    values = np.full(size, np.nan)
    status = np.full(size, _AMOUNT_STATUS["missing"], dtype=np.int8)
    currency_codes = np.zeros(size, dtype=np.int32)
    currencies = [""]
    votes = {".": 0, ",": 0}
    rest = np.arange(size)
    if not arrays.is_dictionary(column) and arrays.vectorised(column):
        fast = arrays.matches(column, _PLAIN_NUMBER)
        rows = np.flatnonzero(fast)
        if len(rows):
            numbers = arrays.take(column, rows)
            values[rows] = arrays.numbers(pc.cast(numbers, pa.float64()))
            status[rows] = _AMOUNT_STATUS["ok"]
            votes["."] += int(arrays.matches(numbers, _DOTTED).sum())
            rest = np.flatnonzero(~fast)
    part = column if len(rest) == size else arrays.take(column, rest)
    texts, codes = arrays.encoded(part)
    counts: list[int] = (
        np.bincount(codes, minlength=len(texts)).tolist() if len(codes) else []
    )
    for text, count in zip(texts, counts, strict=False):
        split = _split_amount(text) if text and text.strip() else None
        mark = _decimal_mark(split[0]) if split else None
        if mark:
            votes[mark] += int(count)
    decimal_mark = (
        None if votes["."] == votes[","] else "." if votes["."] > votes[","] else ","
    )
    if texts:
        parsed = [parse_amount(t, decimal_mark) for t in texts]
        known = {"": 0}
        for amount in parsed:
            if amount.currency and amount.currency not in known:
                known[amount.currency] = len(known)
        currencies = list(known)
        values[rest] = np.array(
            [np.nan if a.value is None else a.value for a in parsed]
        )[codes]
        status[rest] = np.array([_AMOUNT_STATUS[a.status] for a in parsed], np.int8)[
            codes
        ]
        currency_codes[rest] = np.array(
            [known[a.currency or ""] for a in parsed], np.int32
        )[codes]
    return AmountColumn(values, currencies, currency_codes, status, decimal_mark)


def bool_column(column: Any) -> np.ndarray:
    """``parse_bool`` per value: 1 true, 0 false, -1 blank or unknown (int8)."""
    results, codes = arrays.convert(
        column, lambda v: {True: 1, False: 0, None: -1}[parse_bool(v)]
    )
    if not len(codes):
        return np.zeros(0, dtype=np.int8)
    return np.asarray(np.asarray(results, dtype=np.int8)[codes])


_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[[*range(48, 58), *range(65, 91), *range(97, 123)]] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_EXPONENT = np.zeros(256, dtype=bool)
_EXPONENT[[ord(c) for c in ".,Ee"]] = True


def canonical_id_column(column: Any) -> Any:
    """``canonical_id`` for every value (an Arrow string column)."""
    if arrays.is_dictionary(column) or not arrays.vectorised(column):
        texts, codes = arrays.encoded(column)
        return arrays.dictionary(codes, [canonical_id(t) for t in texts])
    stripped = arrays.trim(column)
    short = np.zeros(len(stripped), dtype=bool)
    weights = 1 << np.arange(5)
    for piece in arrays.pieces(stripped):
        rows = np.flatnonzero(piece.size == 18)
        if not len(rows):
            continue
        uniform = piece.uniform(18)
        matrix = uniform if uniform is not None else piece.matrix(rows, 18)
        ok = _ALNUM[matrix[:, :15]].all(axis=1)
        upper = (matrix[:, :15] >= ord("A")) & (matrix[:, :15] <= ord("Z"))
        for chunk in range(3):
            bits = upper[:, chunk * 5 : chunk * 5 + 5] @ weights
            ok &= _SUFFIX_CODES[bits] == matrix[:, 15 + chunk]
        short[piece.start + rows[ok]] = True
    if not short.any():
        return stripped
    prefix = pc.utf8_slice_codeunits(stripped, 0, 15)
    if short.all():
        return prefix
    return pc.if_else(pa.array(short), prefix, stripped)


def scientific_id_mask(column: Any) -> np.ndarray:
    """``is_scientific_id`` for every value."""
    if arrays.is_dictionary(column) or not arrays.vectorised(column):
        return arrays.by_value(column, is_scientific_id)
    found = np.zeros(len(column), dtype=bool)
    for piece in arrays.pieces(column):
        first = piece.first()
        second = np.zeros(len(first), dtype=np.uint8)
        long = np.flatnonzero(piece.size >= 2)
        second[long] = piece.data[piece.offsets[:-1][long] + 1]
        doubt = np.flatnonzero(
            (_DIGIT[first] & _EXPONENT[second]) | arrays.MAYBE_SPACE[first]
        )
        if len(doubt):
            values = piece.array.take(pa.array(doubt))
            found[piece.start + doubt] = arrays.by_value(values, is_scientific_id)
    return found
