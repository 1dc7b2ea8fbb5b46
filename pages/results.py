"""Results: scores, the audit, dollar-sized fixes, the plan, the scorecard, the PDF."""

import streamlit as st

import ui_state
from l2c_core.catalogue import OUTCOMES
from l2c_core.charts import (
    DIMENSION_NAMES,
    opportunities_chart,
    plan_chart,
    scores_chart,
)
from l2c_core.export import audit_json, spreadsheet_csv
from l2c_core.integrity import CLEAN_TARGET, MIN_RECORDS, RULE_FIELDS
from l2c_core.opportunity import lever_label, money
from l2c_core.report_pdf import render_pdf
from l2c_core.rules import RULE_NAMES

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
# A value becomes a what-if only when the consultant changes its widget (the
# callback records it); showing the resolved inputs never overrides anything.
# The callbacks run before this script, so one result already holds any change.
result = ui_state.result()
inputs = result.inputs
generation = ui_state.what_if_generation()


def _widget(name: str) -> str:
    return f"whatif::{generation}::{name}"


def _set(name: str, scale: float = 1.0) -> None:
    value = st.session_state.get(_widget(name))
    ui_state.set_what_if(name, None if value is None else value / scale)


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
    for stage in conversion_stages:
        st.number_input(
            f"Target stage {stage}→{stage + 1} conversion (%)",
            min_value=0.0,
            max_value=100.0,
            value=inputs[f"target_conversion_{stage}"].value * 100,
            step=1.0,
            format="%.1f",
            key=_widget(f"conversion_{stage}"),
            on_change=_set,
            args=(f"conversion_{stage}", 100.0),
        )
    st.number_input(
        "Target win rate (%)",
        min_value=0.0,
        max_value=100.0,
        value=inputs["target_win_rate"].value * 100,
        step=1.0,
        format="%.1f",
        key=_widget("target_win_rate"),
        on_change=_set,
        args=("target_win_rate", 100.0),
    )
    st.number_input(
        "Target sales cycle (days)",
        min_value=1.0,
        value=inputs["target_cycle_days"].value,
        step=1.0,
        format="%.1f",
        key=_widget("target_cycle_days"),
        on_change=_set,
        args=("target_cycle_days",),
    )
    st.number_input(
        "Months until fixes take effect (blank: each fix's own)",
        min_value=0.0,
        max_value=11.0,
        value=result.assumptions.ramp_months,
        step=1.0,
        format="%.0f",
        key=_widget("ramp_months"),
        on_change=_set,
        args=("ramp_months",),
    )
    risk = result.assumptions.adoption_risk
    st.number_input(
        "Adoption risk (%, blank: each fix's own)",
        min_value=0.0,
        max_value=100.0,
        value=risk * 100 if risk is not None else None,
        step=5.0,
        format="%.0f",
        key=_widget("adoption_risk"),
        on_change=_set,
        args=("adoption_risk", 100.0),
    )
    st.number_input(
        "Engagement cost",
        min_value=0.0,
        value=float(inputs["engagement_cost"].value),
        step=10_000.0,
        format="%.0f",
        key=_widget("engagement_cost"),
        on_change=_set,
        args=("engagement_cost",),
    )
    planning = ui_state.planning()
    st.number_input(
        "Capacity per two-week block (person-days)",
        min_value=0.0,
        value=float(planning["capacity_days"]),
        step=1.0,
        format="%.0f",
        key=_widget("capacity_days"),
        on_change=_set,
        args=("capacity_days",),
    )
    st.number_input(
        "AI-readiness threshold (Data score)",
        min_value=0.0,
        max_value=100.0,
        value=float(planning["ai_threshold"]),
        step=5.0,
        format="%.0f",
        key=_widget("ai_threshold"),
        on_change=_set,
        args=("ai_threshold",),
    )
    if st.button("Reset the what-if"):
        ui_state.reset_what_if()
        st.rerun()
    changed = ui_state.what_if_changes()
    if changed:
        st.caption("Changed: " + ", ".join(changed) + ".")

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
    "Business case, 12 months" + (" (illustrative)" if case.illustrative else ""),
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
    st.info(
        "The business case is illustrative: at least one figure behind it is a "
        "catalogue default or rests on too few records. Enter your own figures in the "
        "company profile, or upload an export, to replace them."
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
        "questions; Don't know scores as level 0."
    )
    if scores.evidence_gaps:
        with st.expander(f"Evidence gaps ({len(scores.evidence_gaps)})"):
            for question_id in scores.evidence_gaps:
                st.markdown(f"- {ui_state.questionnaire().question(question_id).text}")

