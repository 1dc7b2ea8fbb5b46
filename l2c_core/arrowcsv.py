"""Read a large delimited file with Arrow, giving the table the csv engine gives.

The structure (``sep=`` hint, delimiter, header, preamble, the record width,
which columns repeat few values) is found on a sample of the first rows with
the csv module, the same code the csv engine runs; Arrow then parses the body
from the bytes, keeping the repetitive columns dictionary-encoded. Rows of
another width than the sample's reach an invalid-row handler, are parsed with
the csv module and put back in place; the footer is found on the last rows
exactly as the csv engine finds it. Whatever Arrow cannot read the same way (a
record longer than a block, a footer holding line breaks) makes ``read_arrow``
give up, and the caller reads the file with the csv module.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from l2c_core import arrays
from l2c_core.audit import AuditWarning
from l2c_core.encodings import UTF8, UTF8_SIG
from l2c_core.errors import InputFileError
from l2c_core.reader import (
    TYPICAL_ROWS,
    Table,
    clean_header,
    column_names,
    filled,
    find_header,
    footer_start,
    footer_worded,
    is_blank,
    nul_warning,
    preamble_of,
    sep_hint,
    sniff_delimiter,
    structure_warnings,
)

log = logging.getLogger(__name__)

HEAD_BYTES = 1 << 20
MAX_HEAD_BYTES = 64 << 20
BLOCK_BYTES = 2 << 20
_BOM = b"\xef\xbb\xbf"
_SNIFF_CHARS = 64 * 1024
# Zone rows checked cell by cell for line breaks; a longer footer zone is rare.
_MAX_ZONE = 10_000
# Rows looked at one by one before counting filled cells for all at once.
_LAZY_ROWS = 2_000


class Unreadable(Exception):
    """Arrow cannot give the csv engine's table for this file."""

    def __init__(self, reason: str, *, encoding: bool = False) -> None:
        super().__init__(reason)
        self.encoding = encoding


def read_arrow(
    data: bytes,
    name: str,
    codec: str,
    is_header: Callable[[Sequence[str]], bool],
    delimiter: str | None,
) -> Table:
    """Read a file with Arrow as the csv engine would.

    Args:
        data: the file's bytes.
        name: the file name, used in messages.
        codec: UTF-8 or a single-byte code page; UTF-8 need not be checked
            first, Arrow checks every cell.
        is_header: tells whether a row of cleaned cells is the header row.
        delimiter: a delimiter overriding sniffing.

    Raises:
        Unreadable: only the csv engine can read the file as well (``encoding``
            set when the bytes are not in ``codec``).
    """
    try:
        return _read(data, name, codec, is_header, delimiter)
    except UnicodeDecodeError as exc:
        raise Unreadable(str(exc), encoding=True) from exc
    except pa.ArrowInvalid as exc:
        raise Unreadable(str(exc), encoding="UTF8" in str(exc)) from exc
    except (pa.ArrowException, csv.Error, ValueError) as exc:
        raise Unreadable(str(exc)) from exc


def _head(data: bytes, start: int, codec: str, size: int) -> tuple[str, bool]:
    """The text of the first ``size`` bytes from ``start``, cut at a line break."""
    chunk = data[start : start + size]
    whole = start + size >= len(data)
    if not whole:
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if cut < 0:
            raise Unreadable("no line break in the head")
        chunk = chunk[: cut + 1]
    return chunk.decode(codec), whole


def _rows_with_ends(
    text: str, delimiter: str, limit: int
) -> tuple[list[list[str]], list[int]]:
    """The first rows of the text and the character offset after each."""
    consumed = 0

    def lines() -> Any:
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    rows: list[list[str]] = []
    ends: list[int] = []
    for row in csv.reader(lines(), delimiter=delimiter):
        rows.append(row)
        ends.append(consumed)
        if len(rows) >= limit:
            break
    return rows, ends


