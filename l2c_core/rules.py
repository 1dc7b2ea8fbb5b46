"""The six record rules (DESIGN section 5) as boolean masks, and why records fail.

Each rule gives, per audited record, whether it applies and whether it
passes; ``reasons`` says in one plain sentence per record why it failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from l2c_core import frames
from l2c_core.records import Records

MAX_CLOSE_AHEAD_DAYS = 730
RULES = (
    "stage_timestamps",
    "close_date",
    "next_step",
    "champion",
    "competitor",
    "loss_reason",
)
# The field a rule inspects, as "no <field> in this export" names it.
RULE_FIELDS = {
    "stage_timestamps": "stage-change date or stage history",
    "close_date": "close date",
    "next_step": "next step",
    "champion": "champion or contact role",
    "competitor": "competitor",
    "loss_reason": "loss reason",
}
# How the UI and the report name each rule.
RULE_NAMES = {
    "stage_timestamps": "Stage change time-stamped",
    "close_date": "Close date consistent",
    "next_step": "Next step recorded",
    "champion": "Champion with role, 2+ contacts",
    "competitor": "Competitor recorded",
    "loss_reason": "Loss reason in taxonomy",
}


@dataclass(frozen=True)
class RuleMask:
    """One rule over the audited records: where it applies and where it passes."""

    applies: np.ndarray
    passes: np.ndarray
    missing: bool

    @property
    def fails(self) -> np.ndarray:
        """Records the rule applies to and that do not pass it."""
        return np.asarray(self.applies & ~self.passes, dtype=bool)


def missing_fields(records: Records) -> dict[str, bool]:
    """Per rule, whether the export lacks the rule's own field altogether."""
    mapping, evidence = records.mapping, records.evidence
    return {
        "stage_timestamps": "last_stage_change" not in mapping
        and evidence.history_rows == 0
        and not records.stage_entered_columns,
        "close_date": "close_date" not in mapping,
        "next_step": "next_step" not in mapping,
        "champion": "champion" not in mapping
        and "contact_count" not in mapping
        and not len(evidence.contacts),
        "competitor": "competitor" not in mapping and not len(evidence.competitors),
        "loss_reason": "loss_reason" not in mapping,
    }


def _day(value: dt.date) -> int:
    return frames.day(value)


def evaluate(
    frame: pd.DataFrame, records: Records, as_of: dt.date, taxonomy: Iterable[str]
) -> dict[str, RuleMask]:
    """Apply the six rules to the audited records."""
    n = len(frame)
    every = np.ones(n, dtype=bool)
    is_open = frames.equals(frame["outcome"], "open")
    lost = frames.equals(frame["outcome"], "lost")
    missing = missing_fields(records)

    stamped = (
        (frames.days(frame["last_stage_change"]) != frames.NODAY)
        | (frames.days(frame["stage_entered"]) != frames.NODAY)
        | frame["history_current"].to_numpy()
    )
    close = frames.days(frame["close_date"])
    created = frames.days(frame["created_date"])
    day = _day(as_of)
    latest = _day(as_of + dt.timedelta(days=MAX_CLOSE_AHEAD_DAYS))
    readable = frames.isin(frame["close_date_status"], ("ok", "serial"))
    with np.errstate(invalid="ignore"):
        close_ok = (
            (close != frames.NODAY)
            & readable
            & ~((created != frames.NODAY) & (close < created))
            & ~(close > latest)
            & ~(~is_open & (close > day))
            & ~(is_open & (close < day))
        )
    roles = frame["contact_roles"].to_numpy()
    contact_rows = frame["contact_rows"].to_numpy()
    given = frame["contact_count"].to_numpy(dtype=np.int32, na_value=-1)
    counts = np.where(given < 0, contact_rows, given)
    champion = (
        (frames.nonblank(frame["champion"]) | (contact_rows > 0))
        & (frames.nonblank(frame["champion_role"]) | (roles > 0))
        & (counts >= 2)
    )
    competitor = frames.nonblank(frame["competitor"]) | (
        frame["competitor_rows"].to_numpy() > 0
    )
    allowed = {reason.strip().lower() for reason in taxonomy}
    reason = frame["loss_reason"]
    listed = frames.by_value(reason, lambda v: v.lower() in allowed)
    masks = {
        "stage_timestamps": (every, stamped),
        "close_date": (every, close_ok),
        "next_step": (is_open, frames.nonblank(frame["next_step"])),
        "champion": (every, champion),
        "competitor": (every, competitor),
        "loss_reason": (lost | frames.nonblank(reason), lost & listed),
    }
    return {
        rule: RuleMask(
            applies=applies,
            passes=np.zeros(n, dtype=bool) if missing[rule] else passes,
            missing=missing[rule],
        )
        for rule, (applies, passes) in masks.items()
    }


