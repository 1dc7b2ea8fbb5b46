"""The six record rules, the sample, the clean rate and the funnel metrics.

Every expected value is worked out by hand from the small export below; the
comment on each record says which rules it fails at as_of 2026-06-30.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import random
import statistics

import pytest

from l2c_core.integrity import audit_files

AS_OF = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 1)
COLUMNS = [
    "Id",
    "Name",
    "StageName",
    "Amount",
    "CurrencyIsoCode",
    "CreatedDate",
    "CloseDate",
    "LastStageChangeDate",
    "NextStep",
    "IsClosed",
    "IsWon",
    "Primary Contact",
    "Contact Role",
    "Contact Count",
    "Competitor",
    "Loss Reason",
    "LastModifiedDate",
]


def _row(
    id_,
    stage,
    amount,
    currency,
    created,
    close,
    changed,
    next_step,
    closed,
    won,
    contact,
    role,
    count,
    competitor,
    reason,
    modified,
):
    return dict(
        zip(
            COLUMNS,
            [
                id_,
                f"Deal {id_}",
                stage,
                amount,
                currency,
                created,
                close,
                changed,
                next_step,
                closed,
                won,
                contact,
                role,
                count,
                competitor,
                reason,
                modified,
            ],
            strict=True,
        )
    )


W, L, P = ("Closed Won", "1", "1"), ("Closed Lost", "1", "0"), ("Prospecting", "0", "0")
RECORDS = [
    # R1 clean. Won, cycle 50 days.
    _row("0065g00000AbCdE", W[0], "1000", "USD", "2026-01-10", "2026-03-01",
         "2026-03-01", "", W[1], W[2], "Ann", "Economic Buyer", "3", "Rival", "",
         "2026-06-20"),
    # R2 fails stage_timestamps (no stage-change date) and champion (no role).
    # Won, cycle 60; "None" is a competitor answer.
    _row("006A2", W[0], "3000", "USD", "2026-02-01", "2026-04-02", "", "", W[1],
         W[2], "Ben", "", "2", "None", "", "2026-06-21"),
    # R3 fails champion (one contact) and competitor (blank). Won, cycle 30.
    _row("006A3", W[0], "2400", "EUR", "2026-03-01", "2026-03-31", "2026-03-31", "",
         W[1], W[2], "Cy", "Champion", "1", "", "", "2026-06-01"),
    # R4 clean. Lost with a listed reason.
    _row("006A4", L[0], "500", "USD", "2026-01-05", "2026-02-15", "2026-02-15", "",
         L[1], L[2], "Di", "User", "2", "Rival", "Price", "2026-06-02"),
    # R5 fails close_date (closed, closing after as_of) and loss_reason (unlisted).
    _row("006A5", L[0], "800", "USD", "2026-02-10", "2026-07-15", "2026-05-01", "",
         L[1], L[2], "Ed", "Buyer", "4", "Rival", "Too expensive", "2026-06-03"),
    # R6 fails close_date (before created); its reason matches after trimming.
    _row("006A6", L[0], "700", "USD", "2026-03-10", "2026-03-05", "2026-03-05", "",
         L[1], L[2], "Flo", "Buyer", "2", "Rival", "  lost TO competitor ",
         "2026-06-04"),
    # R7 clean. Open, closing ahead.
    _row("006A7", P[0], "5000", "USD", "2026-04-01", "2026-09-30", "2026-04-01",
         "Call CFO", P[1], P[2], "Gus", "Buyer", "2", "Rival", "", "2026-06-30"),
    # R8 fails close_date (open, date passed) and next_step (blank).
    _row("006A8", "Negotiation", "4000", "USD", "2026-05-01", "2026-06-15",
         "2026-05-01", "", P[1], P[2], "Hal", "Buyer", "2", "Rival", "", "2026-06-05"),
    # R9 fails close_date (more than 730 days ahead) and loss_reason (open with a
    # reason).
    _row("006A9", "Qualification", "1500", "USD", "2026-05-20", "2028-12-31",
         "2026-05-20", "Demo", P[1], P[2], "Ida", "Buyer", "2", "Rival", "Timing",
         "2026-06-06"),
    # R10 clean but created and closed more than 365 days before as_of: not in
    # the sample; with --all it is audited. Won, cycle 61.
    _row("006AA", W[0], "2500", "USD", "2025-03-01", "2025-05-01", "2025-05-01", "",
         W[1], W[2], "Jo", "Buyer", "2", "Rival", "", "2025-05-01"),
    # R11 is R1 again in its 18-character form, modified earlier: counted once.
    _row("0065g00000AbCdEAAV", W[0], "9999", "USD", "2026-01-10", "2026-03-01",
         "2026-03-01", "", W[1], W[2], "Ann", "Economic Buyer", "3", "Rival", "",
         "2026-06-01"),
    # R12 has a stage that is no name: unmapped, left out of the audited set.
    _row("006AC", "1048837210", "100", "USD", "2026-05-01", "2026-08-01",
         "2026-05-01", "Call", "", "", "Kim", "Buyer", "2", "Rival", "", "2026-06-10"),
]  # fmt: skip


def _csv(rows, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _audit(data: bytes | None = None, extra=(), **options):
    files = [("Opportunity.csv", _csv(RECORDS) if data is None else data), *extra]
    options.setdefault("as_of", AS_OF)
    return audit_files(files, today=TODAY, **options)


def _wilson(successes: int, total: int, z: float = 1.959963984540054):
    p = successes / total
    denominator = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denominator
    return centre - half, centre + half


def _without(*dropped):
    return _csv(RECORDS, [c for c in COLUMNS if c not in dropped])


# --- counts and rules ---------------------------------------------------------


def test_audit_records_deduplicated_and_unmapped_counted_apart():
    audit = _audit()
    assert audit.records == 11  # 12 rows, R11 is R1
    assert audit.audited == 9  # R10 too old, R12 unmapped
    assert audit.outcomes.model_dump() == {
        "open": 3,
        "won": 3,
        "lost": 3,
        "unmapped": 1,
    }
    duplicate = next(w for w in audit.warnings if w.code == "duplicate_id")
    assert duplicate.count == 1


def test_audit_rules_applicable_and_failed_by_hand():
    rules = {k: (v.applicable, v.failed) for k, v in _audit().rules.items()}
    assert rules == {
        "stage_timestamps": (9, 1),  # R2
        "close_date": (9, 4),  # R5, R6, R8, R9
        "next_step": (3, 1),  # open R7, R8, R9; R8 fails
        "champion": (9, 2),  # R2, R3
        "competitor": (9, 1),  # R3
        "loss_reason": (4, 2),  # lost R4-R6 and open R9; R5, R9 fail
    }
    assert all(r.missing_field is None for r in _audit().rules.values())


def test_audit_clean_rate_and_wilson_interval():
    audit = _audit()
    assert audit.clean_rate == pytest.approx(3 / 9)  # R1, R4, R7
    assert audit.clean_rate_present_fields == pytest.approx(3 / 9)
    low, high = audit.clean_rate_interval
    assert (low, high) == pytest.approx(_wilson(3, 9))
    assert (low, high) == pytest.approx((0.1206, 0.6458), abs=1e-4)


def test_audit_metrics_win_rate_deal_size_cycle_velocity():
    metrics = _audit().metrics
    assert metrics.win_rate == pytest.approx(3 / 6)
    assert metrics.win_rate_records == 6
    # R11's 9999 never counts: R1 is kept.
    assert metrics.avg_won_amount == {
        "EUR": pytest.approx(2400.0),
        "USD": pytest.approx(2000.0),
    }
    assert metrics.median_cycle_days == pytest.approx(50.0)  # 30, 50, 60
    assert metrics.cycle_records == 3
    # 3 open USD deals × 0.5 × 2000 ÷ 50 days
    assert metrics.velocity["USD"] == pytest.approx(60.0)


def test_audit_all_takes_every_mapped_record():
    audit = _audit(audit_all=True)
    assert audit.audited == 10
    assert audit.outcomes.won == 4
    assert audit.metrics.win_rate == pytest.approx(4 / 7)
    assert audit.metrics.median_cycle_days == pytest.approx(
        statistics.median([30, 50, 60, 61])
    )
    assert audit.clean_rate == pytest.approx(4 / 10)


def test_audit_later_modified_duplicate_version_wins():
    rows = [dict(r) for r in RECORDS]
    rows[10]["LastModifiedDate"] = "2026-06-29"  # R11 now newer than R1
    audit = _audit(_csv(rows))
    assert audit.records == 11
    assert audit.metrics.avg_won_amount["USD"] == pytest.approx((9999 + 3000) / 2)


def test_audit_custom_loss_reasons_replace_taxonomy():
    audit = _audit(loss_reasons=["Too expensive"])
    # R4 "Price" and R6 now fail; R5 passes; R9 is still open.
    assert audit.rules["loss_reason"].failed == 3


# --- fields missing from the export ----------------------------------------------


@pytest.mark.parametrize(
    ("dropped", "rule", "applicable", "text"),
    [
        (("NextStep",), "next_step", 3, "no next step in this export"),
        (("Competitor",), "competitor", 9, "no competitor in this export"),
        (("Loss Reason",), "loss_reason", 3, "no loss reason in this export"),
        (("CloseDate",), "close_date", 9, "no close date in this export"),
        (
            ("LastStageChangeDate",),
            "stage_timestamps",
            9,
            "no stage-change date or stage history in this export",
        ),
        (
            ("Primary Contact", "Contact Role", "Contact Count"),
            "champion",
            9,
            "no champion or contact role in this export",
        ),
    ],
)
def test_audit_field_absent_rule_fails_every_record_it_applies_to(
    dropped, rule, applicable, text
):
    result = _audit(_without(*dropped)).rules[rule]
    assert (result.applicable, result.failed) == (applicable, applicable)
    assert result.missing_field == text


def test_audit_missing_field_lowers_clean_rate_not_present_fields_rate():
    audit = _audit(_without("Competitor"))
    assert audit.clean_rate == 0.0
    # Without the competitor rule R3 still fails champion: R1, R4, R7 stay clean.
    assert audit.clean_rate_present_fields == pytest.approx(3 / 9)


def test_audit_header_only_related_file_counts_as_missing_field():
    competitors = b"Id,OpportunityId,CompetitorName\n"
    audit = _audit(
        _without("Competitor"), extra=[("OpportunityCompetitor.csv", competitors)]
    )
    assert audit.rules["competitor"].missing_field == "no competitor in this export"
    assert audit.rules["competitor"].failed == 9


def test_audit_related_files_supply_competitor_history_and_contacts():
    data = _without(
        "Competitor",
        "LastStageChangeDate",
        "Primary Contact",
        "Contact Role",
        "Contact Count",
    )
    competitors = (
        b"Id,OpportunityId,CompetitorName\n"
        b"C1,0065g00000AbCdEAAV,Rival\n"
        b"C2,006A2,Other\n"
    )
    history = (
        b"Id,OpportunityId,StageName,CreatedDate\n"
        b"H1,0065g00000AbCdEAAV,Closed Won,2026-03-01\n"
        b"H2,006A7,Prospecting,2026-04-01\n"
        b"H3,006A8,Prospecting,2026-05-01\n"  # R8 is now in Negotiation: no row
    )
    roles = (
        b"Id,OpportunityId,ContactId,Role\n"
        b"R1,0065g00000AbCdE,C1,Economic Buyer\n"
        b"R2,0065g00000AbCdE,C2,\n"
        b"R3,006A2,C3,User\n"
    )
    audit = _audit(
        data,
        extra=[
            ("OpportunityCompetitor.csv", competitors),
            ("OpportunityHistory.csv", history),
            ("OpportunityContactRole.csv", roles),
        ],
    )
    kinds = [f.kind for f in audit.files]
    assert kinds == ["opportunities", "competitors", "stage_history", "contact_roles"]
    # 18-character ids in related files join the 15-character record id.
    assert audit.rules["competitor"].failed == 9 - 2
    assert audit.rules["stage_timestamps"].failed == 9 - 2  # R1 and R7
    assert audit.rules["champion"].failed == 9 - 1  # R1: two contacts, a role


def test_audit_date_entered_stage_column_time_stamps_current_stage():
    entered = 'Date entered "Appointment Scheduled (Sales Pipeline)"'
    entered_won = 'Date entered "Closed Won (Sales Pipeline)"'
    columns = [
        "Record ID",
        "Deal Stage",
        "Close Date",
        entered,
        entered_won,
        "Pipeline",
    ]
    rows = [
        [
            "1",
            "Appointment Scheduled",
            "2026-09-01",
            "2026-05-01",
            "",
            "Sales Pipeline",
        ],
        ["2", "Closed Won", "2026-06-01", "2026-04-01", "", "Sales Pipeline"],
    ]
    data = _csv([dict(zip(columns, r, strict=True)) for r in rows], columns)
    audit = _audit(data)
    assert audit.rules["stage_timestamps"].missing_field is None
    assert audit.rules["stage_timestamps"].failed == 1  # record 2 never entered Won


# --- as_of -------------------------------------------------------------------------


def test_audit_as_of_inferred_from_last_modified():
    audit = audit_files([("Opportunity.csv", _csv(RECORDS))], today=TODAY)
    assert audit.as_of == dt.date(2026, 6, 30)  # R7's LastModifiedDate
    assert "LastModifiedDate" in audit.as_of_source
    assert not [w for w in audit.warnings if w.code.startswith("as_of")]


def test_audit_as_of_without_modification_column_latest_date_not_after_today():
    audit = audit_files(
        [("Opportunity.csv", _without("LastModifiedDate"))], today=TODAY
    )
    # Close dates after 2026-07-01 are ignored; the latest other date is R8's close.
    assert audit.as_of == dt.date(2026, 6, 15)
    assert any(w.code == "as_of_inferred" for w in audit.warnings)


# --- the 500-record sample ------------------------------------------------------------


def _population(seed=7):
    """600 eligible records (won, distinct amounts), 100 old closed, 10 old open."""
    rows = []
    for i in range(600):
        rows.append(
            _row(f"OPP-{i:04d}", W[0], str(100 + i), "USD", "2026-03-01", "2026-04-01",
                 "2026-04-01", "", W[1], W[2], "A", "B", "2",
                 "" if i % 7 == 0 else "Rival", "", "2026-06-30")
        )  # fmt: skip
    for i in range(100):
        rows.append(
            _row(f"OLD-{i:04d}", W[0], str(1_000_000 + i), "USD", "2024-01-01",
                 "2024-02-01", "2024-02-01", "", W[1], W[2], "A", "B", "2", "Rival", "",
                 "2024-02-01")
        )  # fmt: skip
    for i in range(10):
        rows.append(
            _row(f"OPEN-{i:04d}", P[0], "5", "USD", "2023-01-01", "2026-12-01",
                 "2023-01-01", "Call", P[1], P[2], "A", "B", "2", "Rival", "",
                 "2024-02-01")
        )  # fmt: skip
    return rows


def _expected_sample(ids, seed=0):
    return sorted(
        ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
    )[:500]


@pytest.fixture(name="population", scope="module")
def fixture_population():
    return _population()


@pytest.mark.parametrize("seed", [0, 1])
def test_sample_is_500_smallest_sha256_of_seed_and_id(population, seed):
    eligible = [r["Id"] for r in population if not r["Id"].startswith("OLD")]
    chosen = set(_expected_sample(eligible, seed))
    amounts = [
        int(r["Amount"])
        for r in population
        if r["Id"] in chosen and r["Id"].startswith("OPP")
    ]
    failing = sum(1 for r in population if r["Id"] in chosen and not r["Competitor"])
    opened = sum(
        1 for r in population if r["Id"] in chosen and r["Id"].startswith("OPEN")
    )
    audit = _audit(_csv(population), seed=seed)
    assert audit.records == 710
    assert audit.audited == 500
    assert audit.sampled
    assert audit.outcomes.open == opened
    assert audit.metrics.avg_won_amount["USD"] == pytest.approx(
        sum(amounts) / len(amounts)
    )
    assert audit.rules["competitor"].failed == failing


def test_sample_same_for_shuffled_row_order(population):
    shuffled = list(population)
    random.Random(3).shuffle(shuffled)
    first, second = _audit(_csv(population)), _audit(_csv(shuffled))
    assert second.metrics.avg_won_amount == first.metrics.avg_won_amount
    assert second.rules == first.rules
    assert second.outcomes == first.outcomes


def test_sample_old_closed_records_never_eligible(population):
    audit = _audit(_csv(population))
    # Any OLD record would add an amount above 1,000,000 to the average.
    assert audit.metrics.avg_won_amount["USD"] < 1000


def test_sample_all_takes_every_record(population):
    audit = _audit(_csv(population), audit_all=True)
    assert audit.audited == 710
    assert not audit.sampled


def test_sample_without_id_column_keys_on_row_number():
    rows = [
        {"Stage": "Closed Won", "Amount": str(i), "Close Date": "2026-05-01"}
        for i in range(1, 521)
    ]
    audit = _audit(_csv(rows, ["Stage", "Amount", "Close Date"]))
    chosen = _expected_sample([str(i) for i in range(1, 521)])  # row i holds amount i
    assert audit.audited == 500
    assert audit.metrics.avg_won_amount["unknown"] == pytest.approx(
        statistics.mean(int(i) for i in chosen)
    )


def test_sample_eligible_when_no_created_date_uses_close_date():
    rows = [
        {"Stage": "Closed Won", "Amount": "10", "Close Date": "2026-05-01"},
        {"Stage": "Closed Won", "Amount": "20", "Close Date": "2024-05-01"},
    ]
    audit = _audit(_csv(rows, ["Stage", "Amount", "Close Date"]))
    assert audit.audited == 1
    assert audit.metrics.avg_won_amount["unknown"] == 10.0


# --- contact counts with blanks (the champion rule) ------------------------------


def test_audit_blank_contact_count_fails_only_that_record():
    # One blank Contact Count used to turn the column into floats, and every
    # record then failed champion for want of an integer count.
    rows = [dict(r) for r in RECORDS]
    rows[6]["Contact Count"] = ""  # R7: no count and no contact-role rows
    audit = _audit(_csv(rows))
    assert audit.rules["champion"].failed == 3  # R2, R3 and now R7
    assert audit.clean_rate == pytest.approx(2 / 9)


def test_records_contact_count_is_nullable_integer():
    from l2c_core.records import read_files

    rows = [dict(r) for r in RECORDS]
    rows[0]["Contact Count"] = ""
    records = read_files([("Opportunity.csv", _csv(rows))], today=TODAY)
    counts = records.frame["contact_count"]
    assert str(counts.dtype) == "Int64"
    assert counts.isna().sum() == 1
    assert counts.dropna().tolist()[:2] == [2, 1]  # R2, R3
