"""Results: scores, the audit, dollar-sized fixes, the plan, the scorecard, the PDF."""

import streamlit as st

import ui_state
from l2c_core.charts import opportunities_chart, plan_chart, scores_chart
from l2c_core.integrity import CLEAN_TARGET, MIN_RECORDS, RULE_FIELDS
from l2c_core.opportunity import Assumptions, money
from l2c_core.report_pdf import RULE_NAMES, render_pdf

st.title("Results")
missing = ui_state.missing_answers()
if missing:
    st.info(
        f"{len(missing)} of {len(ui_state.questionnaire().questions)} questions still "
        "need an answer (or Don't know) before the results can be shown."
    )
    if st.button("Go to the questions", type="primary"):
        st.switch_page("pages/questions.py")
    st.stop()

# --- what-if (sidebar): every figure below follows at once --------------------
before = ui_state.result()
inputs = before.inputs
with st.sidebar:
    st.header("What-if")
    st.caption(
        "Adjust an assumption and every figure, the ranking and the plan update."
    )
    conversion_stages = sorted(
        int(k.removeprefix("target_conversion_"))
        for k in inputs
        if k.startswith("target_conversion_")
    )
    target_conversion = {}
    for stage in conversion_stages:
        current = inputs[f"target_conversion_{stage}"].value
        target_conversion[stage] = (
            st.number_input(
                f"Target stage {stage}→{stage + 1} conversion (%)",
                min_value=0.0,
                max_value=100.0,
                value=round(current * 100, 1),
                step=1.0,
                format="%.1f",
                key=f"whatif::conv{stage}",
            )
            / 100
        )
    win = st.number_input(
        "Target win rate (%)",
        min_value=0.0,
        max_value=100.0,
        value=round(inputs["target_win_rate"].value * 100, 1),
        step=1.0,
        format="%.1f",
        key="whatif::win",
    )
    cycle = st.number_input(
        "Target sales cycle (days)",
        min_value=1.0,
        value=round(inputs["target_cycle_days"].value, 0),
        step=1.0,
        format="%.0f",
        key="whatif::cycle",
    )
    ramp = st.number_input(
        "Months until fixes take effect (blank: each fix's own)",
        min_value=0.0,
        max_value=11.0,
        value=before.assumptions.ramp_months,
        step=1.0,
        format="%.1f",
        key="whatif::ramp",
    )
    risk = st.number_input(
        "Adoption risk (%, blank: each fix's own)",
        min_value=0.0,
        max_value=100.0,
        value=(
            before.assumptions.adoption_risk * 100
            if before.assumptions.adoption_risk is not None
            else None
        ),
        step=5.0,
        format="%.1f",
        key="whatif::risk",
    )
    cost = st.number_input(
        "Engagement cost",
        min_value=0.0,
        value=float(inputs["engagement_cost"].value),
        step=10_000.0,
        format="%.0f",
        key="whatif::cost",
    )
    planning = ui_state.planning()
    capacity = st.number_input(
        "Capacity per two-week block (person-days)",
        min_value=0.0,
        value=float(planning["capacity_days"]),
        step=1.0,
        format="%.1f",
        key="whatif::capacity",
    )
    threshold = st.number_input(
        "AI-readiness threshold (Data score)",
        min_value=0.0,
        max_value=100.0,
        value=float(planning["ai_threshold"]),
        step=5.0,
        format="%.1f",
        key="whatif::ai",
    )
    if st.button("Reset the what-if"):
        ui_state.reset_what_if()
        st.rerun()


assumptions = Assumptions(
    target_conversion={
        s: v
        for s, v in target_conversion.items()
        if abs(v - inputs[f"target_conversion_{s}"].value) > 1e-9
        or inputs[f"target_conversion_{s}"].source == "what-if"
    },
    target_win_rate=(
        win / 100
        if abs(win / 100 - inputs["target_win_rate"].value) > 1e-9
        or inputs["target_win_rate"].source == "what-if"
        else None
    ),
    target_cycle_days=(
        cycle
        if abs(cycle - inputs["target_cycle_days"].value) > 1e-9
        or inputs["target_cycle_days"].source == "what-if"
        else None
    ),
    ramp_months=ramp,
    adoption_risk=risk / 100 if risk is not None else None,
    engagement_cost=(
        cost
        if abs(cost - inputs["engagement_cost"].value) > 1e-9
        or inputs["engagement_cost"].source == "what-if"
        else None
    ),
)
if assumptions != ui_state.assumptions():
    st.session_state[ui_state.ASSUMPTIONS] = assumptions
