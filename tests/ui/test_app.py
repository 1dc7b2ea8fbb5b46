"""UI tests of the Streamlit app through ``streamlit.testing.v1.AppTest``.

AppTest renders one page per run; ``st.switch_page`` inside the app and
``at.switch_page`` in a test both take effect on the next ``run()``. AppTest
cannot click a download button (streamlit #9003), so the PDF is covered by the
browser test and by ``tests/core/test_report_pdf.py``.
"""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from l2c_core.demo import demo_file_name, demo_opportunities

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
QUESTIONNAIRE = ROOT / "questionnaires" / "health_check.toml"
DEMO_ANSWERS = ROOT / "assets" / "demo_answers.json"
UNKNOWN = "unknown"
TIMEOUT = 30  # seconds per script run; the first results run renders a chart

# A one-pixel PNG: a binary file a visitor might pick by mistake.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e000000"
    "0049454e44ae426082"
)


def questionnaire_data() -> dict[str, Any]:
    """The questionnaire file, read without l2c_core."""
    with QUESTIONNAIRE.open("rb") as handle:
        return tomllib.load(handle)


def question_ids(dimension_id: str | None = None) -> list[str]:
    """Question ids in file order, optionally of one dimension."""
    return [
        q["id"]
        for q in questionnaire_data()["questions"]
        if dimension_id is None or q["dimension"] == dimension_id
    ]


def dimension_ids() -> list[str]:
    return [d["id"] for d in questionnaire_data()["dimensions"]]


def expected_overall(answers: dict[str, Any]) -> float:
    """The overall score, computed from the questionnaire file independently.

    dimension = 100 × Σ(weight × level/4) / Σ weight; overall = the
    dimension-weighted mean; Don't know scores as level 0.
    """
    data = questionnaire_data()
    total = weights = 0.0
    for dimension in data["dimensions"]:
        questions = [q for q in data["questions"] if q["dimension"] == dimension["id"]]
        earned = 0.0
        for q in questions:
            answer = answers[q["id"]]
            level = 0 if answer == UNKNOWN else answer
            earned += q.get("weight", 1.0) * level / 4
        score = 100 * earned / sum(q.get("weight", 1.0) for q in questions)
        total += dimension.get("weight", 1.0) * score
        weights += dimension.get("weight", 1.0)
    return total / weights


def all_answers() -> dict[str, Any]:
    """Every question answered: levels cycling 0-4, every seventh Don't know."""
    return {
        qid: UNKNOWN if i % 7 == 6 else (i * 3 + 1) % 5
        for i, qid in enumerate(question_ids())
    }


def app() -> AppTest:
    """A fresh session on the home page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    """Click the button labelled ``label`` and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"{label!r} in {[b.label for b in at.button]}"
    matches[0].click().run()
    assert not at.exception
    return at


def step_text(at: AppTest) -> str:
    assert len(at.progress) == 1
    return at.progress[0].text


def answer_step(at: AppTest, answers: dict[str, Any]) -> None:
    """Choose each given answer on the current step (radios keyed q::<id>)."""
    for qid, value in answers.items():
        at.radio(key=f"q::{qid}").set_value(value).run()
        assert not at.exception


def open_page(at: AppTest, page: str, answers: dict[str, Any] | None = None) -> None:
    """Switch to ``page`` (``pages/....py``), optionally with answers in the session."""
    if answers is not None:
        at.session_state["answers"] = dict(answers)
    at.switch_page(page).run()
    assert not at.exception


def start_wizard() -> AppTest:
    at = click(app(), "Start")
    assert [t.value for t in at.title] == ["Questions"]
    assert step_text(at) == "Step 1 of 6"
    return at


# --- Home --------------------------------------------------------------------


def test_home_renders_with_two_buttons():
    at = app()
    assert [t.value for t in at.title] == ["Revenue Engine Health Check"]
    labels = [b.label for b in at.button]
    assert "Start" in labels
    assert "Try with demo answers" in labels
    assert not at.exception


# --- Wizard ------------------------------------------------------------------


