"""Tests of the PDF report: it renders, and its text is really in the PDF."""

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from l2c_core import demo
from l2c_core.assess import assess
from l2c_core.audit import Audit, AuditWarning, FileInfo, Metrics, Outcomes, RuleResult
from l2c_core.integrity import audit_files
from l2c_core.opportunity import money
from l2c_core.questionnaire import Questionnaire
from l2c_core.report_pdf import render_pdf
from l2c_core.result import Result

DIMENSIONS = [
    ("data", "Data", 90),
    ("process", "Process", 80),
    ("tooling", "Tooling", 75),
    ("people", "People", 80),
    ("measurement", "Measurement", 80),
    ("ai", "AI readiness", 70),
]
UNICODE_COMPANY = "Zoë Müller & Co — €"
MARKUP_COMPANY = "#set page(width: 1cm) $x$ *bold*"
ASSETS = Path(__file__).resolve().parents[2] / "assets"
TODAY = dt.date(2025, 12, 3)
SECTIONS = (
    "Summary",
    "The business case",
    "The top three fixes",
    "AI readiness",
    "Dimension scores",
    "Evidence gaps",
    "Data audit",
    "Opportunities",
    "The math, lever by lever",
    "Ranked remediations",
    "The six-week plan",
    "Scorecard",
    "Method and assumptions",
)
BLOCK_NAMES = ("weeks 1-2", "weeks 3-4", "weeks 5-6", "after week 6")


def _questionnaire() -> Questionnaire:
    # Built here rather than read from questionnaires/, so the test does not
    # depend on the shipped file's wording.
    options = [{"level": level, "label": f"State {level}"} for level in range(5)]
    return Questionnaire.model_validate(
        {
            "id": "health_check",
            "version": "1.0",
            "title": "Test",
            "dimensions": [
                {"id": d, "name": name, "target": target}
                for d, name, target in DIMENSIONS
            ],
            "questions": [
                {
                    "id": f"{d}.q{i}",
                    "dimension": d,
                    "text": f"Question {i} on {name} (Ångström)?",
                    "options": options,
                }
                for d, name, _ in DIMENSIONS
                for i in range(3)
            ],
        }
    )


def _audit() -> Audit:
    return Audit(
        as_of=dt.date(2025, 11, 28),
        as_of_source="latest LastModifiedDate",
        records=1200,
        audited=500,
        sampled=True,
        seed=0,
        clean_rate=0.412,
        clean_rate_interval=(0.369, 0.456),
        clean_rate_present_fields=0.58,
        rules={
            "stage_timestamps": RuleResult(applicable=500, failed=120),
            "competitor": RuleResult(
                applicable=500, failed=500, missing_field="competitor"
            ),
        },
        outcomes=Outcomes(open=210, won=150, lost=140, unmapped=3),
        metrics=Metrics(win_rate=150 / 290, win_rate_records=290),
        files=(
            FileInfo(
                name="opps.csv",
                kind="opportunities",
                encoding="utf-8",
                delimiter=",",
                rows=1200,
            ),
        ),
        warnings=(
            AuditWarning(code="amount_missing", message="Amount missing", count=37),
        ),
    )


def _result(
    company: str | None = UNICODE_COMPANY,
    *,
    unknown: bool = False,
    audit: Audit | None = None,
) -> Result:
    questionnaire = _questionnaire()
    answers = {
        q.id: "unknown" if unknown and i == 0 else i % 5
        for i, q in enumerate(questionnaire.questions)
    }
    return assess(
        answers,
        questionnaire=questionnaire,
        audit=audit,
        company=company,
        today=TODAY,
    )


def _demo_result(**kwargs) -> Result:
    """The shipped questionnaire, catalogue, demo answers, profile and export."""
    answers = json.loads((ASSETS / "demo_answers.json").read_text("utf-8"))
    profile = json.loads((ASSETS / "demo_profile.json").read_text("utf-8"))
    audit = audit_files([(demo.demo_file_name(), demo.demo_opportunities())])
    return assess(
        answers["answers"], profile=profile, audit=audit, today=TODAY, **kwargs
    )