if (capacity, threshold) != (planning["capacity_days"], planning["ai_threshold"]):
    st.session_state[ui_state.PLANNING] = {
        "capacity_days": capacity,
        "ai_threshold": threshold,
    }
result = ui_state.result()
scores = result.scores
currency = result.currency

company = st.text_input(
    "Company name (for the report)", value=st.session_state.get(ui_state.COMPANY) or ""
)
if company != (st.session_state.get(ui_state.COMPANY) or ""):
    st.session_state[ui_state.COMPANY] = company
    st.rerun()

case = result.business_case
overall, data_col, value_col, multiple_col = st.columns(4)
overall.metric("Overall score", f"{scores.overall:.0f} / 100")
data_score = scores.dimension("data")
data_col.metric(
    "Data (measured)" if data_score.measured is not None else "Data (self-assessed)",
    f"{data_score.current:.0f} / 100",
)
value_col.metric(
    "Business case (net, 12 months)",
    money(case.net, currency),
    help=f"range {money(case.low, currency)} – {money(case.high, currency)}",
)
multiple_col.metric(
    "× engagement cost",
    f"{case.multiple:.1f}×" if case.multiple is not None else "–",
    help=f"engagement cost {money(case.engagement_cost.value, currency)} "
    f"({case.engagement_cost.source})",
)
if case.illustrative:
    st.caption(
        "Figures marked illustrative rest on at least one catalogue default; enter "
        "your own in the company profile to replace them."
    )
if scores.contradiction:
    st.warning(scores.contradiction)
for issue in result.profile_issues:
    st.warning(issue.message)
for warning in result.warnings:
    st.warning(warning)

scores_tab, audit_tab, money_tab, plan_tab, scorecard_tab = st.tabs(
    ["Scores", "Data audit", "Opportunities", "Plan", "Scorecard"]
)

with scores_tab:
    st.altair_chart(scores_chart(scores), width="stretch")
    st.dataframe(
        [
            {
                "dimension": d.name,
                "current": round(d.current, 1),
                "target": round(d.target, 1),
                "gap": round(d.gap, 1),
                "self-assessed": round(d.self_assessed, 1),
            }
            for d in scores.dimensions
        ],
        hide_index=True,
    )
    st.caption(
        "A dimension scores 100 × Σ(weight × level ÷ 4) ÷ Σ weight over its three "
        "questions; Don't know scores as level 0. Targets are the playbook's target "
        "states, not industry benchmarks."
    )
    if scores.evidence_gaps:
        with st.expander(f"Evidence gaps ({len(scores.evidence_gaps)})"):
            for question_id in scores.evidence_gaps:
                st.markdown(f"- {ui_state.questionnaire().question(question_id).text}")

with audit_tab:
    audit = result.audit
    if audit is None:
        st.info("No CRM export was uploaded; the Data dimension is self-assessed.")
        if st.button("Upload an export"):
            st.switch_page("pages/upload.py")
    else:
        low, high = audit.clean_rate_interval or (0.0, 1.0)
        records, audited, clean, win_col = st.columns(4)
        records.metric("Records", f"{audit.records:,}")
        audited.metric(
            "Audited", f"{audit.audited:,}", help="sample" if audit.sampled else "all"
        )
        clean.metric(
            "Clean records",
            f"{(audit.clean_rate or 0):.0%}",
            help=f"95 % interval {low:.0%}–{high:.0%}",
        )
        rate = audit.metrics.win_rate
        win_col.metric(
            "Win rate",
            f"{rate:.0%}" if rate is not None else "–",
            help=f"won ÷ closed over {audit.metrics.win_rate_records} closed records",
        )
        st.caption(
            f"As of {audit.as_of:%Y-%m-%d} ({audit.as_of_source}). The playbook's "
            f"target is at least {CLEAN_TARGET:.0%} clean; most organisations score "
            f"55–70 % on a first pass. Clean rate {(audit.clean_rate or 0):.1%} "
            f"(95 % interval {low:.1%}–{high:.1%}) over {audit.audited:,} records; "
            "over the fields this export has: "
            f"{(audit.clean_rate_present_fields or 0):.1%}."
        )
        if (
            audit.metrics.win_rate_records
            and audit.metrics.win_rate_records < MIN_RECORDS
        ):
            st.caption(
                f"The win rate rests on fewer than {MIN_RECORDS} closed records."
            )
        o = audit.outcomes
        st.markdown(
            f"**Outcomes**: {o.open:,} open · {o.won:,} won · {o.lost:,} lost"
            + (f" · {o.unmapped:,} unmapped" if o.unmapped else "")
        )
        st.dataframe(
            [
                {
                    "rule": RULE_NAMES[rule_id],
                    "applies to": r.applicable,
                    "failed": r.failed,
                    "failure rate": (
                        f"{r.failure_rate:.0%}" if r.failure_rate is not None else "–"
                    ),
                    "note": r.missing_field or "",
                }
                for rule_id, r in audit.rules.items()
                if rule_id in RULE_FIELDS
            ],
            hide_index=True,
        )
        if audit.warnings:
            with st.expander(f"What the reader noticed ({len(audit.warnings)})"):
                for warning in audit.warnings:
                    st.markdown(f"- {warning.message}")

