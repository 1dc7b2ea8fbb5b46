"""The optional CRM upload: read once, then corrected and re-audited at will."""

import datetime as dt

import streamlit as st

import ui_state
from l2c_core.mapping import FIELDS, REQUIRED

ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "cp1252",
    "cp1250",
    "cp1251",
    "iso8859_15",
    "mac_roman",
]
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DATE_ORDERS = {
    "DMY": "day/month/year",
    "MDY": "month/day/year",
    "YMD": "year-month-day",
}
OUTCOMES = ["open", "won", "lost", "unmapped"]

st.title("CRM export (optional)")
st.markdown(
    "Upload a CSV export of your CRM **opportunities** (Salesforce, HubSpot, "
    "Pipedrive, Zoho, Dynamics 365 or any similar shape; Excel workbooks and zip "
    "archives too) and the Data dimension is scored on the evidence: the share of "
    "records that pass six integrity rules. Related files (Salesforce "
    "OpportunityHistory, contact roles, competitors) can go beside it."
)
with st.expander("How to export opportunities"):
    st.markdown(
        "- **Salesforce**: Setup → Data Export → Opportunity, OpportunityHistory, "
        "OpportunityContactRole and OpportunityCompetitor; or an opportunity report "
        "as *Details only* CSV, with *Opportunity History* as a second report.\n"
        "- **HubSpot**: Deals → Export view → CSV, including all properties; the "
        "deal-stage history comes from a *Deal stage* history report.\n"
        "- **Pipedrive**: Deals list → … → Export filter results → CSV; the "
        "*Deal updates* export carries stage changes.\n"
        "- **Zoho CRM**: Setup → Data Administration → Export → Potentials (Deals), "
        "and *Stage History* from the same screen.\n"
        "- **Dynamics 365**: Sales → Opportunities → a view with Status and Sales "
        "Stage → Export to Excel (upload the .xlsx as it is)."
    )

limit = st.get_option("server.maxUploadSize")
files = st.file_uploader(
    "Opportunity export and related files",
    accept_multiple_files=True,
    help=f"CSV, TSV, .xlsx or .zip, up to {limit} MB per file. Files stay in this "
    "session's memory only. A larger export: remove columns you do not need, or zip "
    "it.",
    key="crm_files",
    on_change=ui_state.uploader_changed,
)
if files:
    with st.spinner("Reading the export…"):
        ui_state.set_files([(f.name, f.getvalue()) for f in files])

current = ui_state.upload()
state = ui_state.audit_state()
if current is not None and current.error and current.tables is None:
    st.error(current.error)
elif state is not None and state.error:
    st.error(state.error)
    if current is not None and current.tables is not None:
        # The file was read but a required field has no column: let the visitor
        # name it here instead of only in the command line's --mapping.
        columns = [str(c) for c in current.tables.table.frame.columns]
        chosen = st.selectbox(
            "Which column holds the stage?",
            ["(choose a column)", *columns],
            key="map::missing_stage",
        )
        if chosen != "(choose a column)":
            opts = ui_state.settings()
            ui_state.update_settings(
                column_map={**(opts.get("column_map") or {}), "stage": chosen}
            )
            st.rerun()

