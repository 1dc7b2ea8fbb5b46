"""The company profile: each bad field is named and dropped, the rest kept."""

from __future__ import annotations

from typing import Any

import pytest

from l2c_core.profile import parse_profile

GOOD: dict[str, Any] = {
    "company": "Zoë Müller & Co",
    "currency": "eur",
    "annual_new_arr": 8_000_000,
    "pipeline_by_stage": {"1": 60e6, "2": 30e6},
    "conversion": {"1": 0.5, "2": 0.38},
    "targets": {"2": 0.5, "win_rate": 0.3, "cycle_days": 80},
    "win_rate": 0.24,
    "avg_deal_size": 32_000,
    "cycle_days": 96,
    "engagement_cost": 200_000,
}


def test_parse_profile_valid_profile_has_no_issues() -> None:
    profile, issues = parse_profile(GOOD)
    assert issues == []
    assert profile.currency == "EUR"
    assert profile.pipeline_by_stage == {1: 60e6, 2: 30e6}
    assert profile.target_conversion == {2: 0.5}
    assert profile.target_win_rate == 0.3
    assert profile.target_cycle_days == 80


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"win_rate": 1.4}, "win_rate"),
        ({"conversion": {"1": 0.5, "2": -0.1}}, "conversion.2"),
        ({"annual_new_arr": -5}, "annual_new_arr"),
        ({"targets": {"2": 0.3}}, "targets.2"),  # below the current 38 %
        ({"targets": {"cycle_days": 120}}, "targets.cycle_days"),  # longer than 96
        ({"targets": {"win_rate": 0.1}}, "targets.win_rate"),
        ({"conversion": {"1": 0.5, "2": 0.38, "7": 0.2}}, "conversion.7"),
        ({"targets": {"9": 0.6}}, "targets.9"),
        ({"fx_rates": {"SEK": 0}}, "fx_rates.SEK"),
        ({"currency": "dollars"}, "currency"),
        ({"avg_deal_size": "big"}, "avg_deal_size"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_parse_profile_bad_field_is_named_and_dropped(
    change: dict[str, Any], field: str
) -> None:
    profile, issues = parse_profile({**GOOD, **change})
    assert [i.field for i in issues] == [field]
    assert field.split(".")[-1] in issues[0].message
    # Everything else survives.
    assert profile.annual_new_arr == (
        GOOD["annual_new_arr"] if field != "annual_new_arr" else None
    )
    assert profile.avg_deal_size == (32_000 if field != "avg_deal_size" else None)


def test_parse_profile_missing_fields_are_simply_absent() -> None:
    profile, issues = parse_profile({"company": "Acme"})
    assert issues == []
    assert profile.win_rate is None and profile.pipeline_by_stage == {}
