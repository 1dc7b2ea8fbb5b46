"""The PDF report: the typst template in ``assets/`` filled from a result."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import typst

from l2c_core.audit import Audit
from l2c_core.charts import chart_svg, opportunities_chart, plan_chart, scores_chart
from l2c_core.integrity import CLEAN_TARGET, MIN_RECORDS, SAMPLE_SIZE
from l2c_core.opportunity import (
    HORIZON_MONTHS,
    Input,
    Opportunity,
    RankedRemediation,
    money,
)
from l2c_core.plan import AI_DIMENSION, Block, Plan
from l2c_core.questionnaire import Questionnaire, default_questionnaire
from l2c_core.result import Result
from l2c_core.rules import RULE_NAMES
from l2c_core.scoring import CONTRADICTION_POINTS, DATA_DIMENSION, Scores

logger = logging.getLogger(__name__)
ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart)

TEMPLATE = Path(__file__).resolve().parent.parent / "assets" / "report.typ"
TITLE = "Revenue Engine Health Check"
# Embedded in the typst package (no system font needed) and covers Latin-1,
# Latin Extended-A, €, — and typographic quotes.
FONT = "Libertinus Serif"

# The range a first audit usually finds (DESIGN.md section 2), shown beside the
# playbook's clean-record target, never as a benchmark.
FIRST_PASS_RANGE = "55–70 %"
# The multiple of the engagement cost the playbook has seen (DESIGN.md section
# 2): context for the business case, never a promise.
PLAYBOOK_MULTIPLE = "4–12×"
TOP_FIXES = 3
# Fix titles longer than this are cut at a word for the charts' axis labels.
CHART_LABEL_CHARS = 40

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
        "clean_target": f"at least {_pct(CLEAN_TARGET, 0)} of records clean "
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


def _number(value: float) -> str:
    """A figure with at most one decimal, the decimal dropped when it is zero."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _person_days(days: float) -> str:
    """'1 person-day', '2.5 person-days'."""
    return f"{_number(days)} person-day{'' if days == 1 else 's'}"


def _input_value(item: Input, currency: str) -> str:
    """An input's value in its unit."""
    if item.unit == "money":
        return money(item.value, currency)
    if item.unit == "rate":
        return _pct(item.value)
    if item.unit == "days":
        return f"{_number(item.value)} days"
    return _number(item.value)


def _inputs_rows(inputs: dict[str, Input], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "label": item.label[:1].upper() + item.label[1:],
            "value": _input_value(item, currency),
            "source": item.source,
            "assumed": item.source == "default",
            "note": item.note,
        }
        for item in inputs.values()
    ]


def _lever_name(lever: str) -> str:
    """``conversion:2`` as 'Stage 2→3 conversion', and so on."""
    if lever.startswith("conversion:"):
        stage = int(lever.split(":", 1)[1])
        return f"Stage {stage}→{stage + 1} conversion"
    names = {"win_rate": "Win rate", "cycle": "Sales cycle", "deal_size": "Deal size"}
    return names.get(lever, lever)


def _lever_formula(lever: str) -> str:
    """The gross formula of a lever, in words (DESIGN.md section 7)."""
    if lever.startswith("conversion:"):
        stage = int(lever.split(":", 1)[1])
        return (
            f"gross = pipeline entering stage {stage} in a year × (target − current "
            f"stage {stage}→{stage + 1} conversion), downstream stages holding"
        )
    return {
        "win_rate": "gross = value of opportunities closed in a year (annual won ARR ÷ "
        "win rate) × (target − current win rate)",
        "cycle": "gross = annual won ARR × (current − target cycle in days) ÷ 365",
        "deal_size": "gross = annual won deals (annual won ARR ÷ average deal size) × "
        "(target − current average deal size)",
    }.get(lever, "")