def _read(
    data: bytes,
    name: str,
    codec: str,
    is_header: Callable[[Sequence[str]], bool],
    delimiter: str | None,
) -> Table:
    warnings: list[AuditWarning] = []
    if b"\x00" in data:
        warnings.append(nul_warning(name, data.count(b"\x00")))
        data = data.replace(b"\x00", b"")
    normal = codecs.lookup(codec).name
    start = 0
    text_codec = codec
    if normal in (UTF8, UTF8_SIG):
        text_codec = "utf-8"
        if normal == UTF8_SIG and data.startswith(_BOM):
            start = len(_BOM)

    # The head: enough rows for the header search, the width and the typical row.
    size = HEAD_BYTES
    while True:
        text, whole = _head(data, start, text_codec, size)
        hint = sep_hint(text)
        head = hint[1] if hint else text
        if not whole and len(head) <= _SNIFF_CHARS:
            raise Unreadable("the head is too short to sniff")
        used = delimiter or (hint[0] if hint else None) or sniff_delimiter(head)
        rows, ends = _rows_with_ends(head, used, 200 + TYPICAL_ROWS + 2)
        if not whole:
            rows, ends = rows[:-1], ends[:-1]  # the last may be cut short
        header_index = find_header(rows, is_header) if rows else 0
        if rows and (whole or len(rows) >= header_index + 2 + TYPICAL_ROWS):
            break
        if size >= MAX_HEAD_BYTES or whole:
            raise Unreadable("no complete header in the head")
        size *= 4
    skipped = len(text) - len(head)
    data_start = start + len(text[: skipped + ends[header_index]].encode(text_codec))
    preamble = preamble_of(rows[:header_index])
    header = [clean_header(c) for c in rows[header_index]]
    sample = rows[header_index + 1 :]
    widths = Counter(len(r) for r in sample if not is_blank(r))
    width = (
        max(widths.items(), key=lambda i: (i[1], i[0]))[0] if widths else len(header)
    )
    if width < 1 or not header:
        raise Unreadable("no record width")

    repeats = [
        _repeats([r[i] for r in sample if len(r) == width]) for i in range(width)
    ]
    columns, invalid = _parse_body(data, data_start, codec, used, repeats)
    if invalid and invalid[-1][0] == len(columns[0]) + len(invalid) - 1:
        # Arrow leaves the final line break out of the last row's text; the csv
        # module keeps it inside a quoted field left open at the end.
        ending = next((e for e in (b"\r\n", b"\n", b"\r") if data.endswith(e)), b"")
        invalid[-1] = (invalid[-1][0], invalid[-1][1] + ending.decode())
    body = _Body(columns, invalid, used)
    end = footer_start(body.count, body.filled_at, body.worded_at, sample)
    blank_lines = body.zone_blank_lines(end, data, data_start)
    zone = range(end, body.count)
    footer = sum(1 for i in zone if body.filled_at(i))
    trailing_empty = sum(
        1 for i in zone if not body.filled_at(i) and body.width_at(i, blank_lines) > 1
    )
    kept = body.kept_positions(end)
    blank_rows = end - len(kept) + trailing_empty
    warnings.extend(structure_warnings(name, len(preamble), footer, blank_rows))

    full = max([len(header), *body.widths(kept)])
    header += [""] * (full - len(header))
    final = body.build(kept, full)
    keep = [i for i in range(full) if header[i] or _has_content(final[i])]
    names, notes = column_names(name, header, keep, full, len(rows[header_index]))
    warnings.extend(notes)
    table = pa.table([_newlines(final[i]) for i in keep], names=names)
    _check_field_sizes(table, name)
    log.debug(
        "read %s with arrow: %d rows, %s, delimiter %r",
        name,
        table.num_rows,
        codec,
        used,
    )
    return Table(
        name=name,
        data=table,
        encoding=codec,
        delimiter=used,
        header_row=header_index + 1,
        preamble=preamble,
        warnings=tuple(warnings),
        engine="arrow",
    )


def _repeats(values: Sequence[str]) -> bool:
    """Whether a sample column repeats its values enough to dictionary-encode it."""
    return len(values) >= 64 and len(set(values)) * 2 <= len(values)


