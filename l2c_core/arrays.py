"""Text columns held as Arrow arrays: blank, trim, coalesce, convert per distinct value.

A column is an Arrow string array, or a dictionary array of strings (how the
reader keeps columns that repeat few values). Whitespace is Python's: what
``str.strip`` removes, so a value blank here is blank in plain Python too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

_T = TypeVar("_T")

# Every character str.isspace() accepts.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
_BLANK = f"^{SPACE_CLASS}*$"
_EDGE = f"^{SPACE_CLASS}|{SPACE_CLASS}$"
# Fast paths (numpy on the bytes) for dates always, and for other conversions
# from this many rows up; exact Python paths otherwise. Tests switch them off
# (FAST = False) to check both give the same.
FAST = True
MANY = 1_000


def vectorised(column: Any) -> bool:
    """Whether to take the vectorised path for a plain column of this length."""
    return FAST and len(column) > MANY


Column = Any  # pa.Array | pa.ChunkedArray of string or dictionary<string>


def is_dictionary(column: Column) -> bool:
    """Whether a column is dictionary-encoded."""
    return bool(pa.types.is_dictionary(column.type))


def chunked(column: Column) -> Any:
    """The column as a chunked array."""
    if isinstance(column, pa.ChunkedArray):
        return column
    return pa.chunked_array([column], type=column.type)


def plain(column: Column) -> Any:
    """The column as a plain (chunked) string array."""
    column = chunked(column)
    if not is_dictionary(column):
        return column
    return pa.chunked_array(
        [c.dictionary_decode() for c in column.chunks], type=pa.string()
    )


def repeat(value: str, length: int) -> Any:
    """A (dictionary-encoded) string column holding one value ``length`` times."""
    indices = pa.array(np.zeros(length, dtype=np.int8))
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string()))]
    )


def encode(column: Column) -> tuple[Any, np.ndarray]:
    """The column's distinct values (an Arrow array) and each row's index."""
    column = chunked(column)
    if not is_dictionary(column):
        # Unifying many large per-chunk dictionaries is slow: encode one array.
        whole = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        column = chunked(pc.dictionary_encode(whole))
    if column.num_chunks != 1:
        column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return pa.array([], pa.string()), np.zeros(0, dtype=np.int32)
    dictionary = column.chunk(0).dictionary
    if column.num_chunks == 1:
        codes = column.chunk(0).indices.to_numpy(zero_copy_only=False)
    else:
        codes = np.concatenate(
            [c.indices.to_numpy(zero_copy_only=False) for c in column.chunks]
        )
    return dictionary, codes


def encoded(column: Column) -> tuple[list[str], np.ndarray]:
    """The column's distinct values and each row's index into them."""
    dictionary, codes = encode(column)
    return cast(list[str], dictionary.to_pylist()), codes


def convert(
    column: Column, function: Callable[[str], _T]
) -> tuple[list[_T], np.ndarray]:
    """Apply a conversion once per distinct value.

    Returns:
        The converted distinct values and each row's index into them.
    """
    values, codes = encoded(column)
    return [function(v) for v in values], codes


def per_row(column: Column, function: Callable[[str], _T]) -> list[_T]:
    """A conversion's result for every row, computed once per distinct value."""
    results, codes = convert(column, function)
    return [results[i] for i in codes.tolist()]


def mask(values: Any) -> np.ndarray:
    """An Arrow boolean array (nulls false) as a numpy bool array."""
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        if filled.num_chunks == 0:
            return np.zeros(0, dtype=bool)
        return np.concatenate(
            [c.to_numpy(zero_copy_only=False) for c in filled.chunks]
        ).astype(bool)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def by_value(column: Column, test: Callable[[str], bool]) -> np.ndarray:
    """A per-row bool mask from a test on each distinct value."""
    results, codes = convert(column, test)
    return np.asarray(results, dtype=bool)[codes] if len(codes) else np.zeros(0, bool)


def matches(column: Column, pattern: str) -> np.ndarray:
    """Rows whose value matches an RE2 pattern (searched, not anchored)."""
    if is_dictionary(column):
        values, codes = encoded(column)
        found = mask(pc.match_substring_regex(pa.array(values, pa.string()), pattern))
        return found[codes] if len(codes) else np.zeros(0, bool)
    return mask(pc.match_substring_regex(column, pattern))


def blank(column: Column) -> np.ndarray:
    """Rows whose value is empty or only whitespace."""
    if is_dictionary(column):
        return by_value(column, lambda v: not v.strip())
    return blank_fast(column)


def trim(column: Column) -> Any:
    """The column with leading and trailing whitespace removed (``str.strip``)."""
    column = chunked(column)
    if is_dictionary(column):
        values, codes = encoded(column)
        stripped = [v.strip() for v in values]
        if stripped == values:
            return column
        return dictionary(codes, stripped)
    doubt = np.flatnonzero(edges_fast(column))
    if not len(doubt) or not matches(take(column, doubt), _EDGE).any():
        return column
    return pc.utf8_trim(column, characters=WHITESPACE)


