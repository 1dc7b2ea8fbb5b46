"""The visitor's session: answers, upload and result, kept in ``st.session_state``.

Everything visitor-specific lives here, in the session, never in module globals
or ``st.cache_*`` (which every visitor shares). Answers are kept under a plain
key, not only in widget state, because Streamlit drops a widget's state when
the widget is not rendered (another wizard step, another page).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from l2c_core.assess import assess
from l2c_core.audit import Audit
from l2c_core.catalogue import Metric
from l2c_core.errors import L2CError
from l2c_core.integrity import audit_files
from l2c_core.opportunity import Assumptions
from l2c_core.plan import DEFAULT_AI_THRESHOLD, DEFAULT_CAPACITY_DAYS
from l2c_core.questionnaire import Questionnaire, default_questionnaire
from l2c_core.result import Result

log = logging.getLogger("l2c_app")

DEMO_ANSWERS = Path(__file__).resolve().parent / "assets" / "demo_answers.json"
DEMO_PROFILE = Path(__file__).resolve().parent / "assets" / "demo_profile.json"
ANSWERS = "answers"
STEP = "wizard_step"
UPLOAD = "upload"
COMPANY = "company"
PROFILE = "profile"
ASSUMPTIONS = "assumptions"
PLANNING = "planning"
SCORECARD = "scorecard_metrics"
RESULT = "result_cache"


@dataclass(frozen=True)
class Upload:
    """An audited upload, keyed by the hash of its bytes."""

    digest: str
    names: tuple[str, ...]
    audit: Audit | None
    error: str | None


def questionnaire() -> Questionnaire:
    """The shipped questionnaire (immutable, so sharing it between visitors is safe)."""
    return default_questionnaire()


def answers() -> dict[str, Any]:
    """The visitor's answers: question id → level 0-4 or "unknown"."""
    return st.session_state.setdefault(ANSWERS, {})


def upload() -> Upload | None:
    """The visitor's current upload, if any."""
    value = st.session_state.get(UPLOAD)
    return value if isinstance(value, Upload) else None


def set_files(files: list[tuple[str, bytes]]) -> Upload | None:
    """Audit a new upload once; the same bytes on a rerun reuse the stored audit."""
    if not files:
        st.session_state.pop(UPLOAD, None)
        return None
    digest = hashlib.sha256(
        b"".join(hashlib.sha256(d).digest() for _, d in files)
    ).hexdigest()
    current = upload()
    if current is not None and current.digest == digest:
        return current
    names = tuple(name for name, _ in files)
    try:
        audit: Audit | None = audit_files(files)
        error = None
        log.info(
            "upload audited: files=%d records=%d",
            len(files),
            audit.records if audit else 0,
        )
    except L2CError as exc:
        audit, error = None, exc.message
        log.info("upload refused: files=%d reason=%s", len(files), type(exc).__name__)
    stored = Upload(digest=digest, names=names, audit=audit, error=error)
    st.session_state[UPLOAD] = stored
    return stored


def uploader_changed() -> None:
    """The visitor removed every file from the uploader: forget the upload."""
    if not st.session_state.get("crm_files"):
        clear_upload()


def clear_upload() -> None:
    """Forget the upload (the answers stay)."""
    st.session_state.pop(UPLOAD, None)


def load_demo() -> None:
    """Fill in the demo answers and the demo CRM export."""
    from l2c_core.demo import demo_file_name, demo_opportunities

    data = json.loads(DEMO_ANSWERS.read_text(encoding="utf-8"))
    for key in [k for k in st.session_state.keys() if str(k).startswith("q::")]:
        del st.session_state[key]
    st.session_state[ANSWERS] = dict(data["answers"])
    st.session_state[PROFILE] = json.loads(DEMO_PROFILE.read_text(encoding="utf-8"))
    st.session_state[COMPANY] = "Demo Company"
    set_files([(demo_file_name(), demo_opportunities())])
    log.info("demo loaded")


def reset() -> None:
    """A clean slate: drop everything this visitor entered."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    log.info("session reset")


def missing_answers() -> list[str]:
    """Question ids without an answer yet."""
    given = answers()
    return [q.id for q in questionnaire().questions if q.id not in given]


def profile() -> dict[str, Any]:
    """The company profile as entered (validated when the result is computed)."""
    return st.session_state.setdefault(PROFILE, {})


def profile_issues(raw: dict[str, Any]) -> list[str]:
    """The sentences saying which profile fields were left out, and why."""
    from l2c_core.profile import parse_profile

    return [issue.message for issue in parse_profile(raw)[1]]


def assumptions() -> Assumptions:
    """The consultant's live what-if adjustments."""
    value = st.session_state.get(ASSUMPTIONS)
    return value if isinstance(value, Assumptions) else Assumptions()


def reset_what_if() -> None:
    """Drop the consultant's adjustments; figures return to the resolved inputs."""
    for key in [k for k in st.session_state.keys() if str(k).startswith("whatif::")]:
        del st.session_state[key]
    st.session_state.pop(ASSUMPTIONS, None)
    st.session_state.pop(PLANNING, None)
    log.info("what-if reset")


def planning() -> dict[str, float]:
    """Block capacity and AI-readiness threshold for the planner."""
    return st.session_state.setdefault(
        PLANNING,
        {"capacity_days": DEFAULT_CAPACITY_DAYS, "ai_threshold": DEFAULT_AI_THRESHOLD},
    )


def scorecard_metrics() -> list[Metric] | None:
    """A consultant's edited scorecard, or None for the default twelve."""
    value = st.session_state.get(SCORECARD)
    return value if isinstance(value, list) else None


def result() -> Result:
    """The result of the current inputs, computed once per change of input."""
    current = upload()
    audit = current.audit if current else None
    company = st.session_state.get(COMPANY) or None
    metrics = scorecard_metrics()
    key = json.dumps(
        [
            answers(),
            current.digest if current else None,
            company,
            profile(),
            assumptions().model_dump(mode="json"),
            planning(),
            [m.model_dump(mode="json") for m in metrics]
            if metrics is not None
            else None,
        ],
        sort_keys=True,
        default=str,
    )
    cached = st.session_state.get(RESULT)
    if cached is not None and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    computed = assess(
        answers(),
        questionnaire=questionnaire(),
        audit=audit,
        company=company,
        profile=profile(),
        assumptions=assumptions(),
        scorecard_metrics=metrics,
        capacity_days=planning()["capacity_days"],
        ai_threshold=planning()["ai_threshold"],
    )
    st.session_state[RESULT] = (key, computed)
    log.info("result computed: fixes=%d", len(computed.remediations))
    return computed