def _opportunities_data(result: Result) -> dict[str, Any]:
    """The opportunities table, and the math grouped by the lever each fix shares."""
    currency = result.currency
    opportunities = result.opportunities
    case = result.business_case
    rows = [
        {
            "title": o.title,
            "lever": _lever_name(o.lever),
            "gross": money(o.gross, currency),
            "net": money(o.net, currency),
            "low": money(o.low, currency),
            "high": money(o.high, currency),
            "illustrative": o.illustrative,
        }
        for o in opportunities
    ]
    # Fixes moving one lever share its inputs; show those once per lever.
    groups: dict[tuple[str, tuple[tuple[str, float, str], ...]], list[Opportunity]] = {}
    for o in opportunities:
        key = (
            o.lever,
            tuple((k, i.value, i.source) for k, i in o.inputs.items()),
        )
        groups.setdefault(key, []).append(o)
    math = [
        {
            "lever": _lever_name(lever),
            "formula": _lever_formula(lever),
            "inputs": _inputs_rows(fixes[0].inputs, currency),
            "fixes": [
                {
                    "title": o.title,
                    "steps": o.formula.split("; "),
                    "illustrative": o.illustrative,
                    "share": f"{o.share:.2f}",
                }
                for o in fixes
            ],
        }
        for (lever, _), fixes in groups.items()
    ]
    return {
        "rows": rows,
        "total": {
            "gross": money(case.gross, currency),
            "net": money(case.net, currency),
            "low": money(case.low, currency),
            "high": money(case.high, currency),
        },
        "math": math,
        "any_illustrative": any(o.illustrative for o in opportunities),
    }


def _dimension_names(result: Result) -> dict[str, str]:
    return {d.id: d.name for d in result.scores.dimensions}


def _dimension_name(names: dict[str, str], dimension_id: str) -> str:
    if dimension_id in names:
        return names[dimension_id]
    if dimension_id == AI_DIMENSION:
        return "AI readiness"
    return dimension_id.replace("_", " ").capitalize()


def _fix_value(fix: RankedRemediation, currency: str) -> str:
    """What a ranked fix is worth: its own net value, or the value it unlocks."""
    if fix.kind in ("conversion", "win_rate", "velocity", "deal_size"):
        return f"{money(fix.value, currency)} net in 12 months"
    return f"unlocks {money(fix.value, currency)} of net value"


def _remediations_data(result: Result) -> list[dict[str, str]]:
    names = _dimension_names(result)
    currency = result.currency
    return [
        {
            "rank": str(r.rank),
            "title": r.title,
            "dimension": _dimension_name(names, r.dimension),
            "owner": r.owner,
            "days": _number(r.effort_days),
            "per_day": money(r.value_per_day, currency),
            "done_when": r.done_when,
        }
        for r in result.remediations
    ]


def _block_data(block: Block, names: dict[str, str]) -> dict[str, Any]:
    if block.capacity_days is None:
        effort = _person_days(block.used_days)
    else:
        effort = (
            f"{_number(block.used_days)} of {_number(block.capacity_days)} person-days"
        )
    return {
        "name": block.name,
        "theme": block.theme,
        "effort": effort,
        "items": [
            {
                "rank": str(item.rank),
                "title": item.title,
                "dimension": _dimension_name(names, item.dimension),
                "owner": item.owner,
                "outcome": item.outcome,
                "days": _number(item.effort_days),
                "note": item.note,
            }
            for item in block.items
        ],
    }


def _plan_data(result: Result) -> dict[str, Any]:
    plan = result.plan
    names = _dimension_names(result)
    return {
        "blocks": [_block_data(block, names) for block in plan.blocks],
        "capacity": _number(plan.capacity_days),
        "threshold": f"{plan.ai_threshold:.0f}",
        "ai_waits": plan.ai_waits,
    }


def _ai_verdict(result: Result) -> dict[str, Any]:
    """Whether the foundations carry an AI pilot, in a headline and a sentence."""
    plan: Plan = result.plan
    names = _dimension_names(result)
    data = result.scores.dimension(DATA_DIMENSION)
    measured = data.measured is not None
    ready = plan.data_score >= plan.ai_threshold
    basis = "measured" if measured else "self-assessed"
    # The plan's own sentence says why the pilot waits; repeat it rather than
    # paraphrase it.
    text = plan.ai_waits or (
        f"The Data dimension scores {plan.data_score:.0f} ({basis}), "
        f"{'at or above' if ready else 'below'} the AI-readiness threshold of "
        f"{plan.ai_threshold:.0f}."
    )
    ai = next(
        (d for d in result.scores.dimensions if d.id == AI_DIMENSION),
        None,
    )
    if ai is not None:
        text += (
            f" {ai.name} itself scores {round(ai.current)} against a target of "
            f"{round(ai.target)}."
        )
    ai_items = [
        (block.name, item.title)
        for block in plan.blocks
        for item in block.items
        if item.dimension == AI_DIMENSION
    ]
    pilots = [title for name, title in ai_items if name == "weeks 5-6"]
    if ready and pilots:
        text += f" The plan pilots in weeks 5-6: {'; '.join(pilots)}."
    elif ready and ai_items:
        text += " The AI fixes did not fit weeks 5-6 and follow after week 6."
    elif ready:
        text += " No AI pilot was triggered by these answers."
    elif not plan.ai_waits:
        text += " An AI pilot should follow once the data reaches it."
    return {
        "ready": ready,
        "headline": "Ready for a first AI pilot"
        if ready
        else "Not yet ready for an AI pilot",
        "text": text,
        "waits": plan.ai_waits,
        "dimension": _dimension_name(names, AI_DIMENSION),
    }


