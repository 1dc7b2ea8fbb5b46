"""Tests of the demo Opportunity export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from l2c_core.demo import demo_file_name, demo_opportunities, salesforce_id

STAGES = {
    "Prospecting": "open",
    "Qualification": "open",
    "Needs Analysis": "open",
    "Value Proposition": "open",
    "Id. Decision Makers": "open",
    "Perception Analysis": "open",
    "Proposal/Price Quote": "open",
    "Negotiation/Review": "open",
    "Closed Won": "won",
    "Closed Lost": "lost",
}
FLAGS = {"open": ("0", "0"), "won": ("1", "1"), "lost": ("1", "0")}


def checksum(id15: str) -> str:
    """Salesforce's case-safe suffix, written independently of l2c_core."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        value = 0
        for position, char in enumerate(chunk):
            if char.isascii() and char.isupper():
                value |= 1 << position
        suffix += alphabet[value]
    return suffix


def parse(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture(scope="module", name="records")
def fixture_records() -> list[dict[str, str]]:
    return parse(demo_opportunities())


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("0065g00000AbCdE", "0065g00000AbCdEAAV"),
        ("0015g00000XyZab", "0015g00000XyZabAAF"),
    ],
)
def test_checksum_known_pairs_match(id15: str, id18: str) -> None:
    assert id15 + checksum(id15) == id18


@pytest.mark.parametrize(
    ("prefix", "body", "id18"),
    [
        ("0065g00000", "AbCdE", "0065g00000AbCdEAAV"),
        ("0015g00000", "XyZab", "0015g00000XyZabAAF"),
    ],
)
def test_salesforce_id_known_pairs_match(prefix: str, body: str, id18: str) -> None:
    base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    number = 0
    for char in body:
        number = number * 62 + base62.index(char)
    assert salesforce_id(prefix, number) == id18


def test_salesforce_id_number_too_large_raises() -> None:
    with pytest.raises(ValueError):
        salesforce_id("0065g00000", 62**5)


def test_demo_file_name_is_opportunity_csv() -> None:
    assert demo_file_name() == "demo-Opportunity.csv"


def test_demo_opportunities_same_seed_identical_bytes() -> None:
    assert demo_opportunities(seed=7) == demo_opportunities(seed=7)


def test_demo_opportunities_other_seed_different_bytes() -> None:
    assert demo_opportunities(seed=1) != demo_opportunities(seed=2)


def test_demo_opportunities_quoted_lf_utf8_without_bom() -> None:
    data = demo_opportunities(rows=50)
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    assert "\r" not in text
    assert text.startswith('"Id","AccountId","Name","StageName",')
    assert all(
        line.startswith('"') and line.endswith('"') for line in text.split("\n")[:-1]
    )


@pytest.mark.parametrize("rows", [1, 37, 600])
def test_demo_opportunities_row_count_as_asked(rows: int) -> None:
    assert len(parse(demo_opportunities(rows=rows))) == rows


def test_demo_ids_unique_18_chars_valid_checksum(records: list[dict[str, str]]) -> None:
    ids = [r["Id"] for r in records]
    assert len(set(ids)) == len(ids)
    for column, prefix in (("Id", "006"), ("AccountId", "001"), ("OwnerId", "005")):
        for value in (r[column] for r in records):
            assert len(value) == 18 and value.startswith(prefix)
            assert value[15:] == checksum(value[:15]), value


def test_demo_accounts_and_owners_reused(records: list[dict[str, str]]) -> None:
    assert len({r["AccountId"] for r in records}) < len(records) / 2
    assert len({r["OwnerId"] for r in records}) == 8


def test_demo_closed_and_won_flags_match_stage(records: list[dict[str, str]]) -> None:
    for r in records:
        assert (r["IsClosed"], r["IsWon"]) == FLAGS[STAGES[r["StageName"]]], r["Id"]


def test_demo_lost_deals_closed_and_not_won(records: list[dict[str, str]]) -> None:
    lost = [r for r in records if r["StageName"] == "Closed Lost"]
    assert lost
    assert all(r["IsClosed"] == "1" and r["IsWon"] == "0" for r in lost)


def test_demo_outcome_shares_like_mid_market_pipeline(
    records: list[dict[str, str]],
) -> None:
    outcomes = [STAGES[r["StageName"]] for r in records]
    for outcome, low, high in (("open", 0.25, 0.45), ("won", 0.15, 0.35)):
        assert low <= outcomes.count(outcome) / len(records) <= high


def test_demo_close_dates_iso(records: list[dict[str, str]]) -> None:
    for r in records:
        assert dt.date.fromisoformat(r["CloseDate"]).isoformat() == r["CloseDate"]


@pytest.mark.parametrize("as_of", [dt.date(2026, 11, 30), dt.date(2025, 2, 28)])
def test_demo_latest_modification_on_as_of(as_of: dt.date) -> None:
    records = parse(demo_opportunities(as_of=as_of))
    stamps = [r[c] for r in records for c in ("LastModifiedDate", "SystemModstamp")]
    latest = max(dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S") for s in stamps)
    modified = max(r["LastModifiedDate"] for r in records)
    assert latest.date() == as_of
    assert modified[:10] == as_of.isoformat()


def test_demo_open_blank_next_step_share_10_to_30_percent(
    records: list[dict[str, str]],
) -> None:
    open_records = [r for r in records if r["IsClosed"] == "0"]
    blank = [r for r in open_records if not r["NextStep"].strip()]
    assert 0.10 <= len(blank) / len(open_records) <= 0.30