def _parse_body(
    data: bytes, data_start: int, codec: str, delimiter: str, repeats: list[bool]
) -> tuple[list[Any], list[tuple[int, str]]]:
    """Parse the rows below the header: columns, and rows of another width."""
    if len(delimiter.encode("utf-8")) != 1:
        raise Unreadable("a delimiter Arrow cannot split on")
    width = len(repeats)
    if data_start >= len(data):
        return [pa.chunked_array([], type=pa.string()) for _ in range(width)], []
    chunks, _, invalid = _parse_part(data, data_start, codec, delimiter, repeats)
    columns = []
    for i in range(width):
        if repeats[i]:
            columns.append(_unified(chunks[i]))
        else:
            columns.append(pa.chunked_array(chunks[i], type=pa.string()))
        chunks[i] = []
    # The parser's buffers are free now: give their pages back to the system.
    pa.default_memory_pool().release_unused()
    return columns, sorted(invalid)


def _parse_part(
    data: bytes,
    start: int,
    codec: str,
    delimiter: str,
    repeats: list[bool],
) -> tuple[list[list[Any]], int, list[tuple[int, str]]]:
    """Parse ``data[start:]`` batch by batch.

    Returns:
        Per column, the batches' arrays (repetitive columns with narrow
        dictionary indices); the number of rows; and the rows of another width
        as (0-based position, text).
    """
    width = len(repeats)
    invalid: list[tuple[int, str]] = []

    def handler(row: Any) -> str:
        if row.number is None:
            raise Unreadable("row numbers unknown")
        invalid.append((int(row.number) - 1, str(row.text)))
        return "skip"

    normal = codecs.lookup(codec).name
    names = [f"c{i}" for i in range(width)]
    types = {
        n: pa.dictionary(pa.int32(), pa.string()) if r else pa.string()
        for n, r in zip(names, repeats, strict=True)
    }
    reader = pcsv.open_csv(
        pa.py_buffer(memoryview(data)[start:]),
        read_options=pcsv.ReadOptions(
            use_threads=False,
            block_size=BLOCK_BYTES,
            column_names=names,
            encoding="utf8" if normal in (UTF8, UTF8_SIG) else codec,
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=handler,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    chunks: list[list[Any]] = [[] for _ in range(width)]
    rows = 0
    for batch in reader:
        rows += batch.num_rows
        for i in range(width):
            column = batch.column(i)
            if repeats[i]:
                # A batch's dictionary is small: narrow indices save memory.
                size = len(column.dictionary)
                narrow = (
                    pa.int8()
                    if size < 128
                    else pa.int16()
                    if size < 32768
                    else pa.int32()
                )
                column = _indices(column, narrow)
            chunks[i].append(column)
        del batch
    return chunks, rows + len(invalid), invalid


def _indices(column: Any, kind: Any) -> Any:
    """A dictionary array with its indices as another integer type."""
    if column.indices.type == kind:
        return column
    return pa.DictionaryArray.from_arrays(column.indices.cast(kind), column.dictionary)


def _unified(chunks: list[Any]) -> Any:
    """Per-batch dictionary arrays as one dictionary array with narrow indices.

    The union of the batches' dictionaries is found first, so the indices are
    written once, straight into the narrowest type that holds them.
    """
    if not chunks:
        return pa.chunked_array([], type=pa.string())
    union = pc.unique(pa.concat_arrays([c.dictionary for c in chunks]))
    if union.null_count:
        raise Unreadable("null in a dictionary")
    size = len(union)
    width = np.int8 if size < 128 else np.int16 if size < 32768 else np.int32
    codes = np.empty(sum(len(c) for c in chunks), dtype=width)
    at = 0
    for chunk in chunks:
        lookup = pc.index_in(chunk.dictionary, value_set=union)
        table = lookup.to_numpy(zero_copy_only=False).astype(width)
        indices = chunk.indices.to_numpy(zero_copy_only=False)
        codes[at : at + len(chunk)] = table[indices]
        at += len(chunk)
    return pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array(codes), union)])


def _newlines(column: Any) -> Any:
    """The column with CRLF inside values turned into LF, as the csv engine does."""
    if arrays.is_dictionary(column):
        values, codes = arrays.encoded(column)
        if not any("\r\n" in v for v in values):
            return column
        return arrays.dictionary(codes, [v.replace("\r\n", "\n") for v in values])
    if (
        not arrays.has_byte(column, 13)
        or not arrays.mask(pc.match_substring(column, "\r\n")).any()
    ):
        return column
    return pc.replace_substring(column, "\r\n", "\n")


