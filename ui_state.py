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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import streamlit as st

from l2c_core.assess import assess
from l2c_core.audit import Audit
from l2c_core.catalogue import Metric, default_scorecard
from l2c_core.errors import L2CError
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
SETTINGS = "audit_settings"
WHAT_IF_GENERATION = "what_if_generation"
AUDIT = "audit_state"


@dataclass(frozen=True)
class Upload:
    """An upload read once: its bytes, the parsed tables, or the reason it failed."""

    digest: str
    names: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]
    tables: Any | None
    notes: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class AuditState:
    """The audit of the current upload under the current settings."""

    key: str
    run: Any | None
    records: Any | None
    error: str | None

    @property
    def audit(self) -> Audit | None:
        """The aggregates, or None when the upload could not be audited."""
        return self.run.audit if self.run is not None else None


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


def settings() -> dict[str, Any]:
    """The visitor's reading and audit settings (overrides of what was detected)."""
    return st.session_state.setdefault(SETTINGS, {})


def _read(files: tuple[tuple[str, bytes], ...], opts: dict[str, Any]) -> Any:
    from l2c_core.records import read_tables

    return read_tables(
        list(files), encoding=opts.get("encoding"), delimiter=opts.get("delimiter")
    )


def set_files(files: list[tuple[str, bytes]]) -> Upload | None:
    """Read a new upload once; the same bytes on a rerun reuse what was read."""
    from l2c_core.containers import expand_upload

    if not files:
        clear_upload()
        return None
    digest = hashlib.sha256(
        b"".join(hashlib.sha256(d).digest() for _, d in files)
    ).hexdigest()
    current = upload()
    if current is not None and current.digest == digest:
        return current
    names = tuple(name for name, _ in files)
    st.session_state[SETTINGS] = {}
    try:
        expanded = expand_upload(files)
        tables = _read(expanded.files, {})
        stored = Upload(digest, names, expanded.files, tables, expanded.notes, None)
        log.info("upload read: files=%d", len(expanded.files))
    except L2CError as exc:
        stored = Upload(digest, names, (), None, (), exc.message)
        log.info("upload refused: files=%d reason=%s", len(files), type(exc).__name__)
    st.session_state[UPLOAD] = stored
    st.session_state.pop(AUDIT, None)
    return stored


def reread(encoding: str | None, delimiter: str | None) -> None:
    """Read the same bytes again with another encoding or delimiter."""
    current = upload()
    if current is None or not current.files:
        return
    opts = settings()
    opts.update({"encoding": encoding, "delimiter": delimiter})
    try:
        tables = _read(current.files, opts)
        error = None
    except L2CError as exc:
        tables, error = None, exc.message
    st.session_state[UPLOAD] = Upload(
        current.digest, current.names, current.files, tables, current.notes, error
    )
    st.session_state.pop(AUDIT, None)
    log.info("upload re-read: encoding=%s delimiter=%r", encoding, delimiter)


def audit_state() -> AuditState | None:
    """The audit under the current settings, recomputed only when they change."""
    from l2c_core.integrity import AuditFilters, audit_records
    from l2c_core.records import build_records

    current = upload()
    if current is None:
        return None
    opts = settings()
    key = json.dumps([current.digest, opts], sort_keys=True, default=str)
    cached = st.session_state.get(AUDIT)
    if isinstance(cached, AuditState) and cached.key == key:
        return cached
    if current.tables is None:
        state = AuditState(key, None, None, current.error)
    else:
        try:
            records = build_records(
                current.tables,
                date_order=opts.get("date_order"),
                column_map=opts.get("column_map"),
                stage_map=opts.get("stage_map"),
            )
            filters = opts.get("filters") or {}
            run = audit_records(
                records,
                as_of=opts.get("as_of"),
                audit_all=bool(opts.get("audit_all")),
                seed=int(opts.get("seed", 0)),
                filters=AuditFilters(
                    pipelines=tuple(filters["pipelines"])
                    if filters.get("pipelines")
                    else None,
                    types=tuple(filters["types"]) if filters.get("types") else None,
                    period=tuple(filters["period"]) if filters.get("period") else None,
                ),
            )
            if current.notes:
                from l2c_core.containers import with_notes

                run = replace(run, audit=with_notes(run.audit, current.notes))
            state = AuditState(key, run, records, None)
            log.info(
                "audit run: records=%d audited=%d", run.audit.records, run.audit.audited
            )
        except L2CError as exc:
            state = AuditState(key, None, None, exc.message)
            log.info("audit refused: reason=%s", type(exc).__name__)
    st.session_state[AUDIT] = state
    return state