def _summary_data(result: Result) -> dict[str, Any]:
    """The one-page summary: scores, evidence, the business case, top fixes."""
    currency = result.currency
    case = result.business_case
    data = result.scores.dimension(DATA_DIMENSION)
    if data.measured is not None and result.audit is not None:
        data_line = (
            f"Measured {round(data.measured)} (the clean-record rate of "
            f"{_int(result.audit.audited)} audited records); self-assessed "
            f"{round(data.self_assessed)}. Data scores on the measured figure."
        )
    elif data.measured is not None:
        data_line = (
            f"Measured {round(data.measured)}; self-assessed "
            f"{round(data.self_assessed)}. Data scores on the measured figure."
        )
    else:
        data_line = (
            "No CRM export was audited, so the Data score rests on the answers alone."
        )
    engagement = case.engagement_cost
    if case.multiple is None:
        multiple = None
        multiple_text = "No engagement cost was given, so there is no multiple."
    else:
        multiple = f"{case.multiple:.1f}×"
        multiple_text = (
            f"the engagement cost of {money(engagement.value, currency)} "
            f"({engagement.source})"
        )
    top = [
        {
            "rank": str(r.rank),
            "title": r.title,
            "detail": f"{r.owner} · {_person_days(r.effort_days)} · "
            f"{_fix_value(r, currency)}",
            "done_when": r.done_when,
        }
        for r in result.remediations[:TOP_FIXES]
    ]
    return {
        "data_measured": None if data.measured is None else str(round(data.measured)),
        "data_self_assessed": str(round(data.self_assessed)),
        "data_line": data_line,
        "net": money(case.net, currency),
        "low": money(case.low, currency),
        "high": money(case.high, currency),
        "gross": money(case.gross, currency),
        "multiple": multiple,
        "multiple_text": multiple_text,
        "playbook_multiple": PLAYBOOK_MULTIPLE,
        "illustrative": case.illustrative,
        "fixes": len(result.opportunities),
        "top": top,
        "ai": _ai_verdict(result),
    }


def _scorecard_data(result: Result) -> dict[str, Any]:
    rows = [
        {
            "outcome": entry.outcome[:1].upper() + entry.outcome[1:],
            "indicator": entry.indicator,
            "owner": entry.owner,
            "decision": entry.decision,
            "cadence": entry.cadence,
            "target": entry.target.removeprefix("Target: "),
            "current": entry.current or DASH,
        }
        for entry in result.scorecard
    ]
    return {"rows": rows, "count": str(len(rows)), "warning": result.scorecard_warning}


def _assumptions_data(result: Result) -> list[str]:
    """The consultant's what-if adjustments in effect, one sentence each."""
    chosen = result.assumptions
    currency = result.currency
    lines = [
        f"Target stage {stage}→{stage + 1} conversion set to {_pct(rate)}."
        for stage, rate in sorted(chosen.target_conversion.items())
    ]
    if chosen.target_win_rate is not None:
        lines.append(f"Target win rate set to {_pct(chosen.target_win_rate)}.")
    if chosen.target_cycle_days is not None:
        lines.append(
            f"Target sales cycle set to {_number(chosen.target_cycle_days)} days."
        )
    if chosen.ramp_months is not None:
        lines.append(
            f"Every fix takes effect after {_number(chosen.ramp_months)} months."
        )
    if chosen.adoption_risk is not None:
        risk = _pct(chosen.adoption_risk)
        lines.append(f"Adoption risk set to {risk} for every fix.")
    if chosen.engagement_cost is not None:
        lines.append(
            f"Engagement cost set to {money(chosen.engagement_cost, currency)}."
        )
    return lines