def reasons(
    frame: pd.DataFrame, rule: str, mask: RuleMask, as_of: dt.date
) -> pd.Series:
    """One plain sentence per failing record saying why it fails ``rule``."""
    rows = np.flatnonzero(mask.fails)
    part = frame.iloc[rows]
    if mask.missing:
        return pd.Series(
            [f"no {RULE_FIELDS[rule]} in this export"] * len(rows), index=part.index
        )
    sentence = {
        "stage_timestamps": _stage_reasons,
        "close_date": _close_reasons,
        "next_step": lambda f, a: ["the record is open and has no next step"] * len(f),
        "champion": _champion_reasons,
        "competitor": lambda f, a: ["no competitor is recorded"] * len(f),
        "loss_reason": _loss_reasons,
    }[rule]
    return pd.Series(list(sentence(part, as_of)), index=part.index, dtype=object)


def _stage_reasons(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    return [
        f"the entry into its current stage {stage!r} is not time-stamped (no "
        "stage-change date, date-entered column or history row)"
        for stage in frames.texts(frame["stage"])
    ]


def _close_reasons(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    close_raw = frames.days(frame["close_date"])
    created_raw = frames.days(frame["created_date"])
    close, created = frames.iso_days(close_raw), frames.iso_days(created_raw)
    day, latest = _day(as_of), _day(as_of + dt.timedelta(days=MAX_CLOSE_AHEAD_DAYS))
    found = []
    for i, (status, text, outcome) in enumerate(
        zip(
            frames.texts(frame["close_date_status"]),
            frames.texts(frame["close_text"]),
            frames.texts(frame["outcome"]),
            strict=True,
        )
    ):
        if status == "missing":
            found.append("the close date is blank")
        elif status == "invalid":
            found.append(f"close date `{text}` cannot be read as a date")
        elif status == "placeholder":
            found.append(f"close date {close[i]} is a placeholder, not a real date")
        elif created_raw[i] != frames.NODAY and close_raw[i] < created_raw[i]:
            found.append(
                f"close date {close[i]} is before the created date {created[i]}"
            )
        elif close_raw[i] > latest:
            found.append(
                f"close date {close[i]} is more than {MAX_CLOSE_AHEAD_DAYS} days "
                f"after the as-of date {as_of.isoformat()}"
            )
        elif outcome != "open" and close_raw[i] > day:
            found.append(
                f"close date {close[i]} is after the as-of date {as_of.isoformat()} "
                f"but the record is {outcome}"
            )
        else:
            found.append(
                f"close date {close[i]} is before the as-of date {as_of.isoformat()} "
                "but the record is open"
            )
    return found


def _champion_reasons(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    found = []
    counts = frame["contact_count"].astype("Float64")
    for champion, role, rows, roles, count in zip(
        frames.texts(frame["champion"]),
        frames.texts(frame["champion_role"]),
        frame["contact_rows"],
        frame["contact_roles"],
        counts,
        strict=True,
    ):
        contacts = int(rows) if pd.isna(count) else int(count)
        parts = []
        if not champion and not rows:
            parts.append("no champion or primary contact is named")
        elif not role and not roles:
            parts.append("the champion has no role")
        if contacts < 2:
            parts.append(
                f"the opportunity has {contacts} contact{'s' if contacts != 1 else ''}"
                ", fewer than two"
            )
        found.append(" and ".join(parts))
    return found


def _loss_reasons(frame: pd.DataFrame, as_of: dt.date) -> list[str]:
    found = []
    for outcome, reason in zip(
        frames.texts(frame["outcome"]), frames.texts(frame["loss_reason"]), strict=True
    ):
        if outcome != "lost":
            found.append(f"the record is {outcome} but carries loss reason `{reason}`")
        elif not reason:
            found.append("the record is lost but has no loss reason")
        else:
            found.append(f"loss reason `{reason}` is not in the loss-reason taxonomy")
    return found