def dictionary(codes: np.ndarray, values: Sequence[str]) -> Any:
    """A dictionary column from row codes and values (merged where equal)."""
    unique = list(dict.fromkeys(values))
    if len(unique) != len(values):
        position = {v: i for i, v in enumerate(unique)}
        codes = np.array([position[v] for v in values], dtype=np.int64)[codes]
        values = unique
    width = np.int8 if len(values) < 128 else np.int16 if len(values) < 32768 else None
    indices = pa.array(codes.astype(width) if width else codes.astype(np.int32))
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))]
    )


def compact(column: Column) -> Any:
    """Dictionary-encode a string column that repeats few values (else keep it)."""
    column = chunked(column)
    if is_dictionary(column) or len(column) < 64:
        return column
    if pc.count_distinct(column).as_py() * 4 > len(column):
        return column
    values, codes = encoded(column)
    return dictionary(codes, values)


def coalesce(columns: Sequence[Column]) -> Any:
    """The first column, blanks filled from the next columns that have a value."""
    result = columns[0]
    for other in columns[1:]:
        fill = blank(result) & ~blank(other)
        if fill.any():
            result = pc.if_else(pa.array(fill), plain(other), plain(result))
    return result


def texts(column: Column) -> list[str]:
    """The column as Python strings."""
    return cast(list[str], chunked(column).to_pylist())


def to_series(column: Column) -> pd.Series:
    """A pandas Series over the column (categorical when dictionary-encoded)."""
    column = chunked(column)
    if is_dictionary(column):
        values, codes = encoded(column)
        return pd.Series(
            pd.Categorical.from_codes(
                codes.astype(np.int32), pd.Index(values, dtype="str")
            )
        )
    return pd.Series(pd.arrays.ArrowExtensionArray(column))


def take(column: Column, rows: np.ndarray) -> Any:
    """The values of the given rows, in that order."""
    return chunked(column).take(pa.array(rows, pa.int64()))


def numbers(values: Any) -> np.ndarray:
    """An Arrow numeric array (no nulls) as a numpy array."""
    values = chunked(values)
    if values.num_chunks == 0:
        return np.zeros(0)
    return np.concatenate([c.to_numpy(zero_copy_only=False) for c in values.chunks])


# --- byte-level views of plain string columns ---------------------------------------
# Fast paths look at a value's bytes with numpy, a piece of the column at a time
# so that no temporary grows with the column; what they cannot decide goes to
# the exact (regex or Python) path.

PIECE = 1 << 16
ASCII_SPACE = np.zeros(256, dtype=bool)
ASCII_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
# A byte that may start or end Python whitespace: ASCII space, or non-ASCII.
MAYBE_SPACE = ASCII_SPACE.copy()
MAYBE_SPACE[128:] = True


class Piece:
    """A slice of a plain string column, as offsets and bytes."""

    def __init__(self, start: int, array: Any) -> None:
        self.start = start
        self.array = array
        buffers = array.buffers()
        wide = pa.types.is_large_string(array.type) or pa.types.is_large_binary(
            array.type
        )
        self.offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)[
            array.offset : array.offset + len(array) + 1
        ]
        self.data = (
            np.frombuffer(buffers[2], dtype=np.uint8)
            if buffers[2] is not None
            else np.zeros(1, dtype=np.uint8)
        )
        self.size = np.diff(self.offsets)

    def first(self) -> np.ndarray:
        """Each value's first byte (0 where empty)."""
        out = np.zeros(len(self.size), dtype=np.uint8)
        filled = self.size > 0
        out[filled] = self.data[self.offsets[:-1][filled]]
        return out

    def last(self) -> np.ndarray:
        """Each value's last byte (0 where empty)."""
        out = np.zeros(len(self.size), dtype=np.uint8)
        filled = self.size > 0
        out[filled] = self.data[self.offsets[1:][filled] - 1]
        return out

    def uniform(self, width: int) -> np.ndarray | None:
        """The non-empty values' bytes as matrix rows, if all are ``width`` long.

        A view of the data, no copy; None when some value has another length.
        """
        size = self.size
        filled = int(np.count_nonzero(size))
        if not filled or int(size.sum()) != filled * width:
            return None
        if not ((size == 0) | (size == width)).all():
            return None
        start, stop = int(self.offsets[0]), int(self.offsets[-1])
        return self.data[start:stop].reshape(filled, width)

    def matrix(self, rows: np.ndarray, width: int) -> np.ndarray:
        """The first ``width`` bytes of the given rows (each at least that long)."""
        at = self.offsets[:-1][rows]
        out = np.empty((len(rows), width), dtype=np.uint8)
        for j in range(width):
            out[:, j] = self.data[at + j]
        return out