with money_tab:
    if not result.opportunities:
        st.info("No dollar-sized fix applies to these answers.")
    else:
        st.altair_chart(
            opportunities_chart(result.opportunities, currency), width="stretch"
        )
        st.dataframe(
            [
                {
                    "fix": o.title,
                    "lever": o.lever,
                    "gross": money(o.gross, currency),
                    "net": money(o.net, currency),
                    "low": money(o.low, currency),
                    "high": money(o.high, currency),
                    "inputs": "illustrative" if o.illustrative else "your figures",
                }
                for o in result.opportunities
            ],
            hide_index=True,
        )
        st.markdown(
            f"**Business case**: {money(case.net, currency)} net in twelve months "
            f"(range {money(case.low, currency)} – {money(case.high, currency)}), "
            + (
                f"{case.multiple:.1f}× the engagement cost of "
                f"{money(case.engagement_cost.value, currency)}."
                if case.multiple is not None
                else "no engagement cost given."
            )
        )
        for o in result.opportunities:
            with st.expander(f"Show the math: {o.title}"):
                st.markdown(o.formula)
                st.dataframe(
                    [
                        {
                            "input": i.label,
                            "value": (
                                f"{i.value:.1%}"
                                if i.unit == "rate"
                                else money(i.value, currency)
                                if i.unit == "money"
                                else f"{i.value:,.0f}"
                            ),
                            "source": i.source,
                            "note": i.note,
                        }
                        for i in o.inputs.values()
                    ],
                    hide_index=True,
                )
    st.subheader("Ranked remediations")
    st.caption(
        "Ranked by value per person-day; a data or enabling fix is worth the net "
        "value of the fixes that need it first."
    )
    st.dataframe(
        [
            {
                "rank": r.rank,
                "fix": r.title,
                "dimension": r.dimension,
                "owner": r.owner,
                "person-days": r.effort_days,
                "value": money(r.value, currency),
                "per day": money(r.value_per_day, currency),
                "why": "; ".join(r.reasons),
                "done when": r.done_when,
            }
            for r in result.remediations
        ],
        hide_index=True,
    )

with plan_tab:
    plan = result.plan
    if plan.ai_waits:
        st.info(plan.ai_waits)
    st.altair_chart(plan_chart(plan), width="stretch")
    for block in plan.blocks:
        used = (
            f" · {block.used_days:g} of {block.capacity_days:g} person-days"
            if block.capacity_days is not None
            else ""
        )
        st.markdown(f"**{block.name}**: {block.theme}{used}")
        st.dataframe(
            [
                {
                    "fix": i.title,
                    "owner": i.owner,
                    "person-days": i.effort_days,
                    "moves": i.outcome,
                    "note": i.note,
                }
                for i in block.items
            ],
            hide_index=True,
        )

with scorecard_tab:
    st.caption(
        "Six outcomes, two leading indicators each: review them on the cadence of the "
        "decision each informs."
    )
    if result.scorecard_warning:
        st.warning(result.scorecard_warning)
    st.dataframe(
        [e.model_dump() for e in result.scorecard],
        hide_index=True,
    )

st.divider()
st.download_button(
    "Download PDF",
    data=lambda: render_pdf(result, ui_state.questionnaire()),
    file_name="revenue-engine-health-check.pdf",
    mime="application/pdf",
    type="primary",
    on_click="ignore",
)
if st.button("Start over with a clean slate"):
    ui_state.reset()
    st.switch_page("pages/home.py")
