"""Column helpers for the records frame, without turning columns into Python strings.

Text columns of the frame are categoricals (columns that repeat few values) or
Arrow-backed strings; these helpers answer questions about them per distinct
value or with Arrow, as numpy arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from l2c_core import arrays


def _is_categorical(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def arrow(series: pd.Series) -> Any:
    """The Arrow array under a text column."""
    if _is_categorical(series):
        codes, values = codes_and_values(series)
        return arrays.dictionary(np.where(codes < 0, 0, codes), values or [""])
    if isinstance(series.dtype, pd.ArrowDtype) or hasattr(
        series.array, "__arrow_array__"
    ):
        return series.array.__arrow_array__()
    return arrays.chunked(pa.array([str(v) for v in series.tolist()], pa.string()))


def codes_and_values(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's index into the column's distinct values, and those values."""
    if _is_categorical(series):
        return series.cat.codes.to_numpy(), [str(v) for v in series.cat.categories]
    values, codes = arrays.encoded(arrow(series))
    return codes, values


def by_value(series: pd.Series, test: Callable[[str], bool]) -> np.ndarray:
    """A bool per row from a test run once per distinct value."""
    codes, values = codes_and_values(series)
    if not len(codes):
        return np.zeros(0, dtype=bool)
    passing = np.array([bool(test(v)) for v in values] + [False], dtype=bool)
    return np.asarray(passing[codes], dtype=bool)


def nonblank(series: pd.Series) -> np.ndarray:
    """Rows whose (trimmed) text is not empty."""
    if _is_categorical(series):
        return by_value(series, lambda v: v != "")
    return arrays.mask(pc.not_equal(pc.utf8_length(arrow(series)), 0))


def equals(series: pd.Series, value: str) -> np.ndarray:
    """Rows whose text is ``value``."""
    if _is_categorical(series):
        return by_value(series, lambda v: v == value)
    return arrays.mask(pc.equal(arrow(series), value))


def isin(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Rows whose text is one of ``values``."""
    wanted = set(values)
    return by_value(series, lambda v: v in wanted)


def present(series: pd.Series) -> list[str]:
    """The distinct values the column holds (in the order of its values list)."""
    codes, values = codes_and_values(series)
    if not len(codes):
        return []
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    return [v for v, c in zip(values, counts.tolist(), strict=True) if c]


def texts(series: pd.Series) -> list[str]:
    """The column as Python strings (for small parts of a frame)."""
    codes, values = codes_and_values(series)
    table = np.array([*values, ""], dtype=object)
    return [str(v) for v in table[codes].tolist()]


NODAY = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)


def day(value: dt.date) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return (value - _EPOCH).days


def date_of(number: int) -> dt.date:
    """A day number as a date."""
    return _EPOCH + dt.timedelta(days=int(number))


def days(series: pd.Series) -> np.ndarray:
    """A date column as int32 day numbers, ``NODAY`` where there is no date."""
    if isinstance(series.dtype, pd.ArrowDtype):
        column = series.array.__arrow_array__()
        if column.num_chunks == 0:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate(
            [pc.fill_null(c.cast(pa.int32()), NODAY).to_numpy() for c in column.chunks]
        )
    values = np.asarray(series.to_numpy(), dtype="datetime64[D]")
    return np.where(np.isnat(values), NODAY, values.view(np.int64)).astype(np.int32)


def iso_days(numbers: np.ndarray) -> list[str]:
    """Day numbers as ``YYYY-MM-DD`` ("" where no date), for small arrays."""
    text = np.datetime_as_string(numbers.astype("datetime64[D]"), unit="D")
    return ["" if n == NODAY else str(t) for n, t in zip(numbers, text, strict=True)]


def date_series(values: np.ndarray) -> pd.Series:
    """Days (``datetime64``, NaT where none) as an Arrow ``date32`` column."""
    days_ = np.asarray(values, dtype="datetime64[D]")
    missing = np.isnat(days_)
    array = pa.array(
        days_.view(np.int64).astype(np.int32), pa.int32(), mask=missing
    ).cast(pa.date32())
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([array])))


def categorical(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    """A categorical column from codes into a fixed list of values."""
    return pd.Categorical.from_codes(
        np.asarray(codes), categories=pd.Index(list(categories), dtype="str")
    )
