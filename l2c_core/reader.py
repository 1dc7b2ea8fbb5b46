"""Read a CRM export's bytes into a table of text: encoding, delimiter, structure.

Two engines give the same table. Small files are parsed whole with the csv
module; large ones (``ARROW_MIN_BYTES`` and up) have their structure found on a
sample with the csv module and their body parsed by Arrow (``arrowcsv``).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from l2c_core import arrays
from l2c_core.audit import AuditWarning
from l2c_core.encodings import (
    SINGLE_BYTE,
    UTF8,
    UTF8_SIG,
    detect_encoding,
    sniff_format,
)
from l2c_core.encodings import decode as decode
from l2c_core.encodings import implausibility as implausibility
from l2c_core.errors import InputFileError

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 30
# Files from this size up are parsed by Arrow.
ARROW_MIN_BYTES = 1 << 20
# Body rows that tell how many cells a record fills.
TYPICAL_ROWS = 2000
# Words that open a totals or notice line below the data (not "TotalEnergies").
_FOOTER_WORDS = re.compile(
    r"^\s*(?:grand\s+totals?|totals?|sub-?totals?|sum|count|average|copyright|"
    r"confidential|©|\(c\)|page\s+\d|generated|report\s+generated|printed|"
    r"exported|run\s+(?:on|by)|powered\s+by)(?![a-z])",
    re.IGNORECASE,
)
# The same words at the start of a cell of a row joined on NUL (led by one).
_FOOTER_CELL = re.compile(r"\x00" + _FOOTER_WORDS.pattern[1:], re.IGNORECASE)
_SEP_HINT = re.compile(r'"?sep=(.)"?\r?')
Engine = Literal["auto", "csv", "arrow"]


@dataclass(frozen=True)
class Table:
    """One file read as text: every cell a string, blank cells empty strings.

    ``data`` holds the columns as Arrow string arrays (dictionary-encoded where
    a column repeats few values); ``frame`` shows them as a pandas DataFrame.
    """

    name: str
    data: Any  # pa.Table
    encoding: str
    delimiter: str
    header_row: int
    preamble: tuple[str, ...] = ()
    warnings: tuple[AuditWarning, ...] = field(default=())
    engine: str = "csv"

    @property
    def columns(self) -> list[str]:
        """The column names, unique."""
        return list(self.data.column_names)

    @property
    def rows(self) -> int:
        """The number of data rows."""
        return int(self.data.num_rows)

    def column(self, name: str) -> Any:
        """One column as a (chunked) Arrow string or dictionary array."""
        return self.data.column(name)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame of ``str`` columns."""
        return pd.DataFrame(
            {
                name: pd.Series(arrays.texts(self.data.column(name)), dtype="str")
                for name in self.data.column_names
            },
            index=pd.RangeIndex(self.rows),
        )


# --- structure, shared by both engines -----------------------------------------


def parse_rows(text: str, delimiter: str) -> list[list[str]]:
    """Parse delimited text with the csv module (excel dialect)."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def check_delimiter(delimiter: str | None, name: str) -> None:
    """Refuse a delimiter the csv module cannot use.

    Raises:
        InputFileError: the delimiter is not one character, or is a quote or a
            line break.
    """
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise InputFileError(
            f"{name} cannot be split on {delimiter!r}: a delimiter is one "
            "character other than a quote or a line break.",
            file_name=name,
        )


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter whose parsed records have the most consistent width > 1."""
    sample = text[: 64 * 1024]
    cut = sample.rfind("\n")
    if cut > 0 and len(text) > len(sample):
        sample = sample[:cut]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = parse_rows(sample, delimiter)
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if any(c.strip() for c in r))
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sep_hint(text: str) -> tuple[str, str] | None:
    """Excel's ``sep=;`` first line: the delimiter it names and the text after it."""
    first_line, _, rest = text.partition("\n")
    hint = _SEP_HINT.fullmatch(first_line.strip("\ufeff"))
    return (hint[1], rest) if hint else None


def clean_header(cell: str) -> str:
    """A header cell without BOM, surrounding quotes and whitespace."""
    return cell.replace("\ufeff", "").strip().strip('"').strip()


def is_blank(row: Sequence[str]) -> bool:
    """Whether every cell of a row is blank."""
    return not any(map(str.strip, row))


def filled(row: Sequence[str]) -> int:
    """The number of non-blank cells of a row."""
    return sum(map(bool, map(str.strip, row)))


def footer_worded(row: Sequence[str]) -> bool:
    """Whether a cell of the row opens with a totals or notice word."""
    # Cells never hold NUL (both engines drop it), so one search over the row
    # joined on NUL tries every cell's start at once.
    return bool(_FOOTER_CELL.search("\x00" + "\x00".join(row)))


def typical_filled(body: Sequence[Sequence[str]]) -> list[int]:
    """Cells filled by the first body rows that look like records."""
    counts = ((filled(r), r) for r in body[:TYPICAL_ROWS])
    return [count for count, r in counts if count > 1 and not footer_worded(r)]


