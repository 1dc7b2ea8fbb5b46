"""Both readers, and the fast and the exact value paths, agree on every export.

The csv engine parses a file whole with the csv module; the Arrow engine, used
from ``ARROW_MIN_BYTES`` up, parses the body with Arrow. Column conversions take
fast paths (numpy on the bytes) for dates, and above ``arrays.MANY`` values for
amounts, ids and text scans; ``arrays.FAST`` switches them off. Each pair must
give the same table and the same audit on every failure case and real export;
and the real Salesforce export's stage history time-stamps every record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from l2c_core import arrays
from l2c_core.integrity import audit_files
from l2c_core.mapping import looks_like_header
from l2c_core.reader import Table, read_table
from l2c_core.records import read_files

SHARED = (Path(__file__).parents[2] / ".." / "shared").resolve()
CASES = SHARED / "cases"
REAL = SHARED / "data" / "real"
WINKEL = REAL / "salesforce-winkel-org-export"
TODAY = dt.date(2026, 12, 31)

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the shared data folder {SHARED} is absent"
)


def _files() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted(CASES.glob("*.csv")) + sorted(REAL.rglob("*.csv"))


def _label(path: Path) -> str:
    return str(path.relative_to(SHARED))


def _dump(table: Table) -> tuple:
    return (
        table.columns,
        [arrays.texts(table.column(c)) for c in table.columns],
        table.encoding,
        table.delimiter,
        table.header_row,
        table.preamble,
        [w.model_dump() for w in table.warnings],
    )


# Variants of the cases' kinds of structure, read by both engines too.
_VARIANTS = {
    "footer-blank-lines": b"Id,Stage,Amount\n1,Won,5\n2,Open,6\n\n\nTotal,,11\n\n",
    "footer-notice": b'Id,Stage,Amount\r\n1,Won,5\r\n\r\n"Confidential"\r\n',
    "bare-delimiter-rows": b"Id,Stage,Amount\n1,Won,5\n,,\n,,\n",
    "ragged-rows": b"Id,Stage,Amount\n1,Won,5\n2,Open\n3,Lost,7,extra\n4,Won,8\n",
    "preamble-sep": b"Pipeline report\n\nsep=;\nId;Stage\n1;Won\n",
    "sep-hint": b"sep=;\r\nId;Stage;Amount\r\n1;Won;1,5\r\n",
    "multiline": b'Id,Stage,Note\n1,Won,"a\nb"\n2,Open,"c\r\nd"\n',
    "open-quote-at-end": b'Id,Stage,Note\n1,Won,"a\n2,Open,b\n',
    "nul": b"Id,Stage,Note\n1,Won,a\x00b\n" + b"2,Open,plain text\n" * 20,
    "cp1252": "Id,Stage,Note\n1,Won,Gesti\u00f3n\n".encode("cp1252"),
    "bom": b"\xef\xbb\xbfId,Stage\n1,Won\n",
    "spaces-only-row": b"Id,Stage\n1,Won\n   \n2,Open\n",
}


@pytest.mark.parametrize("path", _files(), ids=_label)
def test_arrow_engine_reads_every_export_as_the_csv_engine(path):
    data = path.read_bytes()
    slow = read_table(data, path.name, is_header=looks_like_header, engine="csv")
    fast = read_table(data, path.name, is_header=looks_like_header, engine="arrow")
    assert fast.engine == "arrow"
    assert _dump(fast) == _dump(slow)


@pytest.mark.parametrize("name", sorted(_VARIANTS))
def test_arrow_engine_reads_structure_variants_as_the_csv_engine(name):
    data = _VARIANTS[name]
    slow = read_table(data, name, is_header=looks_like_header, engine="csv")
    fast = read_table(data, name, is_header=looks_like_header, engine="arrow")
    assert _dump(fast) == _dump(slow)


def test_auto_engine_picks_arrow_for_large_files():
    row = "006A{:011d},Closed Won,100,2026-01-05\n"
    body = "".join(row.format(i) for i in range(40_000))
    data = ("Id,Stage,Amount,Close Date\n" + body).encode()
    assert len(data) > (1 << 20)
    table = read_table(data, "big.csv", is_header=looks_like_header)
    assert table.engine == "arrow"
    assert table.rows == 40_000


@pytest.mark.parametrize("path", _files(), ids=_label)
def test_fast_value_paths_give_the_exact_paths_audit(path, monkeypatch):
    files = [(path.name, path.read_bytes())]
    monkeypatch.setattr(arrays, "FAST", False)
    try:
        exact = audit_files(files, audit_all=True, today=TODAY)
    except Exception as exc:  # the same refusal either way
        monkeypatch.setattr(arrays, "FAST", True)
        monkeypatch.setattr(arrays, "MANY", 0)
        with pytest.raises(type(exc)):
            audit_files(files, audit_all=True, today=TODAY)
        return
    monkeypatch.setattr(arrays, "FAST", True)
    monkeypatch.setattr(arrays, "MANY", 0)
    fast = audit_files(files, audit_all=True, today=TODAY)
    assert fast.model_dump() == exact.model_dump()


def test_fast_value_paths_give_the_exact_paths_records(monkeypatch):
    files = [(p.name, p.read_bytes()) for p in sorted(WINKEL.glob("*.csv"))]
    monkeypatch.setattr(arrays, "FAST", False)
    exact = read_files(files, today=TODAY).frame
    monkeypatch.setattr(arrays, "FAST", True)
    monkeypatch.setattr(arrays, "MANY", 0)
    fast = read_files(files, today=TODAY).frame
    for column in exact.columns:
        assert list(fast[column].astype("str")) == list(exact[column].astype("str")), (
            column
        )


@pytest.mark.real_data
def test_winkel_history_time_stamps_every_record():
    files = [(p.name, p.read_bytes()) for p in sorted(WINKEL.glob("*.csv"))]
    # Without the LastStageChangeDate column only the history can time-stamp.
    audit = audit_files(
        files,
        as_of=dt.date(2023, 9, 1),
        audit_all=True,
        column_map={"last_stage_change": None},
        today=TODAY,
    )
    assert (audit.records, audit.audited) == (512, 512)
    assert audit.outcomes.model_dump() == {
        "open": 146,
        "won": 163,
        "lost": 203,
        "unmapped": 0,
    }
    assert audit.rules["stage_timestamps"].missing_field is None
    assert audit.rules["stage_timestamps"].failed == 0
    conversion = audit.metrics.stage_conversion
    assert conversion and not any(c.estimated for c in conversion)
    assert audit.metrics.stage_order == {"": "sort order"}
    assert [c.from_stage for c in conversion][0] == "Interes"
