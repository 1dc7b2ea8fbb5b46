"""Results: scores against target, the first audit, and the PDF."""

import streamlit as st

import ui_state
from l2c_core.charts import scores_chart
from l2c_core.integrity import CLEAN_TARGET, MIN_RECORDS, RULE_FIELDS
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

result = ui_state.result()
scores = result.scores
company = st.text_input(
    "Company name (for the report)", value=st.session_state.get(ui_state.COMPANY) or ""
)
if company != (st.session_state.get(ui_state.COMPANY) or ""):
    st.session_state[ui_state.COMPANY] = company
    st.rerun()

overall, data_col, gaps_col = st.columns(3)
overall.metric("Overall score", f"{scores.overall:.0f} / 100")
data_score = scores.dimension("data")
data_col.metric(
    "Data (measured)" if data_score.measured is not None else "Data (self-assessed)",
    f"{data_score.current:.0f} / 100",
)
gaps_col.metric("Answered Don't know", len(scores.evidence_gaps))
if scores.contradiction:
    st.warning(scores.contradiction)

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

st.header("Data audit")
audit = result.audit
if audit is None:
    st.info("No CRM export was uploaded; the Data dimension is self-assessed.")
    if st.button("Upload an export"):
        st.switch_page("pages/upload.py")
else:
    low, high = audit.clean_rate_interval or (0.0, 1.0)
    records, audited, clean, win = st.columns(4)
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
    win.metric(
        "Win rate",
        f"{rate:.0%}" if rate is not None else "–",
        help=f"won ÷ closed over {audit.metrics.win_rate_records} closed records",
    )
    st.caption(
        f"As of {audit.as_of:%Y-%m-%d} ({audit.as_of_source}). The playbook's target "
        f"is at least {CLEAN_TARGET:.0%} clean; most organisations score 55–70 % on a "
        f"first pass. Clean rate {(audit.clean_rate or 0):.1%} "
        f"(95 % interval {low:.1%}–{high:.1%}) over {audit.audited:,} records; over "
        f"the fields this export has: {(audit.clean_rate_present_fields or 0):.1%}."
    )
    if audit.metrics.win_rate_records and audit.metrics.win_rate_records < MIN_RECORDS:
        st.caption(f"The win rate rests on fewer than {MIN_RECORDS} closed records.")
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
                "failure rate": f"{r.failure_rate:.0%}"
                if r.failure_rate is not None
                else "–",
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