def footer_start(
    count: int,
    filled_at: Callable[[int], int],
    worded_at: Callable[[int], bool],
    sample: Sequence[Sequence[str]],
) -> int:
    """Index of the first row of the block below the data (totals, notices).

    Found on parsed records: the trailing rows that are blank, hold a single
    cell, or open with a totals/notice word while filling fewer cells than a
    record does; and a block below a fully blank row in which no row fills as
    many cells as a record does. A record that merely starts with such a word
    ("TotalEnergies", "Summit Outdoor") keeps its place.

    Args:
        count: the number of body rows.
        filled_at: the number of non-blank cells of body row i.
        worded_at: whether body row i opens a cell with a footer word.
        sample: the first body rows, which tell how many cells a record fills
            (``typical_filled``; counted only when a row's count is in doubt).
    """
    widest = max((len(r) for r in sample[:TYPICAL_ROWS]), default=0)
    # No record fills more cells than the widest row has: the bound on "least".
    bound = max(2, math.ceil(widest / 2))
    least: list[int] = []

    def sparse(index: int) -> bool:
        cells = filled_at(index)
        if cells >= bound:
            return False
        if not least:
            typical = typical_filled(sample)
            least.append(
                max(2, math.ceil(statistics.median(typical) / 2)) if typical else 2
            )
        return cells < least[0]

    end = count
    while end and (filled_at(end - 1) <= 1 or (worded_at(end - 1) and sparse(end - 1))):
        end -= 1
    cut = end
    for index in range(end - 1, -1, -1):
        if filled_at(index) == 0:
            cut = index
        elif not (sparse(index) or worded_at(index)):
            break
    while cut and filled_at(cut - 1) == 0:
        cut -= 1
    return cut


