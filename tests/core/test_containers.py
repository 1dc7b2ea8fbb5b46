"""Workbooks and zip archives in an upload, unpacked into CSV files by their bytes.

Every input is built here: workbooks with openpyxl, archives with zipfile.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from l2c_core.containers import Expanded, expand_upload
from l2c_core.errors import InputFileError
from l2c_core.integrity import audit_files

TODAY = dt.date(2026, 7, 1)


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """An .xlsx holding each (title, rows) sheet; rows of [] stay blank."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _names(expanded: Expanded) -> list[str]:
    return [name for name, _ in expanded.files]


SALESFORCE_ROWS: list[list[object]] = [
    ["Opportunity Pipeline"],
    ["Filtered By: Close Date equals THIS YEAR"],
    [],
    ["Opportunity ID", "Account Number", "Opportunity Name", "Amount",
     "Close Date", "Created Date", "Closed"],
    ["0065g00000AbCdE", "00123", "Acme, renewal", 1000, dt.date(2026, 3, 1),
     dt.datetime(2026, 1, 10, 9, 30, 5), True],
    ["0065g00000AbCdF", "0007", 'Big "new" deal', 2500.5, dt.date(2026, 4, 2),
     dt.datetime(2026, 2, 1), False],
    ["0065g00000AbCdG", "042", "Tiny\nmultiline", 0.00001, dt.date(2026, 5, 3),
     dt.datetime(2026, 2, 3, 23, 59, 59), None],
]  # fmt: skip


# --- workbooks ----------------------------------------------------------------------


def test_expand_salesforce_sheet_parses_back_to_exact_text():
    expanded = expand_upload(
        [("Pipeline.xlsx", _workbook(("Report", SALESFORCE_ROWS)))]
    )

    assert _names(expanded) == ["Pipeline.csv"]
    assert expanded.notes == ()
    header = ["Opportunity ID", "Account Number", "Opportunity Name", "Amount",
              "Close Date", "Created Date", "Closed"]  # fmt: skip
    assert _rows(expanded.files[0][1]) == [
        ["Opportunity Pipeline"],
        ["Filtered By: Close Date equals THIS YEAR"],
        [],
        header,
        ["0065g00000AbCdE", "00123", "Acme, renewal", "1000", "2026-03-01",
         "2026-01-10 09:30:05", "TRUE"],
        ["0065g00000AbCdF", "0007", 'Big "new" deal', "2500.5", "2026-04-02",
         "2026-02-01", "FALSE"],
        ["0065g00000AbCdG", "042", "Tiny\nmultiline", "0.00001", "2026-05-03",
         "2026-02-03 23:59:59", ""],
    ]  # fmt: skip


def test_expand_workbook_csv_uses_newline_endings_and_utf8():
    data = _workbook(("S", [["Name", "City"], ["Zoë", "Zürich"]]))
    (_, content), *_ = expand_upload([("w.xlsx", data)]).files
    assert content == "Name,City\nZoë,Zürich\n".encode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (-3, "-3"),
        (0.1, "0.1"),
        (1.5e-7, "0.00000015"),
        (123456789012.0, "123456789012"),  # a 12-digit id kept whole
        (6.5e17, "6.5E+17"),  # past Excel's 15 digits, shown as Excel does
        (True, "TRUE"),
        (dt.time(14, 5), "14:05:00"),
    ],
)
def test_expand_cell_values_written_as_reader_text(value, text):
    data = _workbook(("S", [["Field", "Value"], ["x", value]]))
    (_, content), *_ = expand_upload([("w.xlsx", data)]).files
    assert _rows(content)[1] == ["x", text]


def test_expand_two_sheets_two_files_empty_sheet_skipped():
    data = _workbook(
        ("Opportunities", [["Id", "StageName"], ["1", "Won"]]),
        ("Empty", []),
        ("History", [["OpportunityId", "StageName"], ["1", "Won"]]),
    )
    expanded = expand_upload([("export.xlsx", data)])
    assert _names(expanded) == ["export - Opportunities.csv", "export - History.csv"]
    assert _rows(expanded.files[1][1]) == [["OpportunityId", "StageName"], ["1", "Won"]]


def test_expand_csv_name_with_workbook_bytes_noted():
    data = _workbook(("Opportunities", [["Id", "StageName"], ["1", "Won"]]))
    expanded = expand_upload([("report.csv", data)])
    assert _names(expanded) == ["report.csv"]
    assert expanded.notes == (
        "report.csv is an Excel workbook, not a CSV; its sheet 'Opportunities' was "
        "read.",
    )