def _method_data(result: Result) -> dict[str, Any]:
    return {
        "sample": _int(SAMPLE_SIZE),
        "horizon": str(HORIZON_MONTHS),
        "inputs": _inputs_rows(result.inputs, result.currency),
        "assumptions": _assumptions_data(result),
        "profile_issues": [issue.message for issue in result.profile_issues],
        "warnings": list(result.warnings),
        "capacity": _number(result.plan.capacity_days),
        "threshold": f"{result.plan.ai_threshold:.0f}",
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
        "catalogue": f"v{result.catalogue_version}",
        "currency": result.currency,
        "overall": str(round(scores.overall)),
        "summary": _summary_data(result),
        "show_data_columns": show_data_columns,
        "dimensions": _scores_data(scores, show_data_columns),
        "contradiction": scores.contradiction,
        "contradiction_points": f"{CONTRADICTION_POINTS:.0f}",
        "clean_target_short": _pct(CLEAN_TARGET, 0),
        "evidence_gaps": _evidence_gaps(scores, questionnaire),
        "audit": _audit_data(result.audit) if result.audit else None,
        "opportunities": _opportunities_data(result),
        "remediations": _remediations_data(result),
        "plan": _plan_data(result),
        "scorecard": _scorecard_data(result),
        "method": _method_data(result),
    }


def _chart_label(title: str) -> str:
    """A fix's title cut at a word to fit the charts' axis labels."""
    if len(title) <= CHART_LABEL_CHARS:
        return title
    cut = title[: CHART_LABEL_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def _chart_labels(titles: list[str]) -> dict[str, str]:
    """Short chart labels by title; the full title wherever two would collide."""
    short = {title: _chart_label(title) for title in titles}
    counts = Counter(short.values())
    return {t: label if counts[label] == 1 else t for t, label in short.items()}


def _unlimited_labels(chart: ChartT) -> ChartT:
    """A copy of a chart whose y-axis labels Vega does not try to truncate.

    Only for charts whose labels ``_chart_label`` already shortened to fit the
    axis: the output is the same, but vl-convert no longer measures every label
    twice (once to check it against the limit, once for the axis bounds).
    """
    chart = chart.copy(deep=True)
    layers = chart.layer if isinstance(chart, alt.LayerChart) else [chart]
    for layer in layers:
        layer.encoding.y["axis"]["labelLimit"] = 0
    return chart


def _charts(result: Result) -> dict[str, str]:
    """The SVG charts the report shows, by the ``sys.inputs`` key the template reads.

    Fix titles are shortened in Python before export: Vega truncates a label
    longer than its axis allows by measuring it again and again, which costs
    seconds for forty labels in vl-convert. The tables beside each chart carry
    the full titles.
    """
    charts = {"chart": chart_svg(scores_chart(result.scores), font=FONT)}
    if result.opportunities:
        labels = _chart_labels([o.title for o in result.opportunities])
        opportunities = tuple(
            o.model_copy(update={"title": labels[o.title]})
            for o in result.opportunities
        )
        charts["opportunities_chart"] = chart_svg(
            _unlimited_labels(opportunities_chart(opportunities, result.currency)),
            font=FONT,
        )
    if any(block.items for block in result.plan.blocks):
        plan = result.plan
        labels = _chart_labels([i.title for b in plan.blocks for i in b.items])
        blocks = tuple(
            block.model_copy(
                update={
                    "items": tuple(
                        item.model_copy(update={"title": labels[item.title]})
                        for item in block.items
                    )
                }
            )
            for block in plan.blocks
        )
        charts["plan_chart"] = chart_svg(
            _unlimited_labels(plan_chart(plan.model_copy(update={"blocks": blocks}))),
            font=FONT,
        )
    return charts


def render_pdf(result: Result, questionnaire: Questionnaire | None = None) -> bytes:
    """Render the report of one assessment as a PDF.

    All data reaches the template as JSON through typst's ``sys.inputs`` and the
    charts as SVG strings, so user text is never parsed as typst markup. Only
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
    sys_inputs = {
        "data": json.dumps(_report_data(result, questionnaire), ensure_ascii=False),
        **_charts(result),
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