def _check_field_sizes(table: Any, name: str) -> None:
    """Refuse a field the csv module would refuse, as the csv engine does.

    Raises:
        InputFileError: a value is longer than the csv module's field limit.
    """
    limit = csv.field_size_limit()
    for column in table.columns:
        if arrays.is_dictionary(column):
            values = column.chunk(0).dictionary if column.num_chunks else None
            longest = (
                int(pc.max(pc.utf8_length(values)).as_py() or 0)
                if values is not None and len(values)
                else 0
            )
        else:
            longest = max(
                (int(p.size.max()) for p in arrays.pieces(column) if len(p.size)),
                default=0,
            )
            if longest > limit:
                longest = int(pc.max(pc.utf8_length(column)).as_py() or 0)
        if longest > limit:
            raise InputFileError(
                f"{name} is not a readable CSV: field larger than field limit "
                f"({limit}).",
                file_name=name,
            )


def _has_content(column: Any) -> bool:
    """Whether a column holds any non-blank cell."""
    return len(column) > 0 and bool((~arrays.blank(column)).any())


class _Body:
    """The body rows: Arrow's columns with the rows of other widths put back.

    Positions count every body row in file order; the valid rows (Arrow's) fill
    the positions the other rows do not take.
    """

    def __init__(
        self, columns: list[Any], invalid: list[tuple[int, str]], delimiter: str
    ) -> None:
        self.columns = columns
        self.valid = len(columns[0]) if columns else 0
        self.positions = [p for p, _ in invalid]
        self.cells = {
            p: next(csv.reader(io.StringIO(t, newline=""), delimiter=delimiter), [])
            for p, t in invalid
        }
        self.count = self.valid + len(invalid)
        if self.positions and self.positions[-1] >= self.count:
            raise Unreadable("invalid rows out of place")
        self._filled: np.ndarray | None = None
        self._looked = 0

    def _valid_index(self, position: int) -> int:
        return position - bisect.bisect_left(self.positions, position)

    def row(self, position: int) -> list[str]:
        """The cells of one body row."""
        if position in self.cells:
            return self.cells[position]
        j = self._valid_index(position)
        return [str(c[j].as_py()) for c in self.columns]

    def filled_at(self, position: int) -> int:
        """The number of non-blank cells of one body row."""
        if position in self.cells:
            return filled(self.cells[position])
        j = self._valid_index(position)
        if self._filled is None:
            self._looked += 1
            if self._looked <= _LAZY_ROWS:
                return filled(self.row(position))
            counts = np.zeros(self.valid, dtype=np.int32)
            for column in self.columns:
                counts += ~arrays.blank(column)
            self._filled = counts
        return int(self._filled[j])

    def worded_at(self, position: int) -> bool:
        """Whether one body row opens a cell with a footer word."""
        return footer_worded(self.row(position))

    def blank_valid(self, stop: int) -> np.ndarray:
        """Which of the first ``stop`` valid rows are blank.

        Columns are looked at repetitive ones first, each only for the rows no
        column has shown non-blank yet, so a column that is never blank ends
        the search.
        """
        if self._filled is not None:
            return np.asarray(self._filled[:stop] == 0)
        blank = np.ones(stop, dtype=bool)
        order = sorted(
            range(len(self.columns)),
            key=lambda i: not arrays.is_dictionary(self.columns[i]),
        )
        for i in order:
            rows = np.flatnonzero(blank)
            if not len(rows):
                break
            column = self.columns[i]
            if len(rows) == stop:
                found = arrays.blank(column.slice(0, stop))
            else:
                found = arrays.blank(column.take(pa.array(rows)))
            blank[rows] = found
        return blank

    def zone_blank_lines(self, end: int, data: bytes, data_start: int) -> set[int]:
        """Rows below the data that are empty lines (the csv engine's ``[]``)."""
        zone = range(end, self.count)
        if len(self.columns) < 2 or not len(zone):
            return set()
        if len(zone) > _MAX_ZONE:
            raise Unreadable("footer zone too long")
        blanks = [i for i in zone if i not in self.cells and not self.filled_at(i)]
        if not blanks:
            return set()
        for i in zone:
            if any("\n" in c or "\r" in c for c in self.row(i)):
                raise Unreadable("line breaks in the footer zone")
        lines = _last_lines(data, data_start, len(zone))
        if len(lines) != len(zone):
            raise Unreadable("footer zone lines do not match")
        return {i for i in blanks if not lines[i - end]}

    def width_at(self, position: int, blank_lines: set[int]) -> int:
        """How many cells the csv module gives one body row."""
        if position in self.cells:
            return len(self.cells[position])
        return 0 if position in blank_lines else len(self.columns)

    def kept_positions(self, end: int) -> np.ndarray:
        """Positions of the non-blank rows above the footer."""
        valid_end = self._valid_index(end)
        keep = ~self.blank_valid(valid_end)
        if not self.positions:
            return np.arange(valid_end) if keep.all() else np.flatnonzero(keep)
        taken = np.zeros(end, dtype=bool)
        taken[[p for p in self.positions if p < end]] = True
        valid_positions = np.flatnonzero(~taken)
        inserted = [p for p in self.positions if p < end and filled(self.cells[p])]
        merged = np.concatenate([valid_positions[keep], np.array(inserted, np.int64)])
        return np.sort(merged)

    def _inserted(self, kept: np.ndarray) -> list[int]:
        """Kept positions that hold rows of another width."""
        if not self.positions:
            return []
        found = np.isin(np.array(self.positions, np.int64), kept)
        return [p for p, f in zip(self.positions, found.tolist(), strict=True) if f]

    def widths(self, kept: np.ndarray) -> list[int]:
        """The widths of the kept rows, each distinct width once."""
        inserted = self._inserted(kept)
        extra = sorted({len(self.cells[p]) for p in inserted})
        return ([len(self.columns)] if len(kept) > len(inserted) else []) + extra

    def build(self, kept: np.ndarray, full: int) -> list[Any]:
        """The final columns: the kept rows only, ``full`` columns wide."""
        inserted = self._inserted(kept)
        positions = np.array(self.positions, np.int64)
        if not inserted:
            # Every kept row is a valid row: map positions to valid indices.
            indices = kept - np.searchsorted(positions, kept)
            rows = len(indices)
            contiguous = rows == 0 or (indices[0] == 0 and indices[-1] == rows - 1)
            return [
                arrays.repeat("", rows)
                if i >= len(self.columns)
                else self.columns[i].slice(0, rows)
                if contiguous
                else self.columns[i].take(pa.array(indices))
                for i in range(full)
            ]
        # Rows of other widths sit among the kept ones: the valid rows, then the
        # inserted rows, put in order by one take.
        extra_rows = np.array(inserted, np.int64)
        is_inserted = np.isin(kept, extra_rows)
        order = np.empty(len(kept), dtype=np.int64)
        valid_kept = kept[~is_inserted]
        order[~is_inserted] = valid_kept - np.searchsorted(positions, valid_kept)
        order[is_inserted] = self.valid + np.searchsorted(extra_rows, kept[is_inserted])
        result = []
        for i in range(full):
            extra = pa.array(
                [self.cells[p][i] if i < len(self.cells[p]) else "" for p in inserted],
                pa.string(),
            )
            if i < len(self.columns):
                base = arrays.plain(self.columns[i])
            else:
                base = arrays.repeat("", self.valid)
            both = pa.chunked_array([*base.chunks, extra], type=pa.string())
            result.append(arrays.compact(both.take(pa.array(order))))
        return result


def _last_lines(data: bytes, data_start: int, count: int) -> list[bytes]:
    """The last ``count`` physical lines of the data (a final line break ends one)."""
    end = len(data)
    if data.endswith(b"\r\n"):
        end -= 2
    elif data.endswith((b"\n", b"\r")):
        end -= 1
    lines: list[bytes] = []
    position = end
    while len(lines) < count and position >= data_start:
        cut = max(
            data.rfind(b"\n", data_start, position),
            data.rfind(b"\r", data_start, position),
        )
        if cut < 0:
            lines.append(data[data_start:position])
            break
        lines.append(data[cut + 1 : position])
        crlf = data[cut] == 10 and cut > data_start and data[cut - 1] == 13
        position = cut - 1 if crlf else cut
    lines.reverse()
    return lines
