"""The optional company profile: the figures dollar sizing starts from."""

import streamlit as st

import ui_state

st.title("Company profile (optional)")
st.markdown(
    "Dollar sizing uses, in this order: what the audited export measures, the figures "
    "you enter here, and the catalogue's illustrative defaults. Leave a field empty "
    "to fall back; every figure on the results page says where it came from."
)

raw = dict(ui_state.profile())


def _number(
    label: str,
    key: str,
    *,
    percent: bool = False,
    help_text: str = "",
    store: dict | None = None,
) -> None:
    target = raw if store is None else store
    value = target.get(key)
    shown = value * 100 if percent and isinstance(value, int | float) else value
    entered = st.number_input(
        f"{label} (%)" if percent else label,
        value=float(shown) if isinstance(shown, int | float) else None,
        min_value=0.0,
        max_value=100.0 if percent else None,
        step=1.0 if percent else 1000.0,
        format="%.1f" if percent else "%.0f",
        help=help_text or None,
        key=f"profile::{'t_' if store is not None else ''}{key}",
    )
    if entered is None:
        target.pop(key, None)
    else:
        target[key] = entered / 100 if percent else entered


left, right = st.columns(2)
with left:
    company = st.text_input("Company", value=raw.get("company", ""))
    raw["company"] = company
    if not company:
        raw.pop("company")
    currency = st.text_input("Currency (ISO code)", value=raw.get("currency", "USD"))
    raw["currency"] = currency.strip().upper() or "USD"
    _number("Annual new-business ARR", "annual_new_arr")
    _number("Average won deal size", "avg_deal_size")
with right:
    _number("Win rate", "win_rate", percent=True, help_text="won ÷ closed")
    _number("Sales cycle (days)", "cycle_days", help_text="created to closed-won")
    _number("Engagement cost", "engagement_cost", help_text="the cost of the fix work")

st.subheader("Targets")
st.caption(
    "Where you want each figure to be; left empty, the catalogue's target is used "
    "(win rate + 5 points, cycle − 15 %, deal size + 10 %)."
)
named_targets = {
    k: v for k, v in raw.get("targets", {}).items() if not str(k).isdigit()
}
t_left, t_mid, t_right = st.columns(3)
with t_left:
    _number("Target win rate", "win_rate", percent=True, store=named_targets)
with t_mid:
    _number("Target sales cycle (days)", "cycle_days", store=named_targets)
with t_right:
    _number("Target average deal size", "avg_deal_size", store=named_targets)

st.subheader("Pipeline by stage")
st.caption(
    "Per open stage: the value of opportunities entering it in a year, the rate that "
    "moves on to the next stage, and your target for that rate (in %)."
)
pipeline = raw.get("pipeline_by_stage", {})
conversion = raw.get("conversion", {})
targets = raw.get("targets", {})
stages = sorted({int(k) for k in (*pipeline, *conversion)} | {1, 2, 3})
rows = [
    {
        "stage": stage,
        "pipeline entering": pipeline.get(str(stage)),
        "conversion %": (
            conversion[str(stage)] * 100 if str(stage) in conversion else None
        ),
        "target %": targets[str(stage)] * 100 if str(stage) in targets else None,
    }
    for stage in stages
]
edited = st.data_editor(
    rows,
    num_rows="dynamic",
    hide_index=True,
    column_config={
        "stage": st.column_config.NumberColumn(min_value=1, step=1, required=True),
        "pipeline entering": st.column_config.NumberColumn(format="%.0f"),
        "conversion %": st.column_config.NumberColumn(format="%.1f"),
        "target %": st.column_config.NumberColumn(format="%.1f"),
    },
    key="profile::stages",
)
raw["pipeline_by_stage"] = {
    str(int(r["stage"])): r["pipeline entering"]
    for r in edited
    if r.get("stage") is not None and r.get("pipeline entering") is not None
}
raw["conversion"] = {
    str(int(r["stage"])): r["conversion %"] / 100
    for r in edited
    if r.get("stage") is not None and r.get("conversion %") is not None
}
raw["targets"] = named_targets | {
    str(int(r["stage"])): r["target %"] / 100
    for r in edited
    if r.get("stage") is not None and r.get("target %") is not None
}
for key in ("pipeline_by_stage", "conversion", "targets"):
    if not raw[key]:
        raw.pop(key)

if raw != ui_state.profile():
    st.session_state[ui_state.PROFILE] = raw
    if company:
        st.session_state[ui_state.COMPANY] = company

for issue in ui_state.profile_issues(raw):
    st.warning(issue)

back, next_, _ = st.columns([1, 1, 4])
if back.button("Back", width="stretch"):
    st.switch_page("pages/upload.py")
if next_.button("See results", type="primary", width="stretch"):
    st.switch_page("pages/results.py")