def find_header(
    rows: Sequence[Sequence[str]], is_header: Callable[[Sequence[str]], bool]
) -> int:
    """Index of the header: the first row naming the fields, else the first wide row."""
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for index in range(limit):
        if is_header([clean_header(c) for c in rows[index]]):
            return index
    widths = Counter(len(r) for r in rows[:200] if not is_blank(r))
    modal = max(widths.items(), key=lambda item: (item[1], item[0]))[0] if widths else 0
    for index in range(limit):
        cells = sum(1 for c in rows[index] if c.strip())
        if cells >= max(2, modal // 2):
            return index
    return 0


def preamble_of(rows: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The report lines above the header, each as its cells joined."""
    return tuple(
        " ".join(c.strip() for c in row if c.strip())
        for row in rows
        if not is_blank(row)
    )


def nul_warning(name: str, count: int) -> AuditWarning:
    """The warning for NUL characters removed from the text."""
    return AuditWarning(
        code="nul_characters",
        message=f"{name}: {count} NUL characters removed from text fields.",
        count=count,
    )


def structure_warnings(
    name: str, preamble: int, footer: int, blank_rows: int
) -> list[AuditWarning]:
    """Warnings for report lines above the header, a footer and empty rows."""
    found = []
    if preamble:
        found.append(
            AuditWarning(
                code="preamble",
                message=f"{name}: {preamble} report lines above the header ignored.",
                count=preamble,
            )
        )
    if footer:
        found.append(
            AuditWarning(
                code="footer",
                message=f"{name}: footer: {footer} non-data lines ignored.",
                count=footer,
            )
        )
    if blank_rows:
        found.append(
            AuditWarning(
                code="empty_rows",
                message=f"{name}: {blank_rows} empty rows dropped.",
                count=blank_rows,
            )
        )
    return found


def column_names(
    name: str, header: Sequence[str], keep: Sequence[int], width: int, header_len: int
) -> tuple[list[str], list[AuditWarning]]:
    """Names for the kept columns (duplicates numbered) and what to say about them."""
    warnings = []
    dropped = width - len(keep)
    if dropped and width > header_len:
        pass  # trailing delimiters on data rows only: nothing to report
    elif dropped:
        warnings.append(
            AuditWarning(
                code="empty_columns",
                message=f"{name}: {dropped} unnamed empty columns dropped.",
                count=dropped,
            )
        )
    names: list[str] = []
    positions: dict[str, list[int]] = {}
    for i in keep:
        label = header[i] or f"Column {i + 1}"
        positions.setdefault(label, []).append(i + 1)
        names.append(
            label
            if len(positions[label]) == 1
            else f"{label} ({len(positions[label])})"
        )
    for label, where in positions.items():
        if len(where) > 1:
            warnings.append(
                AuditWarning(
                    code="duplicate_column",
                    message=f"{name}: duplicate column `{label}` (positions "
                    f"{' and '.join(map(str, where))}); the first is used.",
                    count=len(where),
                )
            )
    return names, warnings


def arrow_engine_fits(codec: str) -> bool:
    """Whether Arrow can parse text in this codec (UTF-8 or a single-byte page)."""
    try:
        import codecs

        normal = codecs.lookup(codec).name
    except LookupError:
        return False
    return normal in SINGLE_BYTE or normal in (UTF8, UTF8_SIG)


# --- reading --------------------------------------------------------------------


def read_table(
    data: bytes,
    name: str,
    *,
    is_header: Callable[[Sequence[str]], bool] = lambda row: False,
    encoding: str | None = None,
    delimiter: str | None = None,
    engine: Engine = "auto",
) -> Table:
    """Read one delimited file into a table of text.

    Structure is found on parsed records, never on raw lines, so quoted fields
    with line breaks survive: report titles and filters above the header,
    Excel's ``sep=`` hint, totals and notices below the data, trailing
    delimiters, empty trailing columns and rows, and duplicated header names
    (kept apart and warned about).

    Args:
        data: the file's bytes.
        name: the file name, used in messages.
        is_header: tells whether a row of cleaned cells is the header row.
        encoding: a codec overriding detection.
        delimiter: a delimiter overriding sniffing.
        engine: ``csv`` or ``arrow`` to force an engine (``auto`` picks Arrow
            for large files); Arrow falls back to csv where it cannot read.

    Returns:
        The table; its columns have unique names and only string cells.

    Raises:
        InputFileError: the file is not delimited text, is empty, or has no rows.
    """
    sniff_format(data, name)
    check_delimiter(delimiter, name)
    wants_arrow = engine == "arrow" or (
        engine == "auto" and len(data) >= ARROW_MIN_BYTES
    )
    tried: str | None = None
    if wants_arrow and encoding is None and not data.startswith(_UTF16_BOMS):
        # UTF-8 first, strictly: Arrow checks every cell, so the bytes need
        # not be checked beforehand.
        tried = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        table = _try_arrow(data, name, tried, is_header, delimiter)
        if table is not None:
            return table
    codec = detect_encoding(data, name, encoding)
    if wants_arrow and codec != tried and arrow_engine_fits(codec):
        table = _try_arrow(data, name, codec, is_header, delimiter)
        if table is not None:
            return table
    return _read_csv(data, name, codec, is_header, delimiter)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _try_arrow(
    data: bytes,
    name: str,
    codec: str,
    is_header: Callable[[Sequence[str]], bool],
    delimiter: str | None,
) -> Table | None:
    from l2c_core.arrowcsv import Unreadable, read_arrow

    try:
        return read_arrow(data, name, codec, is_header, delimiter)
    except Unreadable as exc:
        log.debug("%s left to the csv engine: %s", name, exc)
        return None


def _read_csv(
    data: bytes,
    name: str,
    codec: str,
    is_header: Callable[[Sequence[str]], bool],
    delimiter: str | None,
) -> Table:
    """Read a file whole with the csv module."""
    text = data.decode(codec)
    warnings: list[AuditWarning] = []
    if "\x00" in text:
        warnings.append(nul_warning(name, text.count("\x00")))
        text = text.replace("\x00", "")
    hint = sep_hint(text)
    if hint:
        delimiter = delimiter or hint[0]
        text = hint[1]
    used_delimiter = delimiter or sniff_delimiter(text)
    try:
        rows = parse_rows(text, used_delimiter)
    except csv.Error as exc:
        raise InputFileError(
            f"{name} is not a readable CSV: {exc}.", file_name=name
        ) from exc

    header_index = find_header(rows, is_header)
    preamble = preamble_of(rows[:header_index])
    header = [clean_header(c) for c in rows[header_index]] if rows else []
    body = rows[header_index + 1 :]

    # Footer: totals and notices below the data, found on parsed records.
    end = footer_start(
        len(body),
        lambda i: filled(body[i]),
        lambda i: footer_worded(body[i]),
        body,
    )
    footer = [r for r in body[end:] if not is_blank(r)]
    # Rows of bare delimiters at the end are empty rows, not a footer.
    trailing_empty = sum(1 for r in body[end:] if is_blank(r) and len(r) > 1)
    blank_rows = sum(1 for r in body[:end] if is_blank(r)) + trailing_empty
    body = [r for r in body[:end] if not is_blank(r)]
    warnings.extend(structure_warnings(name, len(preamble), len(footer), blank_rows))
    if not header:
        raise InputFileError(f"{name} has no header row.", file_name=name)

    # Widen the header for extra cells, then drop unnamed columns that are empty.
    width = max([len(header), *(len(r) for r in body)])
    header += [""] * (width - len(header))
    padded = [r + [""] * (width - len(r)) for r in body]
    columns = list(zip(*padded, strict=True)) if padded else [()] * width
    keep = [i for i in range(width) if header[i] or any(c.strip() for c in columns[i])]
    names, notes = column_names(name, header, keep, width, len(rows[header_index]))
    warnings.extend(notes)
    crlf = "\r\n" in text
    table = pa.table(
        {
            label: pa.array(
                [c.replace("\r\n", "\n") for c in columns[i]]
                if crlf
                else list(columns[i]),
                type=pa.string(),
            )
            for label, i in zip(names, keep, strict=True)
        }
    )
    log.debug(
        "read %s: %d rows, %s, delimiter %r", name, len(body), codec, used_delimiter
    )
    return Table(
        name=name,
        data=table,
        encoding=codec,
        delimiter=used_delimiter,
        header_row=header_index + 1,
        preamble=preamble,
        warnings=tuple(warnings),
        engine="csv",
    )
