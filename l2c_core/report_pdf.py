"""The PDF report: the typst template in ``assets/`` filled from a result."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any

import typst

from l2c_core.audit import Audit
from l2c_core.charts import chart_svg, scores_chart
from l2c_core.questionnaire import Questionnaire, default_questionnaire
from l2c_core.result import Result
from l2c_core.scoring import CONTRADICTION_POINTS, DATA_DIMENSION, Scores

logger = logging.getLogger(__name__)

TEMPLATE = Path(__file__).resolve().parent.parent / "assets" / "report.typ"
TITLE = "Revenue Engine Health Check"
# Embedded in the typst package (no system font needed) and covers Latin-1,
# Latin Extended-A, €, — and typographic quotes.
FONT = "Libertinus Serif"

# The playbook's clean-record target and the range a first audit usually finds
# (DESIGN.md section 2); shown as the playbook's, never as a benchmark.
CLEAN_RATE_TARGET = 0.90
FIRST_PASS_RANGE = "55–70 %"
# Fewer records than this make a rate anecdotal (DESIGN.md section 6).
MIN_RECORDS = 30

RULE_NAMES = {
    "stage_timestamps": "Stage change time-stamped",
    "close_date": "Close date consistent",
    "next_step": "Next step recorded",
    "champion": "Champion with role, 2+ contacts",
    "competitor": "Competitor recorded",
    "loss_reason": "Loss reason in taxonomy",
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "—"


def _date(day: dt.date) -> str:
    """Format a date as '3 December 2025', whatever the process locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _int(value: int) -> str:
    """Format a count with comma thousands separators: 12,345."""
    return f"{value:,}"


def _signed(value: int) -> str:
    """Format a whole number with a true minus sign."""
    return f"{MINUS}{-value}" if value < 0 else str(value)


def _pct(fraction: float | None, digits: int = 1) -> str:
    """Format a 0-1 fraction as a percentage, or a dash when unknown."""
    if fraction is None:
        return DASH
    return f"{100 * fraction:.{digits}f}{NBSP}%"


def _scores_data(scores: Scores, show_data_columns: bool) -> list[dict[str, str]]:
    """The dimension table, rounded once so current + gap adds up to target."""
    rows: list[dict[str, str]] = []
    for dimension in scores.dimensions:
        current = round(dimension.current)
        target = round(dimension.target)
        row = {
            "name": dimension.name,
            "current": str(current),
            "target": str(target),
            "gap": _signed(target - current),
            "self_assessed": DASH,
            "measured": DASH,
        }
        if show_data_columns and dimension.id == DATA_DIMENSION:
            row["self_assessed"] = str(round(dimension.self_assessed))
            if dimension.measured is not None:
                row["measured"] = str(round(dimension.measured))
        rows.append(row)
    return rows


def _evidence_gaps(
    scores: Scores, questionnaire: Questionnaire | None
) -> list[dict[str, Any]]:
    """The Don't-know questions by dimension, named by their question text."""
    if not scores.evidence_gaps:
        return []
    questionnaire = questionnaire or default_questionnaire()
    texts = {question.id: question.text for question in questionnaire.questions}
    return [
        {
            "dimension": dimension.name,
            # An id the questionnaire lacks (another version) still shows, as its id.
            "questions": [texts.get(qid, qid) for qid in dimension.unknown],
        }
        for dimension in scores.dimensions
        if dimension.unknown
    ]


def _clean_rate(audit: Audit) -> str:
    """The clean rate with its interval when the audit sampled."""
    text = _pct(audit.clean_rate)
    if audit.clean_rate is not None and audit.clean_rate_interval is not None:
        low, high = audit.clean_rate_interval
        text += f" (95{NBSP}% interval {100 * low:.1f}–{100 * high:.1f}{NBSP}%)"
    return text


def _win_rate(audit: Audit) -> str:
    """The win rate, the closed deals behind it, and a caution when they are few."""
    metrics = audit.metrics
    if metrics.win_rate is None:
        return f"{DASH} (no closed records)"
    closed = metrics.win_rate_records
    text = f"{_pct(metrics.win_rate)} of {_int(closed)} closed records"
    if closed < MIN_RECORDS:
        text += f", fewer than {MIN_RECORDS}: read with caution"
    return text


