"""The command line's JSON contract, on the real exports and on bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL = (REPO / ".." / "shared" / "data" / "real").resolve()
WINKEL = REAL / "salesforce-winkel-org-export"
MAVEN = REAL / "maven-crm-sales-opportunities"
DEMO_ANSWERS = REPO / "assets" / "demo_answers.json"

WINKEL_ALL = (
    "audit",
    str(WINKEL / "Opportunity.csv"),
    "--as-of",
    "2023-09-01",
    "--all",
    "--json",
)
DYNAMICS = (
    "audit",
    str(REAL / "dynamics-style-lost-opportunities" / "opportunities.csv"),
    "--json",
)

needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real CRM exports folder {REAL} is absent"
)


_POOL = ThreadPoolExecutor(max_workers=4)
_RUNS: dict[tuple[str, ...], Future[subprocess.CompletedProcess[str]]] = {}


def _run(args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "l2c_core", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
    )


def _start(*args: str) -> None:
    if args not in _RUNS:
        _RUNS[args] = _POOL.submit(_run, args)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line once per argument list (runs start in parallel)."""
    _start(*args)
    return _RUNS[args].result()


def _audit(*args: str) -> dict:
    done = _cli("audit", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _assert_bad_input(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""
    return lines[0]


# --- questions ---------------------------------------------------------------


def test_cli_questions_json_eighteen_questions_with_levels(inputs):
    done = _cli(*inputs["questions"])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["id"] and data["version"]
    questions = data["questions"]
    assert len(questions) == 18
    assert len({q["id"] for q in questions}) == 18
    for question in questions:
        assert {"id", "dimension", "text", "options"} <= question.keys()
        assert question["text"].strip()
        assert [o["level"] for o in question["options"]] == [0, 1, 2, 3, 4]
        assert all(o["label"].strip() for o in question["options"])


# --- audit on the real exports -------------------------------------------------


def _winkel_outcomes() -> Counter[str]:
    """Outcomes straight from IsClosed/IsWon, read with the csv module."""
    text = (
        (WINKEL / "Opportunity.csv").read_bytes().decode("cp1252").replace("\x00", "")
    )
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return Counter(
        "open" if r["IsClosed"] == "0" else "won" if r["IsWon"] == "1" else "lost"
        for r in rows
    )


@needs_real
@pytest.mark.real_data
def test_cli_audit_winkel_all_records_outcomes_and_encoding():
    done = _cli(*WINKEL_ALL)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    expected = _winkel_outcomes()
    assert sum(expected.values()) == 512
    assert dict(expected) == {"open": 146, "won": 163, "lost": 203}
    assert data["as_of"] == "2023-09-01"
    assert data["records"] == 512
    assert data["audited"] == 512
    assert data["outcomes"] == {**expected, "unmapped": 0}
    assert data["files"][0]["encoding"] == "cp1252"
    assert data["files"][0]["delimiter"] == ","
    assert data["files"][0]["rows"] == 512
    assert data["metrics"]["win_rate"] == pytest.approx(163 / (163 + 203))
    assert set(data["metrics"]["avg_won_amount"]) == {"COP", "MXN", "PEN", "USD"}


@needs_real
@pytest.mark.real_data
def test_cli_audit_maven_iso_and_mdy_copies_identical():
    # The ISO copy comes with the zip's accounts, products and teams beside it,
    # which are set aside: the results match the lone M/D/YYYY copy.
    iso = _audit(*(str(REAL / p) for p in REAL_EXPORTS["maven-iso"]))
    mdy = _audit(*(str(REAL / p) for p in REAL_EXPORTS["maven-mdy"]))
    for key in ("as_of", "records", "audited", "outcomes", "rules", "clean_rate"):
        assert iso[key] == mdy[key], key
    assert iso["metrics"]["win_rate"] == mdy["metrics"]["win_rate"]
    assert iso["metrics"]["median_cycle_days"] == mdy["metrics"]["median_cycle_days"]
    assert iso["records"] == 8800
    assert [f["kind"] for f in iso["files"]] == [
        "opportunities",
        "other",
        "other",
        "other",
    ]


# Each opportunity file with the related files beside it.
REAL_EXPORTS = {
    "salesforce-winkel": [
        "salesforce-winkel-org-export/Opportunity.csv",
        "salesforce-winkel-org-export/OpportunityHistory.csv",
        "salesforce-winkel-org-export/OpportunityContactRole.csv",
        "salesforce-winkel-org-export/OpportunityCompetitor.csv",
    ],
    "salesforce-konsul": [
        "salesforce-devorg-sample-konsul/Opportunity.csv",
        "salesforce-devorg-sample-konsul/OpportunityHistory.csv",
        "salesforce-devorg-sample-konsul/OpportunityContactRole.csv",
        "salesforce-devorg-sample-konsul/OpportunityCompetitor.csv",
    ],
    "bitrix": [
        "bitrix-style-dirty-testset/deals.csv",
        "bitrix-style-dirty-testset/stage_history.csv",
        "bitrix-style-dirty-testset/pipeline_stages.csv",
    ],
    "hubspot-9-columns": [
        "hubspot-marvell-all-deals/hubspot-crm-exports-all-deals-2023-05-09.csv"
    ],
    "hubspot-110-columns": [
        "hubspot-marvell-all-deals/hubspot-crm-exports-all-deals-2023-05-16.csv"
    ],
    # The ISO copy as distributed, with the zip's side tables beside it.
    "maven-iso": [
        "maven-crm-sales-opportunities/original-zip/sales_pipeline.csv",
        "maven-crm-sales-opportunities/original-zip/accounts.csv",
        "maven-crm-sales-opportunities/original-zip/products.csv",
        "maven-crm-sales-opportunities/original-zip/sales_teams.csv",
    ],
    "maven-mdy": ["maven-crm-sales-opportunities/resaved-mdy/sales_pipeline.csv"],
    "zoho": ["zoho-crm-analytics-sample/Potentials.csv"],
}


@needs_real
@pytest.mark.real_data
@pytest.mark.parametrize("export", sorted(REAL_EXPORTS))
def test_cli_audit_real_export_exit_zero_valid_contract(export):
    paths = [REAL / p for p in REAL_EXPORTS[export]]
    data = _audit(*map(str, paths))
    assert data["records"] > 0
    assert 0 < data["audited"] <= min(data["records"], 500)
    assert 0.0 <= data["clean_rate"] <= 1.0
    low, high = data["clean_rate_interval"]
    assert 0.0 <= low <= data["clean_rate"] <= high <= 1.0
    assert 0.0 <= data["clean_rate_present_fields"] <= 1.0
    assert set(data["rules"]) == {
        "stage_timestamps",
        "close_date",
        "next_step",
        "champion",
        "competitor",
        "loss_reason",
    }
    for rule in data["rules"].values():
        assert 0 <= rule["failed"] <= rule["applicable"] <= data["audited"]
    outcomes = data["outcomes"]
    assert set(outcomes) == {"open", "won", "lost", "unmapped"}
    assert outcomes["open"] + outcomes["won"] + outcomes["lost"] == data["audited"]
    metrics = data["metrics"]
    for key in ("win_rate", "avg_won_amount", "velocity", "median_cycle_days"):
        assert key in metrics
    assert isinstance(metrics["stage_conversion"], list)
    assert [f["name"] for f in data["files"]] == [p.name for p in paths]
    assert data["files"][0]["kind"] == "opportunities"
    for info in data["files"]:
        assert {"name", "kind", "encoding", "delimiter", "rows"} <= info.keys()
        "x".encode(info["encoding"])  # a Python codec name
        assert len(info["delimiter"]) == 1
    assert all({"code", "message"} <= w.keys() for w in data["warnings"])


@needs_real
@pytest.mark.real_data
def test_cli_audit_bitrix_pipeline_file_labels_and_unknown_stage():
    data = _audit(*(str(REAL / p) for p in REAL_EXPORTS["bitrix"]))
    assert [f["kind"] for f in data["files"]] == [
        "opportunities",
        "stage_history",
        "pipeline_stages",
    ]
    # 12 rows, D1008 twice; WAIT_CLIENT is not in pipeline_stages.csv.
    assert data["records"] == 11
    assert data["outcomes"] == {"open": 7, "won": 2, "lost": 1, "unmapped": 1}
    codes = Counter(w["code"] for w in data["warnings"])
    assert codes["duplicate_id"] == 1 and codes["amount_negative"] == 1


@needs_real
@pytest.mark.real_data
def test_cli_audit_dynamics_without_stage_column_clear_message():
    # All 20 deals are lost, but the export has no stage or status column at all:
    # the audit cannot classify them and says which column it needs.
    done = _cli(*DYNAMICS)
    assert "no stage column" in _assert_bad_input(done)


# --- assess ------------------------------------------------------------------


def _answers(folder: Path, name: str, **changes: object) -> Path:
    answers = json.loads(DEMO_ANSWERS.read_text(encoding="utf-8"))
    answers["answers"].update(changes)
    path = folder / name
    path.write_text(json.dumps(answers), encoding="utf-8")
    return path


@pytest.fixture(name="inputs", scope="module", autouse=True)
def fixture_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Write the bad inputs and start every command line run of the module at once."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "bad.json").write_text('{"answers": {', encoding="utf-8")
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "nostage.csv").write_text(
        "Opportunity Name,Amount,Close Date\nAlder,100,2026-01-01\n", encoding="utf-8"
    )
    (folder / "deals.csv").write_text(
        "Stage,Amount\nClosed Won,100\n", encoding="utf-8"
    )
    out = str(folder / "out")
    runs = {
        "questions": ["questions", "--json"],
        "unknown_question": [
            "assess",
            "--answers",
            str(_answers(folder, "unknown.json", **{"sales.crystal_ball": 2})),
            "--out",
            out,
        ],
        "level_five": [
            "assess",
            "--answers",
            str(_answers(folder, "five.json", **{"data.record_hygiene": 5})),
            "--out",
            out,
        ],
        "invalid_json": ["assess", "--answers", str(folder / "bad.json"), "--out", out],
        "missing": ["audit", str(folder / "nowhere.csv"), "--json"],
        "binary": ["audit", str(folder / "binary.csv"), "--json"],
        "empty": ["audit", str(folder / "empty.csv"), "--json"],
        "nostage": ["audit", str(folder / "nostage.csv"), "--json"],
        "bad_date": ["audit", str(folder / "deals.csv"), "--as-of", "31/12/2026"],
        "unknown_command": ["frobnicate"],
    }
    if REAL.is_dir():
        runs["assess"] = [
            "assess",
            "--answers",
            str(DEMO_ANSWERS),
            "--crm",
            str(WINKEL / "Opportunity.csv"),
            "--out",
            str(folder / "result"),
        ]
        _start(*runs["assess"])  # the longest run (it renders the PDF) goes first
        for export in REAL_EXPORTS.values():
            _start("audit", *(str(REAL / p) for p in export), "--json")
        _start(*WINKEL_ALL)
        _start(*DYNAMICS)
    for args in runs.values():
        _start(*args)
    return {**runs, "folder": [str(folder)]}


def _bad(inputs: dict[str, list[str]], name: str) -> str:
    return _assert_bad_input(_cli(*inputs[name]))


@needs_real
@pytest.mark.real_data
def test_cli_assess_writes_result_and_pdf(inputs):
    done = _cli(*inputs["assess"])
    assert done.returncode == 0, done.stderr
    out = Path(inputs["folder"][0]) / "result"
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    scores = result["scores"]
    assert 0 <= scores["overall"] <= 100
    dimensions = {d["id"]: d for d in scores["dimensions"]}
    assert len(dimensions) == 6
    for dimension in dimensions.values():
        assert {"id", "name", "current", "target", "gap"} <= dimension.keys()
        assert dimension["gap"] == pytest.approx(
            dimension["target"] - dimension["current"]
        )
    data = dimensions["data"]
    assert data["measured"] == pytest.approx(100 * result["audit"]["clean_rate"])
    assert data["current"] == pytest.approx(data["measured"])
    assert data["self_assessed"] is not None
    assert result["audit"]["records"] == 512
    assert (out / "plan.pdf").read_bytes().startswith(b"%PDF")


# --- bad input -----------------------------------------------------------------


def test_cli_assess_unknown_question_id_named(inputs):
    assert "sales.crystal_ball" in _bad(inputs, "unknown_question")


def test_cli_assess_level_five_rejected(inputs):
    line = _bad(inputs, "level_five")
    assert "data.record_hygiene" in line and "5" in line


def test_cli_assess_invalid_json(inputs):
    assert "JSON" in _bad(inputs, "invalid_json")


def test_cli_audit_missing_file(inputs):
    assert "nowhere.csv" in _bad(inputs, "missing")


def test_cli_audit_binary_file(inputs):
    assert "binary.csv" in _bad(inputs, "binary")


def test_cli_audit_empty_file(inputs):
    assert "empty" in _bad(inputs, "empty")


def test_cli_audit_csv_without_stage_column(inputs):
    assert "stage" in _bad(inputs, "nostage").lower()


def test_cli_audit_bad_date_option(inputs):
    assert "31/12/2026" in _bad(inputs, "bad_date")


def test_cli_unknown_subcommand(inputs):
    assert "frobnicate" in _bad(inputs, "unknown_command")