if state is not None and state.run is not None and state.records is not None:
    audit = state.run.audit
    records = state.records
    st.success(
        f"Read {audit.records:,} opportunities from {', '.join(current.names)}; "
        f"{audit.audited:,} audited as of {audit.as_of:%Y-%m-%d}."
    )
    for note in current.notes:
        st.info(note)

    st.subheader("How the files were read")
    st.dataframe(
        [
            {
                "file": f.name,
                "kind": f.kind,
                "rows": f.rows,
                "encoding": f.encoding,
                "delimiter": DELIMITERS.get(f.delimiter, repr(f.delimiter)),
            }
            for f in audit.files
        ],
        hide_index=True,
    )
    first = audit.files[0]
    opts = ui_state.settings()
    left, right = st.columns(2)
    encoding = left.selectbox(
        "Encoding",
        sorted({first.encoding, *ENCODINGS}),
        index=sorted({first.encoding, *ENCODINGS}).index(first.encoding),
        help="Detected from the bytes; change it if accented letters look wrong.",
    )
    delimiter = right.selectbox(
        "Delimiter",
        list(DELIMITERS),
        index=list(DELIMITERS).index(first.delimiter)
        if first.delimiter in DELIMITERS
        else 0,
        format_func=DELIMITERS.__getitem__,
    )
    if (encoding, delimiter) != (first.encoding, first.delimiter):
        ui_state.reread(encoding, delimiter)
        st.rerun()

    order = st.radio(
        "Dates are written as",
        list(DATE_ORDERS),
        index=list(DATE_ORDERS).index(records.date_order),
        format_func=DATE_ORDERS.__getitem__,
        horizontal=True,
        help="Inferred once for the whole file from dates that can only be read one "
        "way" + ("" if records.date_order_decided else "; no date decided it here"),
    )
    if order != records.date_order:
        ui_state.update_settings(date_order=order)
        st.rerun()

    left, right, seed_col = st.columns([2, 2, 1])
    as_of = left.date_input(
        "Audit as of",
        value=audit.as_of,
        help=f"From the export: {audit.as_of_source}.",
    )
    audit_all = right.toggle(
        "Audit all records",
        value=bool(opts.get("audit_all")),
        help="Off: the 500 opportunities of the last four quarters (or open) that "
        "the seeded sample picks.",
    )
    seed = seed_col.number_input("Sample seed", value=int(opts.get("seed", 0)), step=1)
    wanted_as_of = (
        as_of if isinstance(as_of, dt.date) and as_of != audit.as_of else None
    )
    if (
        wanted_as_of is not None
        or audit_all != bool(opts.get("audit_all"))
        or seed != int(opts.get("seed", 0))
    ):
        ui_state.update_settings(
            as_of=wanted_as_of or opts.get("as_of"),
            audit_all=audit_all or None,
            seed=int(seed) or None,
        )
        st.rerun()

    with st.expander("Column mapping", expanded=False):
        st.caption(
            "Which column serves each field. The audit reruns on a change without "
            "reading the file again."
        )
        choices = ["(none)", *records.columns]
        changed = {}
        for field in FIELDS:
            used = records.mapping.get(field, [])
            selected = st.selectbox(
                field.replace("_", " ") + (" (required)" if field in REQUIRED else ""),
                choices,
                index=choices.index(used[0]) if used and used[0] in choices else 0,
                key=f"map::{field}",
            )
            if selected != (used[0] if used else "(none)"):
                changed[field] = None if selected == "(none)" else selected
        if changed:
            ui_state.update_settings(
                column_map={**(opts.get("column_map") or {}), **changed}
            )
            st.rerun()

    with st.expander(f"Stage map ({len(records.stages)} stages)", expanded=False):
        st.caption(
            "Each stage's outcome. Unmapped stages are left out of outcome counts and "
            "conversion until you map them."
        )
        rows = [
            {
                "pipeline": s.pipeline,
                "stage": s.stage,
                "records": s.count,
                "outcome": s.outcome,
                "decided by": s.source,
            }
            for s in records.stages
        ]
        edited = st.data_editor(
            rows,
            hide_index=True,
            disabled=["pipeline", "stage", "records", "decided by"],
            column_config={
                "outcome": st.column_config.SelectboxColumn(
                    options=OUTCOMES, required=True
                )
            },
            key="stage_map_editor",
        )
        corrections = {
            (f"{r['pipeline']}|{r['stage']}" if r["pipeline"] else r["stage"]): r[
                "outcome"
            ]
            for r, before in zip(edited, rows, strict=True)
            if r["outcome"] != before["outcome"] and r["outcome"] != "unmapped"
        }
        if corrections:
            ui_state.update_settings(
                stage_map={**(opts.get("stage_map") or {}), **corrections}
            )
            st.rerun()

    if st.button("Remove the upload"):
        ui_state.clear_upload()
        st.rerun()

back, next_, _ = st.columns([1, 1, 4])
if back.button("Back", width="stretch"):
    st.switch_page("pages/questions.py")
audited = state is not None and state.run is not None
if next_.button("Next" if audited else "Skip", type="primary", width="stretch"):
    st.switch_page("pages/profile.py")