def _audit_data(audit: Audit) -> dict[str, Any]:
    """The audit section, every figure as display text."""
    outcomes = audit.outcomes
    if audit.sampled:
        audited = f"{_int(audit.audited)}, a sample (seed {audit.seed})"
    else:
        audited = f"{_int(audit.audited)}, all eligible records"
    rules = [
        {
            "rule": RULE_NAMES.get(rule_id, rule_id),
            "applicable": _int(rule.applicable),
            "failed": _int(rule.failed),
            "failure_rate": _pct(rule.failure_rate),
            "note": f"no {rule.missing_field} in this export"
            if rule.missing_field
            else "",
        }
        for rule_id, rule in audit.rules.items()
    ]
    warnings = [
        warning.message
        if warning.count is None
        else f"{warning.message} ({_int(warning.count)} records)"
        for warning in audit.warnings
    ]
    return {
        "records": _int(audit.records),
        "audited": audited,
        "as_of": f"{_date(audit.as_of)} (from {audit.as_of_source})",
        "outcomes": (
            f"{_int(outcomes.open)} open, {_int(outcomes.won)} won, "
            f"{_int(outcomes.lost)} lost, {_int(outcomes.unmapped)} unmapped"
        ),
        "win_rate": _win_rate(audit),
        "clean_rate": _clean_rate(audit),
        "clean_target": f"at least {_pct(CLEAN_RATE_TARGET, 0)} of records clean "
        "(the playbook's target)",
        "clean_rate_present_fields": _pct(audit.clean_rate_present_fields)
        + " clean over the rules whose fields the export has",
        "clean_note": f"Most organisations score {FIRST_PASS_RANGE} on a first pass.",
        "rules": rules,
        "warnings": warnings,
        "files": [
            {
                "name": file.name,
                "kind": file.kind,
                "encoding": file.encoding,
                "rows": _int(file.rows),
            }
            for file in audit.files
        ],
    }


def _report_data(result: Result, questionnaire: Questionnaire | None) -> dict[str, Any]:
    """Everything the template prints, as JSON-ready display values."""
    scores = result.scores
    show_data_columns = result.audit is not None or any(
        dimension.measured is not None for dimension in scores.dimensions
    )
    return {
        "title": TITLE,
        "font": FONT,
        "company": result.company or None,
        "date": _date(result.generated_on),
        "questionnaire": f"{result.questionnaire_id} v{result.questionnaire_version}",
        "overall": str(round(scores.overall)),
        "show_data_columns": show_data_columns,
        "dimensions": _scores_data(scores, show_data_columns),
        "contradiction": scores.contradiction,
        "contradiction_points": f"{CONTRADICTION_POINTS:.0f}",
        "clean_target_short": _pct(CLEAN_RATE_TARGET, 0),
        "evidence_gaps": _evidence_gaps(scores, questionnaire),
        "audit": _audit_data(result.audit) if result.audit else None,
    }


def render_pdf(result: Result, questionnaire: Questionnaire | None = None) -> bytes:
    """Render the report of one assessment as a PDF.

    All data reaches the template as JSON through typst's ``sys.inputs`` and the
    chart as an SVG string, so user text is never parsed as typst markup. Only
    typst's embedded fonts are used, so the output does not depend on the
    machine's fonts.

    Args:
        result: the assessment to report.
        questionnaire: the questionnaire answered, used to print the text of
            Don't-know questions; defaults to the shipped one, and is read only
            when there are such questions.

    Returns:
        The PDF document. The same result gives the same bytes: the PDF's
        creation date is the result's ``generated_on``.
    """
    started = time.perf_counter()
    svg = chart_svg(scores_chart(result.scores), font=FONT)
    sys_inputs = {
        "data": json.dumps(_report_data(result, questionnaire), ensure_ascii=False),
        "chart": svg,
    }
    timestamp = dt.datetime.combine(result.generated_on, dt.time(), tzinfo=dt.UTC)
    pdf, warnings = typst.compile_with_warnings(
        TEMPLATE,
        format="pdf",
        ignore_system_fonts=True,
        sys_inputs=sys_inputs,
        timestamp=timestamp,
    )
    for warning in warnings:
        logger.warning("typst warning in report template: %s", warning.message)
    logger.info(
        "PDF written bytes=%d ms=%.0f", len(pdf), 1000 * (time.perf_counter() - started)
    )
    return pdf