def update_settings(**changes: Any) -> None:
    """Change audit settings: mapping, date order, stage map, as-of, sample, filters."""
    opts = settings()
    for name, value in changes.items():
        if value is None:
            opts.pop(name, None)
        else:
            opts[name] = value
    log.info("audit settings changed: %s", ", ".join(sorted(changes)))


def uploader_changed() -> None:
    """The visitor removed every file from the uploader: forget the upload."""
    if not st.session_state.get("crm_files"):
        clear_upload()


def clear_upload() -> None:
    """Forget the upload and its settings (the answers stay)."""
    for key in (UPLOAD, AUDIT, SETTINGS):
        st.session_state.pop(key, None)


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


def what_if_generation() -> int:
    """A counter in the what-if widgets' keys; a reset starts fresh widgets."""
    return int(st.session_state.setdefault(WHAT_IF_GENERATION, 0))


_WHAT_IF_LABELS = {
    "target_win_rate": "target win rate",
    "target_cycle_days": "target cycle",
    "ramp_months": "months to take effect",
    "adoption_risk": "adoption risk",
    "engagement_cost": "engagement cost",
    "capacity_days": "block capacity",
    "ai_threshold": "AI-readiness threshold",
}


def set_what_if(name: str, value: float | None) -> None:
    """Record one what-if value a consultant changed (None clears it)."""
    if name in ("capacity_days", "ai_threshold"):
        current = dict(planning())
        current[name] = (
            value
            if value is not None
            else {
                "capacity_days": DEFAULT_CAPACITY_DAYS,
                "ai_threshold": DEFAULT_AI_THRESHOLD,
            }[name]
        )
        st.session_state[PLANNING] = current
    elif name.startswith("conversion_"):
        stage = int(name.removeprefix("conversion_"))
        targets = dict(assumptions().target_conversion)
        if value is None:
            targets.pop(stage, None)
        else:
            targets[stage] = value
        st.session_state[ASSUMPTIONS] = assumptions().model_copy(
            update={"target_conversion": targets}
        )
    else:
        st.session_state[ASSUMPTIONS] = assumptions().model_copy(update={name: value})
    log.info("what-if changed: %s", name)


def what_if_changes() -> list[str]:
    """The names of the assumptions a consultant has changed."""
    changed = [f"stage {s} target" for s in sorted(assumptions().target_conversion)]
    current = assumptions()
    for name in (
        "target_win_rate",
        "target_cycle_days",
        "ramp_months",
        "adoption_risk",
        "engagement_cost",
    ):
        if getattr(current, name) is not None:
            changed.append(_WHAT_IF_LABELS[name])
    defaults = {
        "capacity_days": DEFAULT_CAPACITY_DAYS,
        "ai_threshold": DEFAULT_AI_THRESHOLD,
    }
    for name, default in defaults.items():
        if planning()[name] != default:
            changed.append(_WHAT_IF_LABELS[name])
    return changed


def reset_what_if() -> None:
    """Drop the consultant's adjustments; figures return to the resolved inputs."""
    st.session_state.pop(ASSUMPTIONS, None)
    st.session_state.pop(PLANNING, None)
    st.session_state[WHAT_IF_GENERATION] = what_if_generation() + 1
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


def metrics_from_rows(
    rows: list[dict[str, Any]], shown: tuple[Any, ...]
) -> tuple[list[Metric] | None, str | None]:
    """The scorecard a consultant edited, or None when nothing changed.

    Returns:
        The new metric list (None if unchanged) and a sentence when a row is
        incomplete.
    """
    from pydantic import ValidationError

    fields = (
        "outcome",
        "indicator",
        "definition",
        "owner",
        "decision",
        "cadence",
        "target",
    )
    before = [{f: getattr(e, f) for f in fields} for e in shown]
    after = [{f: (r.get(f) or "") for f in fields} for r in rows]
    if after == before:
        return None, None
    metrics: list[Metric] = []
    defaults = {m.indicator: m.measure for m in default_scorecard().metrics}
    for number, row in enumerate(after, start=1):
        try:
            metrics.append(Metric(**row, measure=defaults.get(row["indicator"])))
        except ValidationError:
            return None, (
                f"Scorecard row {number} needs an outcome, indicator, definition, "
                "owner, decision, cadence and target."
            )
    log.info("scorecard edited: metrics=%d", len(metrics))
    return metrics, None


def result() -> Result:
    """The result of the current inputs, computed once per change of input."""
    state = audit_state()
    audit = state.audit if state else None
    company = st.session_state.get(COMPANY) or None
    metrics = scorecard_metrics()
    key = json.dumps(
        [
            answers(),
            state.key if state else None,
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