@pytest.fixture(scope="module")
def demo_result() -> Result:
    return _demo_result()


@pytest.fixture(scope="module")
def demo_pdf(demo_result) -> bytes:
    return render_pdf(demo_result)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text through poppler's pdftotext, whitespace collapsed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is required when CI is set")
        pytest.skip("pdftotext missing: apt-get install poppler-utils to run this")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [exe, "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    text = out.stdout.decode("utf-8")
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _squashed(text: str) -> str:
    """Text without whitespace, so a phrase wrapped at any line break still matches."""
    return "".join(unicodedata.normalize("NFC", text).split())


def test_render_pdf_returns_pdf_bytes():
    pdf = render_pdf(_result())

    assert pdf.startswith(b"%PDF")


def test_render_pdf_text_has_unicode_company_dimensions_and_scores(tmp_path):
    result = _result()

    text = _pdf_text(render_pdf(result), tmp_path)

    assert UNICODE_COMPANY in text
    assert "Revenue Engine Health Check" in text
    assert "3 December 2025" in text
    assert "health_check v1.0" in text
    assert f"{round(result.scores.overall)} / 100" in text
    for dimension in result.scores.dimensions:
        assert dimension.name in text
    process = result.scores.dimension("process")
    assert f"Process {round(process.current)} {round(process.target)}" in text


def test_render_pdf_company_with_typst_markup_prints_literally(tmp_path):
    text = _pdf_text(render_pdf(_result(MARKUP_COMPANY)), tmp_path)

    assert MARKUP_COMPANY in text


def test_render_pdf_without_company_renders(tmp_path):
    text = _pdf_text(render_pdf(_result(None)), tmp_path)

    assert "Revenue Engine Health Check" in text
    assert "None" not in text


def test_render_pdf_lists_dont_know_answers_by_question_text(tmp_path):
    pdf = render_pdf(_result(unknown=True), _questionnaire())

    text = _pdf_text(pdf, tmp_path)

    assert "Evidence gaps" in text
    assert "Question 0 on Data (Ångström)?" in text


def test_render_pdf_with_audit_shows_rules_rates_and_warnings(tmp_path):
    text = _pdf_text(render_pdf(_result(audit=_audit())), tmp_path)

    assert "Data audit" in text
    assert "Self-assessed" in text
    assert "41.2 %" in text
    assert "95 % interval 36.9–45.6 %" in text
    assert "55–70 %" in text
    assert "no competitor in this export" in text
    assert "Amount missing (37 records)" in text
    assert "210 open, 150 won, 140 lost, 3 unmapped" in text


def test_render_pdf_without_audit_has_no_audit_section(tmp_path):
    text = _pdf_text(render_pdf(_result()), tmp_path)

    assert "Data audit" not in text
    assert "Self-assessed" not in text
    assert "Method and assumptions" in text
    assert "No CRM export was audited" in text


def test_render_pdf_same_result_gives_same_bytes():
    result = _result(audit=_audit())

    assert render_pdf(result) == render_pdf(result)


def test_render_pdf_logs_one_info_line_without_customer_data(caplog):
    with caplog.at_level(logging.INFO, logger="l2c_core.report_pdf"):
        pdf = render_pdf(_result())

    records = [r for r in caplog.records if r.name == "l2c_core.report_pdf"]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert str(len(pdf)) in records[0].getMessage()
    assert "Zoë" not in records[0].getMessage()


def test_render_pdf_full_report_has_every_section_and_versions(
    demo_result, demo_pdf, tmp_path
):
    text = _pdf_text(demo_pdf, tmp_path)

    for heading in SECTIONS:
        assert heading in text, heading
    assert "Contents" in text
    assert f"v{demo_result.catalogue_version}" in text
    assert (
        f"{demo_result.questionnaire_id} v{demo_result.questionnaire_version}" in text
    )


def test_render_pdf_summary_shows_business_case_range_and_multiple(
    demo_result, demo_pdf, tmp_path
):
    case = demo_result.business_case
    text = _pdf_text(demo_pdf, tmp_path)

    assert money(case.net, "USD") in text
    assert f"{money(case.low, 'USD')} – {money(case.high, 'USD')}" in text
    assert case.multiple is not None
    assert f"{case.multiple:.1f}×" in text
    assert "4–12×" in text
    assert "not a promise" in text
    data = demo_result.scores.dimension("data")
    assert f"{round(data.measured)} measured vs {round(data.self_assessed)}" in text
    for fix in demo_result.remediations[:3]:
        assert _squashed(fix.title) in _squashed(text)


def test_render_pdf_shows_opportunities_with_their_math_and_sources(
    demo_result, demo_pdf, tmp_path
):
    first = demo_result.opportunities[0]
    text = _pdf_text(demo_pdf, tmp_path)
    squashed = _squashed(text)

    assert money(first.gross, "USD") in text
    for step in first.formula.split("; "):
        assert _squashed(step) in squashed
    for source in {
        i.source for o in demo_result.opportunities for i in o.inputs.values()
    }:
        assert f" {source}" in text
    assert any(o.illustrative for o in demo_result.opportunities)
    assert "ILLUSTRATIVE" in text


def test_render_pdf_ranks_remediations_with_done_when(demo_result, demo_pdf, tmp_path):
    squashed = _squashed(_pdf_text(demo_pdf, tmp_path))

    for fix in demo_result.remediations:
        assert _squashed(fix.title) in squashed
        assert _squashed(f"Done when: {fix.done_when}") in squashed


def test_render_pdf_plan_names_every_block_and_why_the_ai_pilot_waits(
    demo_result, demo_pdf, tmp_path
):
    plan = demo_result.plan
    text = _pdf_text(demo_pdf, tmp_path)

    for name in BLOCK_NAMES:
        assert name in text
    assert plan.data_score < plan.ai_threshold
    assert plan.ai_waits is not None
    assert _squashed(plan.ai_waits) in _squashed(text)
    assert "Not yet ready for an AI pilot" in text


def test_render_pdf_ai_ready_when_data_reaches_the_threshold(tmp_path):
    result = _demo_result(ai_threshold=0)

    text = _pdf_text(render_pdf(result), tmp_path)

    assert result.plan.ai_waits is None
    assert "Ready for a first AI pilot" in text
    assert "The AI pilot waits" not in text


def test_render_pdf_scorecard_lists_the_twelve_indicators(
    demo_result, demo_pdf, tmp_path
):
    squashed = _squashed(_pdf_text(demo_pdf, tmp_path))

    assert len(demo_result.scorecard) == 12
    for entry in demo_result.scorecard:
        assert _squashed(entry.indicator) in squashed
        assert _squashed(entry.decision) in squashed


def test_render_pdf_method_states_formulas_sample_and_warnings(
    demo_result, demo_pdf, tmp_path
):
    text = _pdf_text(demo_pdf, tmp_path)
    squashed = _squashed(text)

    assert "500 opportunities from the last four quarters" in text
    assert _squashed("annual won ARR × (current − target cycle in days) ÷ 365") in (
        squashed
    )
    assert _squashed("(12 − months until the fix takes effect) ÷ 12") in squashed
    assert "not industry benchmarks" in text
    for warning in demo_result.warnings:
        assert _squashed(warning) in squashed


def test_render_pdf_lists_profile_issues(tmp_path):
    answers = json.loads((ASSETS / "demo_answers.json").read_text("utf-8"))
    result = assess(
        answers["answers"], profile={"win_rate": 2, "currency": "USD"}, today=TODAY
    )

    text = _pdf_text(render_pdf(result), tmp_path)

    assert result.profile_issues
    assert "Profile issues" in text
    for issue in result.profile_issues:
        assert _squashed(issue.message) in _squashed(text)


def test_render_pdf_without_sized_fixes_says_so(tmp_path):
    result = _result()

    text = _pdf_text(render_pdf(result), tmp_path)

    assert not result.opportunities
    assert "nothing to size" in text
    for name in BLOCK_NAMES:
        assert name in text


def test_render_pdf_full_report_same_result_gives_same_bytes(demo_result, demo_pdf):
    assert render_pdf(demo_result) == demo_pdf
