"""Home: what the health check is, and the two ways in."""

import streamlit as st

import ui_state

st.title("Revenue Engine Health Check")
st.markdown(
    "A diagnostic of your **lead-to-cash system**, the whole path from first touch to "
    "a paying, renewing customer. Answer **eighteen questions** across six dimensions "
    "(Data, Process, Tooling, People, Measurement and AI readiness), optionally upload "
    "a CSV export of your CRM opportunities, and leave with scores against target "
    "states, a first audit of your pipeline data and a PDF to share."
)
st.markdown(
    "It takes **about ten minutes**. Nothing is saved: your answers and any uploaded "
    "file stay in this browser session's memory only, and are gone when you close it."
)

start, demo, _ = st.columns([1, 1, 2])
if start.button("Start", type="primary", width="stretch"):
    st.session_state[ui_state.STEP] = 0
    st.switch_page("pages/questions.py")
if demo.button("Try with demo answers", width="stretch"):
    ui_state.load_demo()
    st.switch_page("pages/results.py")

if ui_state.answers():
    answered = len(ui_state.answers())
    total = len(ui_state.questionnaire().questions)
    st.caption(f"You have answered {answered} of {total} questions in this session.")
    if st.button("Start over with a clean slate"):
        ui_state.reset()
        st.rerun()