def pieces(column: Column) -> Iterator[Piece]:
    """A plain string column piece by piece (at most ``PIECE`` rows each)."""
    start = 0
    for chunk in chunked(column).chunks:
        for offset in range(0, len(chunk), PIECE):
            part = chunk.slice(offset, PIECE)
            yield Piece(start + offset, part)
        start += len(chunk)


def blank_fast(column: Column) -> np.ndarray:
    """``blank`` for a plain column: bytes first, the regex only where in doubt."""
    blank = np.zeros(len(column), dtype=bool)
    for piece in pieces(column):
        empty = piece.size == 0
        doubt = np.flatnonzero(~empty & MAYBE_SPACE[piece.first()])
        if len(doubt):
            values = piece.array.take(pa.array(doubt))
            empty[doubt] = mask(pc.match_substring_regex(values, _BLANK))
        blank[piece.start : piece.start + len(empty)] = empty
    return blank


def edges_fast(column: Column) -> np.ndarray:
    """Rows whose value may start or end with whitespace (a superset)."""
    edges = np.zeros(len(column), dtype=bool)
    for piece in pieces(column):
        edges[piece.start : piece.start + len(piece.size)] = (piece.size > 0) & (
            MAYBE_SPACE[piece.first()] | MAYBE_SPACE[piece.last()]
        )
    return edges


def factor(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a non-negative integer key and each row's index.

    The values come sorted; linear time when the key's range is small.
    """
    if not len(key):
        return key.astype(np.int64), np.zeros(0, dtype=np.int64)
    top = int(key.max())
    if top > 4 * len(key) + 4096:
        unique, inverse = np.unique(key, return_inverse=True)
        return unique, inverse.reshape(-1)
    present = np.zeros(top + 1, dtype=bool)
    present[key] = True
    lookup = np.cumsum(present) - 1
    return np.flatnonzero(present), lookup[key]


_FNV_OFFSET = np.uint64(1469598103934665603)
_FNV_PRIME = np.uint64(1099511628211)


def all_distinct(column: Column) -> bool:
    """Whether no value of a plain string column repeats.

    Short values are hashed with numpy and only hash collisions are checked
    exactly, which needs far less memory than a hash table of the strings.
    """
    hashes = np.empty(len(column), dtype=np.uint64)
    for piece in pieces(column):
        size = piece.size
        longest = int(size.max()) if len(size) else 0
        if longest > 64:
            return bool(pc.count_distinct(column).as_py() == len(column))
        value = np.full(len(size), _FNV_OFFSET, dtype=np.uint64)
        uniform = piece.uniform(longest) if longest else None
        if uniform is not None and len(uniform) == len(size):
            for j in range(longest):  # every value as long: columns of a view
                value ^= uniform[:, j]
                value *= _FNV_PRIME
        else:
            starts = piece.offsets[:-1]
            for j in range(longest):
                has = np.flatnonzero(size > j)
                byte = np.zeros(len(size), dtype=np.uint64)
                byte[has] = piece.data[starts[has] + j]
                value ^= byte
                value *= _FNV_PRIME
        value ^= size.astype(np.uint64)
        hashes[piece.start : piece.start + len(size)] = value
    hashes.sort()
    if not (hashes[1:] == hashes[:-1]).any():
        return True
    return bool(pc.count_distinct(column).as_py() == len(column))


def has_byte(column: Column, byte: int) -> bool:
    """Whether any value of a plain string column holds the byte."""
    for piece in pieces(column):
        start, stop = int(piece.offsets[0]), int(piece.offsets[-1])
        if stop > start and bool((piece.data[start:stop] == byte).any()):
            return True
    return False


# The pool to restore, then one entry per block using the system allocator
# (blocks may overlap in threads: the first switches, the last switches back).
_POOL_LOCK = threading.Lock()
_POOL_USERS: list[Any] = []


@contextlib.contextmanager
def system_allocator() -> Iterator[None]:
    """Let Arrow allocate from the system allocator while the block runs.

    Arrow's own pool keeps freed memory for Arrow alone, while numpy allocates
    from the system, so a large one-shot read would hold both; one allocator
    lets each reuse what the other freed. Buffers remember their pool, so the
    arrays made inside are freed correctly later.
    """
    with _POOL_LOCK:
        if not _POOL_USERS:
            _POOL_USERS.append(pa.default_memory_pool())
            pa.set_memory_pool(pa.system_memory_pool())
        _POOL_USERS.append(None)
    try:
        yield
    finally:
        with _POOL_LOCK:
            _POOL_USERS.pop()
            if len(_POOL_USERS) == 1:
                pa.set_memory_pool(_POOL_USERS.pop())
