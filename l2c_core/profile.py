"""The company profile: the figures a prospect may enter for dollar sizing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

# Target keys that are not stage numbers.
NAMED_TARGETS = ("win_rate", "cycle_days", "avg_deal_size")
_FIELDS = (
    "company",
    "currency",
    "annual_new_arr",
    "pipeline_by_stage",
    "conversion",
    "targets",
    "win_rate",
    "avg_deal_size",
    "cycle_days",
    "engagement_cost",
    "reporting_currency",
    "fx_rates",
)


class Profile(BaseModel):
    """A validated profile; a field the prospect did not give (or gave wrong) is None.

    Money is in ``currency`` (or ``reporting_currency`` when exports are converted
    with ``fx_rates``); rates are fractions 0-1; stages are numbered 1…n.
    """

    model_config = ConfigDict(frozen=True)

    company: str | None = None
    currency: str = "USD"
    annual_new_arr: float | None = None
    pipeline_by_stage: dict[int, float] = {}
    conversion: dict[int, float] = {}
    target_conversion: dict[int, float] = {}
    target_win_rate: float | None = None
    target_cycle_days: float | None = None
    target_avg_deal_size: float | None = None
    win_rate: float | None = None
    avg_deal_size: float | None = None
    cycle_days: float | None = None
    engagement_cost: float | None = None
    reporting_currency: str | None = None
    fx_rates: dict[str, float] = {}


class ProfileIssue(BaseModel):
    """A profile field that was left out, and why, in one sentence."""

    model_config = ConfigDict(frozen=True)

    field: str
    message: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _stage(key: Any) -> int | None:
    try:
        stage = int(str(key))
    except ValueError:
        return None
    return stage if stage >= 1 and str(stage) == str(key).strip() else None


def parse_profile(raw: Mapping[str, Any]) -> tuple[Profile, list[ProfileIssue]]:
    """Validate a profile field by field, keeping what is valid.

    A bad field (a rate outside 0-1, a negative amount, a target worse than the
    current value, a stage the pipeline does not have, a currency without a rate)
    is dropped with a sentence naming it, so figures that do not depend on it
    are still computed.

    Args:
        raw: the profile as JSON-like data, with the keys of the documented
            contract (``company``, ``currency``, ``annual_new_arr``,
            ``pipeline_by_stage``, ``conversion``, ``targets``, ``win_rate``,
            ``avg_deal_size``, ``cycle_days``, ``engagement_cost``,
            ``reporting_currency``, ``fx_rates``).

    Returns:
        The profile and the issues found.
    """
    issues: list[ProfileIssue] = []
    values: dict[str, Any] = {}

    def issue(field: str, message: str) -> None:
        issues.append(ProfileIssue(field=field, message=message))

    for key in raw:
        if key not in _FIELDS:
            issue(key, f"Profile field {key!r} is not known and was ignored.")

    if isinstance(raw.get("company"), str) and raw["company"].strip():
        values["company"] = raw["company"].strip()
    for key in ("currency", "reporting_currency"):
        if key in raw:
            code = raw[key]
            if (
                isinstance(code, str)
                and len(code.strip()) == 3
                and code.strip().isalpha()
            ):
                values[key] = code.strip().upper()
            else:
                issue(key, f"{key} must be a three-letter currency code such as USD.")

    for key in ("annual_new_arr", "avg_deal_size", "engagement_cost"):
        if key in raw:
            number = _number(raw[key])
            if number is None or number < 0:
                issue(key, f"{key} must be a number of at least 0; it was left out.")
            else:
                values[key] = number
    if "cycle_days" in raw:
        number = _number(raw["cycle_days"])
        if number is None or number <= 0:
            issue("cycle_days", "cycle_days must be a number of days above 0.")
        else:
            values["cycle_days"] = number
    if "win_rate" in raw:
        number = _number(raw["win_rate"])
        if number is None or not 0 <= number <= 1:
            issue(
                "win_rate", "win_rate must be a rate between 0 and 1 (0.25 for 25 %)."
            )
        else:
            values["win_rate"] = number

    pipeline: dict[int, float] = {}
    if "pipeline_by_stage" in raw:
        if not isinstance(raw["pipeline_by_stage"], Mapping):
            issue(
                "pipeline_by_stage",
                "pipeline_by_stage must map stage numbers to values.",
            )
        else:
            for key, value in raw["pipeline_by_stage"].items():
                stage, number = _stage(key), _number(value)
                if stage is None:
                    issue(
                        f"pipeline_by_stage.{key}",
                        f"Stage {key!r} is not a stage number.",
                    )
                elif number is None or number < 0:
                    issue(
                        f"pipeline_by_stage.{key}",
                        f"pipeline_by_stage.{key} must be a value of at least 0.",
                    )
                else:
                    pipeline[stage] = number
    values["pipeline_by_stage"] = pipeline

    conversion: dict[int, float] = {}
    if "conversion" in raw:
        if not isinstance(raw["conversion"], Mapping):
            issue("conversion", "conversion must map stage numbers to rates.")
        else:
            for key, value in raw["conversion"].items():
                stage, number = _stage(key), _number(value)
                where = f"conversion.{key}"
                if stage is None:
                    issue(where, f"Stage {key!r} is not a stage number.")
                elif number is None or not 0 <= number <= 1:
                    issue(where, f"{where} must be a rate between 0 and 1.")
                elif pipeline and stage not in pipeline:
                    issue(
                        where,
                        f"{where} names stage {stage}, which pipeline_by_stage "
                        "does not have.",
                    )
                else:
                    conversion[stage] = number
    values["conversion"] = conversion

    targets = raw.get("targets", {})
    target_conversion: dict[int, float] = {}
    if not isinstance(targets, Mapping):
        issue(
            "targets",
            "targets must map stage numbers (or win_rate, cycle_days, "
            "avg_deal_size) to target values.",
        )
        targets = {}
    for key, value in targets.items():
        where, number = f"targets.{key}", _number(value)
        if key in NAMED_TARGETS:
            current = values.get(key)
            if number is None or number < 0 or (key == "win_rate" and number > 1):
                issue(where, f"{where} must be a valid {key.replace('_', ' ')}.")
            elif key == "cycle_days" and (
                number <= 0 or (current and number > current)
            ):
                issue(
                    where,
                    f"{where} ({number:g}) is longer than the current cycle "
                    f"({current:g} days); a target must be an improvement.",
                )
            elif key != "cycle_days" and current is not None and number < current:
                issue(
                    where,
                    f"{where} ({number:g}) is below the current {key} "
                    f"({current:g}); a target must be an improvement.",
                )
            else:
                values[f"target_{key}"] = number
            continue
        stage = _stage(key)
        if stage is None:
            issue(
                where,
                f"Target {key!r} is neither a stage number nor one of "
                f"{', '.join(NAMED_TARGETS)}.",
            )
        elif number is None or not 0 <= number <= 1:
            issue(where, f"{where} must be a conversion rate between 0 and 1.")
        elif pipeline and stage not in pipeline:
            issue(
                where,
                f"{where} names stage {stage}, which pipeline_by_stage does not have.",
            )
        elif stage in conversion and number < conversion[stage]:
            issue(
                where,
                f"{where} ({number:.0%}) is below the current conversion "
                f"({conversion[stage]:.0%}); a target must be an improvement.",
            )
        else:
            target_conversion[stage] = number
    values["target_conversion"] = target_conversion

    rates: dict[str, float] = {}
    if "fx_rates" in raw:
        if not isinstance(raw["fx_rates"], Mapping):
            issue("fx_rates", "fx_rates must map currency codes to rates.")
        else:
            for code, value in raw["fx_rates"].items():
                number = _number(value)
                if number is None or number <= 0:
                    issue(
                        f"fx_rates.{code}", f"fx_rates.{code} must be a rate above 0."
                    )
                else:
                    rates[str(code).upper()] = number
    values["fx_rates"] = rates
    return Profile(**values), issues
