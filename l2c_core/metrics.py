"""Funnel metrics of the audited records and dollar totals of the year (DESIGN §6).

Win rate, average won deal per currency, median sales cycle, pipeline velocity
and stage-to-stage conversion, each with the number of records behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from l2c_core import frames
from l2c_core.audit import Metrics, StageConversion, Totals

LOOKBACK_DAYS = 365


def _currencies(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each record's index into the currency names ("unknown" where none)."""
    codes, values = frames.codes_and_values(frame["currency"])
    names = [v or "unknown" for v in values]
    unique = list(dict.fromkeys(names))
    remap = np.array([unique.index(n) for n in names] + [0], dtype=np.int32)
    return remap[codes] if len(codes) else codes, unique


def _per_currency(
    codes: np.ndarray, names: list[str], weights: np.ndarray | None = None
) -> dict[str, float]:
    """Sums (or counts) per currency, for the currencies present, by name."""
    counts = np.bincount(codes, minlength=len(names))
    sums = (
        counts
        if weights is None
        else np.bincount(codes, weights=weights, minlength=len(names))
    )
    return {
        names[i]: float(sums[i])
        for i in sorted(range(len(names)), key=names.__getitem__)
        if counts[i]
    }


def funnel_metrics(
    frame: pd.DataFrame,
    *,
    has_history: bool,
    stage_order: Mapping[str, str],
    stage_numbers: Mapping[tuple[str, str], int] | None = None,
) -> Metrics:
    """Win rate, deal size, cycle, velocity and conversion of the audited records."""
    won = frames.equals(frame["outcome"], "won")
    is_open = frames.equals(frame["outcome"], "open")
    closed = int((~is_open).sum())
    win_rate = int(won.sum()) / closed if closed else None
    currency, names = _currencies(frame)
    amount = frame["amount"].to_numpy()
    # A negative amount is a data error (flagged by the reader), not a deal size.
    priced = won & ~np.isnan(amount) & (amount >= 0)
    sums = _per_currency(currency[priced], names, amount[priced])
    behind = {k: int(v) for k, v in _per_currency(currency[priced], names).items()}
    averages = {k: sums[k] / behind[k] for k in sums}
    created = frames.days(frame["created_date"])[won]
    close = frames.days(frame["close_date"])[won]
    usable = (created != frames.NODAY) & (close != frames.NODAY)
    usable[usable] = close[usable] >= created[usable]
    cycles = close[usable].astype(np.int64) - created[usable]
    median_cycle = float(np.median(cycles)) if len(cycles) else None
    velocity: dict[str, float] = {}
    velocity_records: dict[str, int] = {}
    if win_rate is not None and median_cycle:
        open_counts = np.bincount(currency[is_open], minlength=len(names))
        for name, average in averages.items():
            count = int(open_counts[names.index(name)])
            velocity[name] = count * win_rate * average / median_cycle
            velocity_records[name] = count
    return Metrics(
        win_rate=win_rate,
        win_rate_records=closed,
        avg_won_amount=averages,
        avg_won_records=behind,
        velocity=velocity,
        velocity_records=velocity_records,
        median_cycle_days=median_cycle,
        cycle_records=len(cycles),
        stage_conversion=stage_conversion(
            frame, has_history, stage_order, stage_numbers or {}
        ),
        stage_order=dict(stage_order),
    )


def stage_conversion(
    frame: pd.DataFrame,
    has_history: bool,
    stage_order: Mapping[str, str],
    stage_numbers: Mapping[tuple[str, str], int],
) -> tuple[StageConversion, ...]:
    """Conversion from each numbered open stage to the next, per pipeline.

    Reached k+1 ÷ reached k, counting only records no longer sitting at k.
    """
    rows: list[StageConversion] = []
    if not stage_order or not len(frame):
        return ()
    codes, pipelines = frames.codes_and_values(frame["pipeline"])
    reached_all = frame["reached"].to_numpy()
    current_all = frame["stage_number"].to_numpy()
    sitting_all = frames.equals(frame["outcome"], "open")
    sizes = np.bincount(codes, minlength=len(pipelines))
    order = sorted(
        (i for i, p in enumerate(pipelines) if p in stage_order and sizes[i]),
        key=lambda i: (-int(sizes[i]), pipelines[i]),
    )
    for index in order:
        name = pipelines[index]
        group = codes == index
        reached, current = reached_all[group], current_all[group]
        sitting = sitting_all[group]
        names = {k: s for (p, s), k in stage_numbers.items() if p == name}
        estimated = not has_history or stage_order[name] in ("name", "probability")
        top = int(reached.max()) if len(reached) else 0
        for k in range(1, top):
            moved = (reached >= k) & ~(sitting & (current == k))
            records = int(moved.sum())
            onward = int((moved & (reached >= k + 1)).sum())
            rows.append(
                StageConversion.model_validate(
                    {
                        "from": names.get(k, str(k)),
                        "to": names.get(k + 1, str(k + 1)),
                        "rate": onward / records if records else None,
                        "records": records,
                        "estimated": estimated,
                        "pipeline": name,
                        "from_number": k,
                        "to_number": k + 1,
                        "reached": onward,
                    }
                )
            )
    return tuple(rows)


def totals(frame: pd.DataFrame, as_of: dt.date) -> Totals:
    """Won and closed amounts and counts per currency, closed in the year to as_of."""
    start = as_of - dt.timedelta(days=LOOKBACK_DAYS)
    close = frames.days(frame["close_date"])
    won = frames.equals(frame["outcome"], "won")
    lost = frames.equals(frame["outcome"], "lost")
    with np.errstate(invalid="ignore"):
        window = (
            (close != frames.NODAY)
            & (close > frames.day(start))
            & (close <= frames.day(as_of))
            & (won | lost)
        )
    currency, names = _currencies(frame)
    amount = frame["amount"].to_numpy()
    won_window = window & won
    return Totals(
        start=start,
        end=as_of,
        won_amount=_per_currency(
            currency[won_window], names, np.nan_to_num(amount[won_window])
        ),
        closed_amount=_per_currency(
            currency[window], names, np.nan_to_num(amount[window])
        ),
        won_count={
            k: int(v) for k, v in _per_currency(currency[won_window], names).items()
        },
        closed_count={
            k: int(v) for k, v in _per_currency(currency[window], names).items()
        },
        records=int(window.sum()),
    )