def test_expand_xlsx_name_with_csv_text_passes_through_noted():
    data = b"Id,StageName\n1,Won\n"
    expanded = expand_upload([("report.xlsx", data)])
    assert expanded.files == (("report.xlsx", data),)
    assert expanded.notes == (
        "report.xlsx is CSV text, not an Excel workbook; it was read as CSV.",
    )


def test_expand_empty_workbook_refused():
    with pytest.raises(InputFileError, match=r"empty\.xlsx .*no data in any sheet"):
        expand_upload([("empty.xlsx", _workbook(("Sheet1", []), ("Sheet2", [[None]])))])


def test_expand_damaged_workbook_refused():
    data = _zip(("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<not"))
    with pytest.raises(InputFileError, match=r"^book\.xlsx is a damaged Excel"):
        expand_upload([("book.xlsx", data)])


def test_expand_truncated_or_flipped_workbook_raises_only_input_file_error():
    data = _workbook(("S", SALESFORCE_ROWS))
    damaged = [data[:cut] for cut in range(4, len(data), max(1, len(data) // 40))]
    for at in range(30, len(data), max(1, len(data) // 40)):
        damaged.append(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    for sample in damaged:
        try:
            expand_upload([("w.xlsx", sample)])
        except InputFileError as exc:
            assert "w.xlsx" in str(exc)


# --- archives -----------------------------------------------------------------------


def test_expand_zip_two_csvs_and_workbook_three_files_in_order():
    book = _workbook(("Sheet1", [["Id", "StageName"], ["3", "Lost"]]))
    data = _zip(
        ("export/Opportunity.csv", b"Id,StageName\n1,Won\n"),
        ("export/OpportunityHistory.csv", b"OpportunityId,StageName\n1,Won\n"),
        ("export/Accounts.xlsx", book),
    )
    expanded = expand_upload([("export.zip", data)])
    assert _names(expanded) == [
        "Opportunity.csv",
        "OpportunityHistory.csv",
        "Accounts.csv",
    ]
    assert expanded.files[0][1] == b"Id,StageName\n1,Won\n"
    assert _rows(expanded.files[2][1]) == [["Id", "StageName"], ["3", "Lost"]]
    assert expanded.notes == ()


def test_expand_nested_zip_members_read():
    inner = _zip(("deals.tsv", b"Id\tStageName\n1\tWon\n"))
    data = _zip(("readme.csv", b"a,b\n1,2\n"), ("inner.zip", inner))
    assert _names(expand_upload([("outer.zip", data)])) == ["readme.csv", "deals.tsv"]


def test_expand_zip_three_deep_not_opened_noted():
    deepest = _zip(("c.csv", b"a,b\n1,2\n"))
    data = _zip(("a.csv", b"a,b\n1,2\n"), ("mid.zip", _zip(("deep.zip", deepest))))
    expanded = expand_upload([("top.zip", data)])
    assert _names(expanded) == ["a.csv"]
    assert any(
        "deep.zip is a zip inside a zip inside a zip" in n for n in expanded.notes
    )


def test_expand_zip_macosx_dotfiles_and_folders_skipped_silently():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export/", b"")
        archive.writestr("export/Opportunity.csv", b"Id,StageName\n1,Won\n")
        archive.writestr("__MACOSX/export/._Opportunity.csv", b"\x00\x05\x16\x07junk")
        archive.writestr("export/.DS_Store", b"\x00\x00\x00\x01Bud1")
    expanded = expand_upload([("export.zip", out.getvalue())])
    assert _names(expanded) == ["Opportunity.csv"]
    assert expanded.notes == ()


def test_expand_zip_other_members_skipped_and_named():
    data = _zip(
        ("Opportunity.csv", b"Id,StageName\n1,Won\n"),
        ("notes.pdf", b"%PDF-1.4 ..."),
        ("blank.csv", b""),
    )
    expanded = expand_upload([("bundle.zip", data)])
    assert _names(expanded) == ["Opportunity.csv"]
    assert expanded.notes == (
        "In bundle.zip, notes.pdf is not a CSV, TSV or Excel file and was skipped.",
        "In bundle.zip, blank.csv holds nothing to read and was skipped.",
    )


def test_expand_zip_same_base_names_renamed_noted():
    data = _zip(("2025/opps.csv", b"a,b\n1,2\n"), ("2026/opps.csv", b"a,b\n3,4\n"))
    expanded = expand_upload([("years.zip", data)])
    assert _names(expanded) == ["opps.csv", "opps (2).csv"]
    assert expanded.notes == (
        "Two files are named opps.csv; the second was read as opps (2).csv.",
    )


def test_expand_zip_without_usable_member_refused():
    data = _zip(("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00"), ("__MACOSX/._x", b"x"))
    with pytest.raises(InputFileError, match=r"^pics\.zip holds no CSV"):
        expand_upload([("pics.zip", data)])


def test_expand_zip_bomb_over_size_cap_refused():
    data = _zip(("huge.csv", b"0" * 50_000_000))
    assert len(data) < 100_000
    with pytest.raises(InputFileError, match=r"^bomb\.zip would unpack to more than"):
        expand_upload([("bomb.zip", data)], max_total_bytes=10_000_000)


def test_expand_zip_bomb_by_ratio_refused_under_default_cap():
    data = _zip(("huge.csv", b"0" * 5_000_000))
    with pytest.raises(InputFileError, match=r"^bomb\.zip looks like a zip bomb"):
        expand_upload([("bomb.zip", data)])


def test_expand_nested_zip_counts_toward_cap():
    inner = _zip(("big.csv", b"a,b\n" + b"1,2\n" * 1_500_000))
    data = _zip(("inner.zip", inner))
    with pytest.raises(InputFileError, match=r"inner\.zip in outer\.zip would unpack"):
        expand_upload([("outer.zip", data)], max_total_bytes=5_000_000)


def test_expand_corrupt_bytes_starting_with_pk_refused():
    with pytest.raises(InputFileError, match=r"^broken\.zip is a damaged zip archive"):
        expand_upload([("broken.zip", b"PK\x03\x04" + b"\x00garbage" * 50)])


def test_expand_encrypted_zip_refused():
    data = bytearray(_zip(("Opportunity.csv", b"Id,StageName\n1,Won\n")))
    # Set the "encrypted" flag bit where a password tool sets it: in the local
    # header (offset 6) and the central directory entry (offset 8).
    data[6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    with pytest.raises(InputFileError, match=r"^locked\.zip is password-protected"):
        expand_upload([("locked.zip", bytes(data))])


# --- pass-through and end to end ----------------------------------------------------


def test_expand_plain_csv_passes_through_unchanged():
    data = "Id;StageName\r\n1;Gewonnen\r\n".encode("cp1252")
    assert expand_upload([("Opportunity.csv", data)]) == Expanded(
        files=(("Opportunity.csv", data),), notes=()
    )


def test_expand_non_positive_cap_is_misuse():
    with pytest.raises(ValueError):
        expand_upload([], max_total_bytes=0)


def test_expand_workbook_audits_records_and_outcomes():
    header = ["Id", "Name", "StageName", "Amount", "CreatedDate", "CloseDate",
              "IsClosed", "IsWon"]  # fmt: skip
    rows: list[list[object]] = [
        ["Opportunities with stages"],
        header,
        ["006A1", "One", "Closed Won", 1000, dt.date(2026, 1, 10),
         dt.date(2026, 3, 1), True, True],
        ["006A2", "Two", "Closed Won", 2500.5, dt.date(2026, 2, 1),
         dt.date(2026, 4, 2), True, True],
        # Closed and not won is lost, whatever the stage is called.
        ["006A3", "Three", "Negotiation", 800, dt.date(2026, 2, 10),
         dt.date(2026, 5, 1), True, False],
        ["006A4", "Four", "Closed Lost", 700, dt.date(2026, 3, 10),
         dt.date(2026, 4, 5), True, False],
        ["006A5", "Five", "Prospecting", 5000, dt.date(2026, 4, 1),
         dt.date(2026, 9, 30), False, False],
    ]  # fmt: skip
    expanded = expand_upload([("opps.xlsx", _workbook(("Opportunities", rows)))])

    audit = audit_files(list(expanded.files), audit_all=True, today=TODAY)

    assert audit.records == 5
    assert audit.audited == 5
    assert (audit.outcomes.won, audit.outcomes.lost, audit.outcomes.open) == (2, 2, 1)
    assert audit.outcomes.unmapped == 0
    assert [f.name for f in audit.files] == ["opps.csv"]
    assert audit.metrics.win_rate == pytest.approx(0.5)


def test_expand_xlsb_refused_word_document_in_zip_skipped():
    xlsb = _zip(("[Content_Types].xml", b"<Types/>"), ("xl/workbook.bin", b"\x00"))
    with pytest.raises(InputFileError, match=r"^q\.xlsb is an Excel binary workbook"):
        expand_upload([("q.xlsb", xlsb)])
    docx = _zip(("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>"))
    data = _zip(("Opportunity.csv", b"Id,StageName\n1,Won\n"), ("brief.docx", docx))
    expanded = expand_upload([("pack.zip", data)])
    assert _names(expanded) == ["Opportunity.csv"]
    assert expanded.notes == (
        "In pack.zip, brief.docx is not a CSV, TSV or Excel file and was skipped.",
    )
