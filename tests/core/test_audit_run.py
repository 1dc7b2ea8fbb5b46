"""The split API: read once, build and audit again; the audit run's detail.

Covers ``read_tables``/``build_records`` (corrections without re-reading),
``Records`` for the UI (columns, mapping, date order, stage rows),
``audit_records`` (failing records with reasons, per-owner figures, filters,
totals, record counts behind metrics) and stage-to-stage conversion.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from l2c_core.audit import Audit
from l2c_core.integrity import AuditFilters, audit_files, audit_records, run_audit
from l2c_core.records import build_records, classify_type, read_files, read_tables

AS_OF = dt.date(2023, 9, 1)
TODAY = dt.date(2023, 9, 2)
COLUMNS = [
    "Id",
    "Name",
    "StageName",
    "Pipeline",
    "Type",
    "Amount",
    "CurrencyIsoCode",
    "CreatedDate",
    "CloseDate",
    "LastStageChangeDate",
    "NextStep",
    "OwnerId",
    "Champion__c",
    "Champion_Role__c",
    "Contact_Count__c",
    "Competitor",
    "Loss Reason",
]


def _row(id_, stage, pipeline, type_, amount, created, close, **extra):
    row = {
        "Id": id_,
        "Name": f"Deal {id_}",
        "StageName": stage,
        "Pipeline": pipeline,
        "Type": type_,
        "Amount": amount,
        "CurrencyIsoCode": "USD",
        "CreatedDate": created,
        "CloseDate": close,
        "LastStageChangeDate": created,
        "NextStep": "Call",
        "OwnerId": "Ann",
        "Champion__c": "Cy",
        "Champion_Role__c": "Buyer",
        "Contact_Count__c": "2",
        "Competitor": "Rival",
        "Loss Reason": "",
    }
    row.update(extra)
    return row


ROWS = [
    # A1 fails close_date: open, close date before as_of.
    _row("A1", "Qualification", "Sales", "New Business", "100", "2023-01-10",
         "2023-02-01"),
    # A2 clean, won.
    _row("A2", "Closed Won", "Sales", "Existing Customer - Upgrade", "300",
         "2023-03-01", "2023-05-01", NextStep="", OwnerId="Bo"),
    # A3 fails loss_reason (blank) and competitor; lost.
    _row("A3", "Closed Lost", "Sales", "Existing Customer - Renewal", "50",
         "2023-02-01", "2023-04-01", Competitor="", OwnerId="Bo"),
    # A4 clean, open, in another pipeline.
    _row("A4", "Proposal", "Renewals", "Renewal", "700", "2023-06-01", "2023-12-01"),
    # A5 fails champion (one contact); won in the Renewals pipeline.
    _row("A5", "Closed Won", "Renewals", "", "900", "2023-04-01", "2023-08-15",
         Contact_Count__c="1", NextStep=""),
]  # fmt: skip


def _csv(rows, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _run(rows=ROWS, **options):
    records = read_files([("Opportunity.csv", _csv(rows))], today=TODAY)
    options.setdefault("as_of", AS_OF)
    return audit_records(records, today=TODAY, **options)


# --- read once, build again --------------------------------------------------------


def test_read_tables_then_build_records_equals_read_files():
    data = [("Opportunity.csv", _csv(ROWS))]
    upload = read_tables(data)
    assert [f.kind for f in upload.files] == ["opportunities"]
    built = build_records(upload, today=TODAY)
    direct = read_files(data, today=TODAY)
    assert built.frame.equals(direct.frame)
    assert built.mapping == direct.mapping
    # The upload is left as it was: a second build gives the same records.
    again = build_records(upload, today=TODAY)
    assert again.frame.equals(built.frame)


def test_build_records_takes_corrections_without_rereading():
    upload = read_tables([("Opportunity.csv", _csv(ROWS))])
    records = build_records(upload, today=TODAY, column_map={"competitor": None})
    assert "competitor" not in records.mapping
    audit = run_audit(records, as_of=AS_OF, audit_all=True, today=TODAY)
    assert audit.rules["competitor"].missing_field == "no competitor in this export"
    records = build_records(upload, today=TODAY, date_order="DMY")
    assert (records.date_order, records.date_order_decided) == ("DMY", True)


def test_records_expose_columns_mapping_and_date_order_for_the_ui():
    records = read_files([("Opportunity.csv", _csv(ROWS))], today=TODAY)
    assert records.columns == COLUMNS
    assert records.mapping["stage"] == ["StageName"]
    assert records.mapping["champion"] == ["Champion__c"]
    assert (records.date_order, records.date_order_decided) == ("YMD", True)


def test_records_stage_rows_outcome_order_count_and_source():
    records = read_files([("Opportunity.csv", _csv(ROWS))], today=TODAY)
    rows = {(s.pipeline, s.stage): s for s in records.stages}
    assert set(rows) == {
        ("Renewals", "Proposal"),
        ("Renewals", "Closed Won"),
        ("Sales", "Qualification"),
        ("Sales", "Closed Won"),
        ("Sales", "Closed Lost"),
    }
    assert rows[("Sales", "Closed Won")].outcome == "won"
    assert rows[("Sales", "Closed Won")].count == 1
    assert rows[("Sales", "Closed Won")].order is None
    assert rows[("Sales", "Qualification")].order == 1
    assert {s.source for s in records.stages} == {"name"}


def test_stage_map_per_pipeline_key_corrects_one_pipeline_only():
    upload = read_tables([("Opportunity.csv", _csv(ROWS))])
    records = build_records(
        upload, today=TODAY, stage_map={"Renewals|Proposal": "lost"}
    )
    rows = {(s.pipeline, s.stage): s for s in records.stages}
    assert rows[("Renewals", "Proposal")].outcome == "lost"
    assert rows[("Renewals", "Proposal")].source == "user"
    assert rows[("Sales", "Qualification")].outcome == "open"
    records = build_records(upload, today=TODAY, stage_map={"Qualification": "won"})
    rows = {(s.pipeline, s.stage): s for s in records.stages}
    assert rows[("Sales", "Qualification")].outcome == "won"


# --- the audit run ---------------------------------------------------------------


def test_audit_run_failures_name_rules_and_reasons():
    run = _run(audit_all=True)
    failures = run.failures.set_index("id")
    assert list(run.failures.columns) == [
        "id",
        "name",
        "owner",
        "stage",
        "outcome",
        "amount",
        "currency",
        "close_date",
        "rules",
        "reasons",
    ]
    assert set(failures.index) == {"A1", "A3", "A5"}
    assert failures.loc["A1", "rules"] == "close_date"
    assert failures.loc["A1", "reasons"] == (
        "close date 2023-02-01 is before the as-of date 2023-09-01 but the record "
        "is open"
    )
    assert failures.loc["A3", "rules"] == "competitor,loss_reason"
    assert failures.loc["A3", "reasons"].split("; ") == [
        "no competitor is recorded",
        "the record is lost but has no loss reason",
    ]
    assert failures.loc["A5", "reasons"] == (
        "the opportunity has 1 contact, fewer than two"
    )
    assert failures.loc["A1", "close_date"] == "2023-02-01"
    assert failures.loc["A5", "amount"] == 900.0


def test_audit_run_owners_audited_clean_and_failures_per_rule():
    owners = _run(audit_all=True).owners.set_index("owner")
    assert owners.loc["Ann", "audited"] == 3
    assert owners.loc["Ann", "clean"] == 1
    assert owners.loc["Ann", "clean_rate"] == pytest.approx(1 / 3)
    assert owners.loc["Ann", "close_date"] == 1
    assert owners.loc["Bo", "loss_reason"] == 1
    assert owners.loc["Bo", "champion"] == 0


def test_audit_carries_aggregates_only_never_rows():
    run = _run(audit_all=True)
    text = json.dumps(run.audit.model_dump(mode="json", by_alias=True))
    assert "Deal A1" not in text and "A3" not in text
    assert isinstance(run_audit(run_records(), as_of=AS_OF, today=TODAY), Audit)


def run_records():
    return read_files([("Opportunity.csv", _csv(ROWS))], today=TODAY)


# --- filters, options and totals ----------------------------------------------------


def test_filter_options_list_pipelines_and_types():
    options = _run().audit.filter_options
    assert options.pipelines == ("Renewals", "Sales")
    assert options.types == ("new business", "expansion", "renewal", "other")
    assert options.first_date == dt.date(2023, 2, 1)
    assert options.last_date == dt.date(2023, 12, 1)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("New Business", "new business"),
        ("newbusiness", "new business"),
        ("Existing Customer - Upgrade", "expansion"),
        ("Existing Customer - Replacement", "expansion"),
        ("existingbusiness", "expansion"),
        ("Existing Customer - Renewal", "renewal"),
        ("Renewal", "renewal"),
        ("", "other"),
        ("Partner", "other"),
    ],
)
def test_opportunity_type_classified(text, kind):
    assert classify_type(text) == kind


def test_filters_narrow_every_figure_at_once():
    audit = _run(audit_all=True, filters=AuditFilters(pipelines=("Sales",))).audit
    assert (audit.records, audit.audited) == (3, 3)
    assert (audit.outcomes.open, audit.outcomes.won, audit.outcomes.lost) == (1, 1, 1)
    assert audit.rules["champion"].failed == 0
    assert audit.metrics.win_rate == pytest.approx(0.5)
    assert audit.totals.won_amount == {"USD": 300.0}
    assert audit.filters is not None and audit.filters.pipelines == ("Sales",)
    # The options still list everything, to widen the filter again.
    assert audit.filter_options.pipelines == ("Renewals", "Sales")


def test_filters_by_type_and_period_on_close_date():
    run = _run(audit_all=True, filters=AuditFilters(types=["expansion", "renewal"]))
    assert run.audit.records == 3  # A2 upgrade, A3 and A4 renewals
    period = AuditFilters(period=("2023-04-01", dt.date(2023, 5, 31)))
    audit = _run(audit_all=True, filters=period).audit
    assert audit.records == 2  # A2 and A3 close in April and May
    assert audit.filters.period == (dt.date(2023, 4, 1), dt.date(2023, 5, 31))


def test_totals_every_record_closed_in_the_year_not_just_the_sample():
    rows = [*ROWS, _row("A6", "Closed Won", "Sales", "", "5", "2021-01-01",
                        "2022-08-01")]  # fmt: skip
    audit = _run(rows).audit  # sampled: A6 is too old for the sample
    assert audit.totals.won_amount == {"USD": 1200.0}
    assert audit.totals.closed_amount == {"USD": 1250.0}
    assert audit.totals.won_count == {"USD": 2}
    assert audit.totals.records == 3
    assert (audit.totals.start, audit.totals.end) == (dt.date(2022, 9, 1), AS_OF)


def test_metrics_say_how_many_records_each_rests_on():
    metrics = _run(audit_all=True).audit.metrics
    assert metrics.win_rate_records == 3
    assert metrics.avg_won_records == {"USD": 2}
    assert metrics.cycle_records == 2
    assert metrics.velocity_records == {"USD": 2}


# --- stage conversion -----------------------------------------------------------------

_STAGES = ("Prospecting", "Qualification", "Proposal")


def _funnel(with_history: bool):
    """Six records through Prospecting → Qualification → Proposal."""
    rows = [
        _row("F1", "Prospecting", "", "", "1", "2023-06-01", "2023-12-01"),
        _row("F2", "Qualification", "", "", "1", "2023-06-01", "2023-12-01"),
        _row("F3", "Proposal", "", "", "1", "2023-06-01", "2023-12-01"),
        _row("F4", "Closed Won", "", "", "1", "2023-06-01", "2023-08-01"),
        _row("F5", "Closed Lost", "", "", "1", "2023-06-01", "2023-08-01"),
        _row("F6", "Closed Lost", "", "", "1", "2023-06-01", "2023-08-01"),
    ]
    files = [("Opportunity.csv", _csv(rows))]
    if with_history:
        history = [
            ("F1", "Prospecting"),
            ("F2", "Prospecting"),
            ("F2", "Qualification"),
            ("F3", "Prospecting"),
            ("F3", "Proposal"),
            ("F4", "Prospecting"),
            ("F5", "Prospecting"),  # lost at Prospecting
            ("F6", "Prospecting"),
            ("F6", "Qualification"),  # lost at Qualification
        ]
        text = "Id,OpportunityId,StageName,CreatedDate\n" + "".join(
            f"H{i},{o},{s},2023-06-{i + 1:02d}\n" for i, (o, s) in enumerate(history)
        )
        files.append(("OpportunityHistory.csv", text.encode()))
    return audit_files(files, as_of=AS_OF, audit_all=True, today=TODAY)


def test_stage_conversion_with_history_counts_records_no_longer_at_k():
    rows = _funnel(with_history=True).metrics.stage_conversion
    assert [(r.from_stage, r.to_stage) for r in rows] == [
        ("Prospecting", "Qualification"),
        ("Qualification", "Proposal"),
    ]
    first, second = rows
    # Reached 1: all but F1, who still sits there; of them F2, F3, F4, F6 went on.
    assert (first.records, first.reached) == (5, 4)
    assert first.rate == pytest.approx(4 / 5)
    # Reached 2 and not at 2: F3, F4, F6; F3 and F4 reached Proposal.
    assert (second.records, second.reached) == (3, 2)
    assert (first.from_number, first.to_number) == (1, 2)
    assert not first.estimated


def test_stage_conversion_without_history_is_an_estimate():
    rows = _funnel(with_history=False).metrics.stage_conversion
    assert rows and all(r.estimated for r in rows)
    # Without history a lost record reached no stage: 1→2 rests on F2, F3, F4.
    assert (rows[0].records, rows[0].rate) == (3, 1.0)
