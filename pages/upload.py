"""The optional CRM upload: audited once per file, the answers untouched."""

import streamlit as st

import ui_state

st.title("CRM export (optional)")
st.markdown(
    "Upload a CSV export of your CRM **opportunities** (Salesforce, HubSpot, "
    "Pipedrive, Zoho, Dynamics 365 or any similar shape) and the Data dimension "
    "is scored on the evidence: the share of records that pass six integrity "
    "rules. Related files (Salesforce OpportunityHistory, contact roles, "
    "competitors) can go beside it."
)
with st.expander("How to export opportunities"):
    st.markdown(
        "- **Salesforce**: Setup → Data Export (Opportunity.csv and "
        "OpportunityHistory.csv), or a Details-only opportunity report as CSV.\n"
        "- **HubSpot**: Deals → Export view → CSV.\n"
        "- **Pipedrive**: Deals list → … → Export filter results → CSV.\n"
        "- **Zoho CRM**: Setup → Data Administration → Export → Potentials.\n"
        "- **Dynamics 365**: Opportunities view → Export to Excel, then save as CSV."
    )

limit = st.get_option("server.maxUploadSize")
files = st.file_uploader(
    "Opportunity export",
    accept_multiple_files=True,
    help=f"CSV or TSV, up to {limit} MB per file. Files stay in this session's memory.",
    key="crm_files",
    on_change=ui_state.uploader_changed,
)
if files:
    ui_state.set_files([(f.name, f.getvalue()) for f in files])

current = ui_state.upload()
if current is not None and current.error:
    st.error(current.error)
elif current is not None and current.audit is not None:
    audit = current.audit
    st.success(
        f"Read {audit.records:,} opportunities from {', '.join(current.names)}; "
        f"{audit.audited:,} audited as of {audit.as_of:%Y-%m-%d}."
    )
    st.dataframe(
        [
            {
                "file": f.name,
                "kind": f.kind,
                "rows": f.rows,
                "encoding": f.encoding,
                "delimiter": repr(f.delimiter),
            }
            for f in audit.files
        ],
        hide_index=True,
    )
    if st.button("Remove the upload"):
        ui_state.clear_upload()
        st.rerun()

back, next_, _ = st.columns([1, 1, 4])
if back.button("Back", width="stretch"):
    st.switch_page("pages/questions.py")
label = "Next" if current and current.audit else "Skip"
if next_.button(label, type="primary", width="stretch"):
    st.switch_page("pages/profile.py")
