"""Revenue Engine Health Check: the Streamlit entry point."""

import logging
import os

import streamlit as st

logging.basicConfig(
    level=os.environ.get("L2C_LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

st.set_page_config(
    page_title="Revenue Engine Health Check",
    page_icon=":material/monitoring:",
    layout="wide",
)

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page(
        "pages/questions.py",
        title="Questions",
        icon=":material/checklist:",
        url_path="questions",
    ),
    st.Page(
        "pages/upload.py",
        title="CRM export",
        icon=":material/upload_file:",
        url_path="upload",
    ),
    st.Page(
        "pages/profile.py",
        title="Company profile",
        icon=":material/business:",
        url_path="profile",
    ),
    st.Page(
        "pages/results.py",
        title="Results",
        icon=":material/insights:",
        url_path="results",
    ),
]
st.navigation(pages).run()
