"""The questionnaire wizard: one dimension per step, answers kept across steps."""

import streamlit as st

import ui_state
from l2c_core.questionnaire import UNKNOWN

questionnaire = ui_state.questionnaire()
dimensions = questionnaire.dimensions
answers = ui_state.answers()
step = min(max(int(st.session_state.get(ui_state.STEP, 0)), 0), len(dimensions) - 1)
dimension = dimensions[step]

st.title("Questions")
st.progress((step + 1) / len(dimensions), text=f"Step {step + 1} of {len(dimensions)}")
st.subheader(dimension.name)
if dimension.summary:
    st.caption(dimension.summary)


def _remember(question_id: str) -> None:
    value = st.session_state.get(f"q::{question_id}")
    if value is not None:
        answers[question_id] = value


for question in questionnaire.questions_for(dimension.id):
    options = [*(o.level for o in question.options), UNKNOWN]
    labels = {o.level: o.label for o in question.options} | {UNKNOWN: "Don't know"}
    current = answers.get(question.id)
    st.radio(
        question.text,
        options,
        index=options.index(current) if current in options else None,
        format_func=labels.__getitem__,
        key=f"q::{question.id}",
        help=question.help or None,
        on_change=_remember,
        args=(question.id,),
    )

unanswered = [
    q for q in questionnaire.questions_for(dimension.id) if q.id not in answers
]
back, next_, _ = st.columns([1, 1, 4])
if back.button("Back", disabled=step == 0, width="stretch"):
    st.session_state[ui_state.STEP] = step - 1
    st.rerun()
last = step == len(dimensions) - 1
if next_.button(
    "Next" if not last else "Continue",
    type="primary",
    width="stretch",
):
    if unanswered:
        st.warning(
            "Answer every question on this step, or choose Don't know: "
            + "; ".join(f"“{q.text}”" for q in unanswered)
        )
    elif last:
        st.switch_page("pages/upload.py")
    else:
        st.session_state[ui_state.STEP] = step + 1
        st.rerun()