def test_wizard_back_keeps_answers():
    at = start_wizard()
    data_ids = question_ids("data")
    chosen = dict(zip(data_ids, [3, 1, UNKNOWN], strict=True))
    assert [r.key for r in at.radio] == [f"q::{qid}" for qid in data_ids]
    assert all(r.value is None for r in at.radio)
    answer_step(at, chosen)

    click(at, "Next")
    assert step_text(at) == "Step 2 of 6"
    process_ids = question_ids("process")
    assert [r.key for r in at.radio] == [f"q::{qid}" for qid in process_ids]
    answer_step(at, {process_ids[0]: 4})

    click(at, "Back")
    assert step_text(at) == "Step 1 of 6"
    assert [r.value for r in at.radio] == [3, 1, UNKNOWN]
    # The radios show the chosen options' text, and Don't know for the third.
    labels = {
        o["level"]: o["label"] for o in questionnaire_data()["questions"][0]["options"]
    }
    assert at.radio[0].options[at.radio[0].index] == labels[3]
    assert at.radio[2].options[at.radio[2].index] == "Don't know"
    stored = at.session_state["answers"]
    assert {k: stored[k] for k in data_ids} == chosen
    assert stored[process_ids[0]] == 4
    assert not at.exception


def test_wizard_next_refuses_unanswered():
    at = start_wizard()
    data_ids = question_ids("data")
    answer_step(at, {data_ids[0]: 2, data_ids[1]: 0})

    click(at, "Next")
    assert step_text(at) == "Step 1 of 6"
    assert len(at.warning) == 1
    # The warning names the one question still open, and only that one.
    texts = {q["id"]: q["text"] for q in questionnaire_data()["questions"]}
    assert texts[data_ids[2]] in at.warning[0].value
    assert texts[data_ids[0]] not in at.warning[0].value
    assert data_ids[2] not in at.session_state["answers"]

    answer_step(at, {data_ids[2]: 4})
    click(at, "Next")
    assert step_text(at) == "Step 2 of 6"
    assert not at.warning
    assert not at.exception


def test_wizard_all_steps_lead_to_upload():
    at = start_wizard()
    answers = all_answers()
    dimensions = dimension_ids()
    for number, dimension in enumerate(dimensions, start=1):
        assert step_text(at) == f"Step {number} of {len(dimensions)}"
        answer_step(at, {q: answers[q] for q in question_ids(dimension)})
        click(at, "Continue" if number == len(dimensions) else "Next")
    assert [t.value for t in at.title] == ["CRM export (optional)"]
    assert len(at.file_uploader) == 1
    assert at.session_state["answers"] == answers
    assert not at.exception


# --- Results -----------------------------------------------------------------


def test_results_overall_matches_questionnaire_formula():
    answers = all_answers()
    at = app()
    open_page(at, "pages/results.py", answers)
    assert [t.value for t in at.title][0] == "Results"
    overall = [m for m in at.metric if m.label == "Overall score"]
    assert len(overall) == 1
    assert overall[0].value == f"{expected_overall(answers):.0f} / 100"
    unknown = sum(v == UNKNOWN for v in answers.values())
    assert f"Evidence gaps ({unknown})" in [e.label for e in at.expander]
    assert len(at.get("download_button")) == 1
    assert not at.exception


def test_results_without_all_answers_points_to_questions():
    at = app()
    open_page(at, "pages/results.py", {question_ids()[0]: 2})
    assert len(at.info) == 1
    assert "17 of 18 questions" in at.info[0].value
    assert not [m for m in at.metric if m.label == "Overall score"]
    assert not at.exception


def test_demo_button_fills_answers_and_audit():
    at = click(app(), "Try with demo answers")
    assert [t.value for t in at.title][0] == "Results"
    demo = json.loads(DEMO_ANSWERS.read_text(encoding="utf-8"))["answers"]
    assert at.session_state["answers"] == demo
    state = at.session_state["audit_state"]
    assert state.error is None
    audit = state.run.audit
    assert audit.records > 0
    labels = [m.label for m in at.metric]
    assert "Data (measured)" in labels
    records = [m for m in at.metric if m.label == "Records"]
    assert records[0].value == f"{audit.records:,}"
    assert not at.exception


# --- Upload ------------------------------------------------------------------


def upload_page() -> tuple[AppTest, dict[str, Any]]:
    at = app()
    answers = all_answers()
    open_page(at, "pages/upload.py", answers)
    assert [t.value for t in at.title] == ["CRM export (optional)"]
    return at, answers


