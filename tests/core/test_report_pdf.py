"""Tests of the PDF report: it renders, and its text is really in the PDF."""

import datetime as dt
import logging
import os
import shutil
import subprocess
import unicodedata

import pytest

from l2c_core.audit import Audit, AuditWarning, FileInfo, Metrics, Outcomes, RuleResult
from l2c_core.questionnaire import Questionnaire
from l2c_core.report_pdf import render_pdf
from l2c_core.result import Result
from l2c_core.scoring import score

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
    measured = 100 * audit.clean_rate if audit and audit.clean_rate else None
    return Result(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        generated_on=dt.date(2025, 12, 3),
        company=company,
        answers=answers,
        scores=score(questionnaire, answers, measured_data=measured),
        audit=audit,
    )


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
        [exe, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    text = out.stdout.decode("utf-8")
    return unicodedata.normalize("NFC", " ".join(text.split()))


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
