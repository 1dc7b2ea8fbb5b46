"""Dates as CRM exports write them: ISO, day- or month-first, Excel serials.

Each rule reads one text (``parse_date``); the column functions apply the same
rules to a whole Arrow column, reading ISO dates with Arrow and every other
distinct text once in Python.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from l2c_core import arrays

DateOrder = Literal["DMY", "MDY", "YMD"]

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


# --- whole columns ---------------------------------------------------------------

STATUSES = ("ok", "missing", "invalid", "serial", "placeholder")
_STATUS = {name: code for code, name in enumerate(STATUSES)}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass(frozen=True)
class DateColumn:
    """A column of dates: the day (NaT where none) and each value's status code."""

    days: np.ndarray  # datetime64[D]
    status: np.ndarray  # int8 codes into STATUSES

    def status_names(self) -> np.ndarray:
        """The statuses as names."""
        return np.asarray(np.asarray(STATUSES, dtype=object)[self.status])


_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True


class DateTexts:
    """A column of date texts, with its plain ISO values found once.

    ``YYYY-MM-DD``, optionally followed by `` HH:MM`` or `` HH:MM:SS`` (or a
    ``T``), is read with numpy from the bytes; every other text goes to
    ``parse_date``, once per distinct value.
    """

    def __init__(self, column: Any) -> None:
        self.column = column

    @cached_property
    def iso(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which rows hold plain ISO dates, with every row's day and status.

        The days and statuses mean something only where a row is plain ISO.
        """
        column = self.column
        size = len(column)
        if not arrays.FAST or not size:
            return (
                np.zeros(size, dtype=bool),
                np.zeros(0, dtype="datetime64[D]"),
                np.zeros(0, dtype=np.int8),
            )
        if arrays.is_dictionary(column):
            dictionary, codes = arrays.encode(column)
            fast, days, status = _iso_plain(dictionary)
            return fast[codes], days[codes], status[codes]
        return _iso_plain(column)

    def rest(self) -> tuple[np.ndarray, Any]:
        """The rows left to ``parse_date``, and their values."""
        fast = self.iso[0]
        if not fast.any():
            return np.arange(len(self.column)), self.column
        rows = np.flatnonzero(~fast)
        return rows, arrays.chunked(self.column).filter(pa.array(~fast))


def _iso_plain(column: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain ISO dates in a plain string column, piece by piece."""
    size = len(column)
    fast = np.zeros(size, dtype=bool)
    days = np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")
    status = np.zeros(size, dtype=np.int8)
    for piece in arrays.pieces(column):
        rows, piece_days, piece_status = _iso_piece(piece)
        at = piece.start + rows
        fast[at], days[at], status[at] = True, piece_days, piece_status
    return fast, days, status


def _iso_piece(piece: arrays.Piece) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of a piece holding plain ISO dates, their days and statuses."""
    size = piece.size
    for length in (19, 10):
        matrix = piece.uniform(length)
        if matrix is not None:
            return _iso_uniform(np.flatnonzero(size), matrix)
    rows = np.flatnonzero(
        ((size == 10) | (size == 16) | (size == 19)) & _DIGIT[piece.first()]
    )
    if not len(rows):
        return rows, np.zeros(0, "datetime64[D]"), np.zeros(0, np.int8)
    matrix = piece.matrix(rows, 10)
    ok = (
        _DIGIT[matrix[:, [0, 1, 2, 3, 5, 6, 8, 9]]].all(axis=1)
        & (matrix[:, 4] == 45)
        & (matrix[:, 7] == 45)
    )
    for length, colons in ((16, (13,)), (19, (13, 16))):
        timed = np.flatnonzero(size[rows] == length)
        if not len(timed):
            continue
        clock = piece.matrix(rows[timed], length)
        numbers = [i for i in range(11, length) if i not in colons]
        ok[timed] &= (
            ((clock[:, 10] == 32) | (clock[:, 10] == 84))
            & _DIGIT[clock[:, numbers]].all(axis=1)
            & (clock[:, list(colons)] == 58).all(axis=1)
        )
    days, status = _iso_days(matrix[ok])
    return rows[ok], days, status


def _texts(column: Any) -> DateTexts:
    return column if isinstance(column, DateTexts) else DateTexts(column)


# Byte ranges of ``YYYY-MM-DD HH:MM:SS``: digits, "-", " " to "T" (checked
# exactly below), ":".
_DIGITS = (48, 57)
_SHAPE = [_DIGITS] * 4 + [(45, 45)] + [_DIGITS] * 2 + [(45, 45)] + [_DIGITS] * 2
_SHAPE += [(32, 84)] + [_DIGITS] * 2 + [(58, 58)] + [_DIGITS] * 2 + [(58, 58)]
_SHAPE += [_DIGITS] * 2
_LOW = np.array([lo for lo, _ in _SHAPE], dtype=np.uint8)
_SPAN = np.array([hi - lo for lo, hi in _SHAPE], dtype=np.uint8)
# Calendar tables for years 0-9999: leap years, days from 1970-01-01 to 1 January,
# days before each month and days in each month (rows: common, leap year).
_YEAR = np.arange(10_000)
_LEAP = ((_YEAR % 4 == 0) & (_YEAR % 100 != 0)) | (_YEAR % 400 == 0)
_YEAR_START = np.concatenate([[0], np.cumsum(365 + _LEAP[:-1])]) - (
    (1970 * 365) + _LEAP[:1970].sum()
)
_MONTH_DAYS = np.array(
    [[0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
     [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]]
)  # fmt: skip
_MONTH_START = np.concatenate(
    [np.zeros((2, 1), dtype=np.int64), np.cumsum(_MONTH_DAYS, axis=1)[:, :-1]], axis=1
)


def _iso_uniform(
    rows: np.ndarray, matrix: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain ISO dates among values all as long as a date or a timestamp.

    The values are one byte matrix (a view, no copy) of ``YYYY-MM-DD`` or
    ``YYYY-MM-DD HH:MM:SS`` lengths.
    """
    width = matrix.shape[1]
    # A byte below its range wraps round to a large difference: one comparison
    # tells both ends, and one pass over the whole piece tells whether any row
    # is off (rarely), before looking row by row.
    outside = (matrix - _LOW[:width]) > _SPAN[:width]
    ok = ~outside.any(axis=1) if outside.any() else np.ones(len(matrix), bool)
    if width == 19:
        ok &= (matrix[:, 10] == 32) | (matrix[:, 10] == 84)
    if ok.all():
        days, status = _iso_days(matrix)
        return rows, days, status
    days, status = _iso_days(matrix[ok])
    return rows[ok], days, status


def _iso_days(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days and status codes from the bytes ``YYYY-MM-DD`` (a uint8 matrix)."""
    digits = matrix[:, :10].astype(np.int32) - 48
    year = digits[:, :4] @ np.array([1000, 100, 10, 1], dtype=np.int32)
    month = digits[:, 5] * 10 + digits[:, 6]
    day = digits[:, 8] * 10 + digits[:, 9]
    leap = _LEAP[year].astype(np.int8)
    month_ok = (month >= 1) & (month <= 12)
    month = np.where(month_ok, month, 0)
    valid = month_ok & (day >= 1) & (day <= _MONTH_DAYS[leap, month]) & (year >= 1)
    ordinal = _YEAR_START[year] + _MONTH_START[leap, month] + day - 1
    days = np.where(valid, ordinal, np.iinfo(np.int64).min).view("datetime64[D]")
    status = np.where(
        valid,
        np.where(year >= PLACEHOLDER_YEAR, _STATUS["placeholder"], _STATUS["ok"]),
        _STATUS["invalid"],
    ).astype(np.int8)
    return days, status


def parse_date_column(
    column: Any, order: DateOrder, today: dt.date | None = None
) -> DateColumn:
    """``parse_date`` for every value of an Arrow text column (or ``DateTexts``)."""
    today = today or dt.date.today()
    texts = _texts(column)
    size = len(texts.column)
    fast, fast_days, fast_status = texts.iso
    if fast.all() and size:
        return DateColumn(fast_days, fast_status)  # every value plain ISO
    days = np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")
    status = np.full(size, _STATUS["missing"], dtype=np.int8)
    if fast.any():
        days[fast], status[fast] = fast_days[fast], fast_status[fast]
    rows, part = texts.rest()
    if len(rows):
        parsed, codes = arrays.convert(
            part, lambda v: parse_date(v, order, today=today)
        )
        if parsed:
            values = np.array(
                [p.value or np.datetime64("NaT") for p in parsed],
                dtype="datetime64[D]",
            )
            codes_of = np.array([_STATUS[p.status] for p in parsed], dtype=np.int8)
            days[rows] = values[codes]
            status[rows] = codes_of[codes]
    return DateColumn(days, status)


def order_votes(columns: Sequence[Any]) -> tuple[dict[DateOrder, int], bool]:
    """``date_order_votes`` summed over columns, and whether day/month dates occur.

    The flag tells whether any value is a numeric date not starting with a year.
    """
    totals: dict[DateOrder, int] = {"DMY": 0, "MDY": 0, "YMD": 0}
    day_month = False
    for column in columns:
        texts = _texts(column)
        totals["YMD"] += int(texts.iso[0].sum())  # plain ISO values are year-first
        _, part = texts.rest()
        values, codes = arrays.encoded(part)
        counts: list[int] = (
            np.bincount(codes, minlength=len(values)).tolist() if len(codes) else []
        )
        for value, count in zip(values, counts, strict=False):
            match = _NUMERIC.match(value.strip()) if count and value else None
            if not match:
                continue
            first, second = int(match[1]), int(match[2])
            if len(match[1]) == 4:
                totals["YMD"] += int(count)
                continue
            day_month = True
            if first > 12 >= second:
                totals["DMY"] += int(count)
            elif second > 12 >= first:
                totals["MDY"] += int(count)
    return totals, day_month


def infer_column_order(columns: Sequence[Any]) -> tuple[DateOrder, bool]:
    """``infer_date_order`` over Arrow columns (or ``DateTexts``)."""
    totals, day_month = order_votes(columns)
    return _decide(totals, day_month)


def _decide(totals: dict[DateOrder, int], day_month: bool) -> tuple[DateOrder, bool]:
    if totals["DMY"] != totals["MDY"]:
        return ("DMY" if totals["DMY"] > totals["MDY"] else "MDY"), True
    if totals["DMY"] or day_month:
        return "MDY", False
    if totals["YMD"]:
        return "YMD", True
    return "MDY", False