with audit_tab:
    audit = result.audit
    state = ui_state.audit_state()
    if state is not None and state.error:
        st.warning(
            f"The upload could not be audited: {state.error} The Data dimension is "
            "self-assessed."
        )
    elif audit is None or state is None or state.run is None:
        st.info("No CRM export was uploaded; the Data dimension is self-assessed.")
        if st.button("Upload an export"):
            st.switch_page("pages/upload.py")
    else:
        options = audit.filter_options
        chosen = ui_state.settings().get("filters") or {}
        pipe_col, type_col, period_col = st.columns(3)
        pipelines = pipe_col.multiselect(
            "Pipelines", options.pipelines, default=chosen.get("pipelines") or []
        )
        types = type_col.multiselect(
            "Opportunity types", options.types, default=chosen.get("types") or []
        )
        period = period_col.date_input(
            "Close dates between",
            value=tuple(chosen["period"]) if chosen.get("period") else (),
            help="Created date where a record has no close date.",
        )
        wanted = {
            "pipelines": pipelines or None,
            "types": types or None,
            "period": list(period)
            if isinstance(period, tuple) and len(period) == 2
            else None,
        }
        if {k: v for k, v in wanted.items() if v} != {
            k: v for k, v in chosen.items() if v
        }:
            ui_state.update_settings(
                filters={k: v for k, v in wanted.items() if v} or None
            )
            st.rerun()

        low, high = audit.clean_rate_interval or (0.0, 1.0)
        records_col, audited_col, clean_col, win_col = st.columns(4)
        records_col.metric("Records", f"{audit.records:,}")
        audited_col.metric(
            "Audited", f"{audit.audited:,}", help="sample" if audit.sampled else "all"
        )
        clean_col.metric(
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
        o = audit.outcomes
        st.markdown(
            f"**Outcomes**: {o.open:,} open · {o.won:,} won · {o.lost:,} lost"
            + (
                f" · {o.unmapped:,} unmapped (map them on the upload step)"
                if o.unmapped
                else ""
            )
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

        st.subheader("Funnel metrics")
        m = audit.metrics

        def _few(count: int) -> str:
            return (
                f" — rests on fewer than {MIN_RECORDS} records"
                if count < MIN_RECORDS
                else ""
            )

        win_text = f"{m.win_rate:.1%}" if m.win_rate is not None else "–"
        cycle = m.median_cycle_days
        cycle_text = f"{cycle:.0f} days" if cycle is not None else "–"
        lines = [
            f"- Win rate (won ÷ closed): {win_text} over {m.win_rate_records:,} "
            f"closed records{_few(m.win_rate_records)}",
            f"- Median sales cycle (created → close, won deals): {cycle_text} over "
            f"{m.cycle_records:,} won deals{_few(m.cycle_records)}",
        ]
        for code, amount in m.avg_won_amount.items():
            lines.append(f"- Average won deal ({code or 'no currency'}): {amount:,.0f}")
        for code, amount in m.velocity.items():
            lines.append(
                f"- Pipeline velocity ({code or 'no currency'}): {amount:,.0f} per day "
                "(open × win rate × average deal ÷ cycle days)"
            )
        st.markdown("\n".join(lines))
        if m.stage_conversion:
            st.dataframe(
                [
                    {
                        "from": c.from_stage,
                        "to": c.to_stage,
                        "conversion": f"{c.rate:.0%}" if c.rate is not None else "–",
                        "records": c.records,
                        "basis": "estimate (no stage history)"
                        if c.estimated
                        else "history",
                    }
                    for c in m.stage_conversion
                ],
                hide_index=True,
            )

        failures = state.run.failures
        st.subheader(f"Failing records ({len(failures):,})")
        rule_col, owner_col = st.columns(2)
        rule_filter = rule_col.multiselect(
            "Rule", list(RULE_FIELDS), format_func=RULE_NAMES.__getitem__
        )
        owners = (
            sorted(str(v) for v in failures["owner"].dropna().unique())
            if len(failures)
            else []
        )
        owner_filter = owner_col.multiselect("Owner", owners)
        shown = failures
        if rule_filter:
            shown = shown[
                shown["rules"].map(
                    lambda v: any(r in str(v).split(",") for r in rule_filter)
                )
            ]
        if owner_filter:
            shown = shown[shown["owner"].astype(str).isin(owner_filter)]
        st.dataframe(shown, hide_index=True)
        if len(state.run.owners):
            st.subheader("By owner")
            st.dataframe(state.run.owners, hide_index=True)

        csv_col, json_col = st.columns(2)
        csv_col.download_button(
            "Failing records (CSV)",
            data=lambda: spreadsheet_csv(
                failures.to_dict("records"), [str(c) for c in failures.columns]
            ),
            file_name="failing-records.csv",
            mime="text/csv",
            on_click="ignore",
        )
        json_col.download_button(
            "Audit (JSON)",
            data=lambda: audit_json(audit),
            file_name="audit.json",
            mime="application/json",
            on_click="ignore",
        )
        if audit.warnings:
            with st.expander(f"What the reader noticed ({len(audit.warnings)})"):
                for warning in audit.warnings:
                    st.markdown(f"- {warning.message}")

with money_tab:
    sized = tuple(o for o in result.opportunities if o.net > 0)
    unsized = [o for o in result.opportunities if o.net <= 0]
    if not sized:
        st.info("No dollar-sized fix applies to these answers.")
    else:
        st.altair_chart(opportunities_chart(sized, currency), width="stretch")
        st.dataframe(
            [
                {
                    "fix": o.title,
                    "lever": lever_label(o.lever),
                    "gross": money(o.gross, currency),
                    "net": money(o.net, currency),
                    "low": money(o.low, currency),
                    "high": money(o.high, currency),
                    "inputs": "illustrative" if o.illustrative else "your figures",
                }
                for o in sized
            ],
            hide_index=True,
        )
        if unsized:
            st.caption(
                "Worth nothing with these inputs (no gap, or no figure): "
                + "; ".join(o.title for o in unsized)
                + "."
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
                "dimension": DIMENSION_NAMES.get(r.dimension, r.dimension),
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
        "decision each informs. Consultants can edit, add or remove metrics here."
    )
    if result.scorecard_warning:
        st.warning(result.scorecard_warning)
    with st.form("scorecard_form", border=False):
        edited = st.data_editor(
            [e.model_dump() for e in result.scorecard],
            hide_index=True,
            num_rows="dynamic",
            disabled=["current"],
            column_config={
                "outcome": st.column_config.SelectboxColumn(options=list(OUTCOMES)),
                "cadence": st.column_config.SelectboxColumn(
                    options=["weekly", "fortnightly", "monthly", "quarterly"]
                ),
            },
            key="scorecard_editor",
        )
        apply = st.form_submit_button("Apply scorecard changes")
    if apply:
        metrics, problem = ui_state.metrics_from_rows(edited, result.scorecard)
        if problem:
            st.error(problem)
        elif metrics is not None:
            st.session_state[ui_state.SCORECARD] = metrics
            del st.session_state["scorecard_editor"]
            st.rerun()

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