def upload(at: AppTest, name: str, data: bytes, mime: str) -> None:
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception


def test_upload_valid_csv_shows_success():
    at, answers = upload_page()
    upload(at, demo_file_name(), demo_opportunities(rows=120), "text/csv")
    assert not at.error
    assert len(at.success) == 1
    assert at.success[0].value.startswith("Read 120 opportunities from ")
    # The forward button reads Next with an audited export, Skip without one.
    labels = [b.label for b in at.button]
    assert "Next" in labels and "Skip" not in labels
    assert at.session_state["answers"] == answers
    assert not at.exception


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Opportunity.csv", demo_opportunities(rows=20))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "mime", "expected"),
    [
        ("logo.png", PNG, "image/png", "logo.png is a binary file"),
        (
            "export.zip",
            b"PK\x03\x04 not really a zip",
            "application/zip",
            "export.zip is a damaged zip archive",
        ),
        ("empty.csv", b"", "text/csv", "empty.csv is empty"),
        (
            "deals.csv",
            b"Id,Name,Amount\n1,Acme,100\n2,Globex,250\n",
            "text/csv",
            "deals.csv has no stage column",
        ),
    ],
    ids=["png", "zip", "empty", "no-stage-column"],
)
def test_upload_bad_file_shows_one_error(name, data, mime, expected):
    at, answers = upload_page()
    upload(at, name, data, mime)
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith(expected)
    assert message.endswith(".") and "\n" not in message
    assert "Traceback" not in message
    assert not at.success
    assert at.session_state["answers"] == answers
    labels = [b.label for b in at.button]
    assert "Skip" in labels and "Next" not in labels
    assert not at.exception


def test_upload_zip_of_csv_is_audited():
    at, answers = upload_page()
    upload(at, "export.zip", _zip(), "application/zip")
    assert not at.error
    assert at.success[0].value.startswith("Read 20 opportunities from export.zip")
    assert at.session_state["answers"] == answers


def test_upload_correction_reruns_audit_without_rereading(monkeypatch):
    import l2c_core.records as records

    at, answers = upload_page()
    upload(at, demo_file_name(), demo_opportunities(rows=120), "text/csv")
    reads = []
    original = records.read_tables
    monkeypatch.setattr(
        records, "read_tables", lambda *a, **k: reads.append(1) or original(*a, **k)
    )
    before = at.session_state["audit_state"].run.audit
    # Take the next-step column out of the mapping.
    box = next(s for s in at.selectbox if s.label.startswith("next step"))
    box.set_value("(none)").run()
    assert not at.exception
    after = at.session_state["audit_state"].run.audit
    assert reads == []
    assert before.rules["next_step"].missing_field is None
    assert after.rules["next_step"].missing_field == "no next step in this export"
    assert at.session_state["answers"] == answers


def test_upload_stage_map_correction_changes_outcomes():
    at, _ = upload_page()
    data = (
        b"Opportunity ID,Stage,Amount,Close Date\n"
        b"1,Closed Won,100,2026-01-10\n2,1048837210,200,2026-02-10\n"
    )
    upload(at, "deals.csv", data, "text/csv")
    audit = at.session_state["audit_state"].run.audit
    assert audit.outcomes.unmapped == 1
    # AppTest cannot edit a data editor; the page writes its corrections here.
    at.session_state["audit_settings"] = {"stage_map": {"1048837210": "lost"}}
    at.run()
    audit = at.session_state["audit_state"].run.audit
    assert audit.outcomes.unmapped == 0
    assert audit.outcomes.lost == 1 and audit.outcomes.won == 1


def test_upload_without_stage_column_offers_a_column_picker():
    at, answers = upload_page()
    upload(
        at,
        "deals.csv",
        b"Id,Phase,Amount\n1,Closed Won,100\n2,Proposal,250\n",
        "text/csv",
    )
    assert at.error[0].value.startswith("deals.csv has no stage column")
    box = next(s for s in at.selectbox if s.label == "Which column holds the stage?")
    box.set_value("Phase").run()
    assert not at.error and not at.exception
    audit = at.session_state["audit_state"].run.audit
    assert (audit.outcomes.won, audit.outcomes.open) == (1, 1)
    assert at.session_state["answers"] == answers
