"""The assessment: answers, an optional CRM upload and profile, into one result."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from l2c_core.audit import Audit
from l2c_core.catalogue import (
    Catalogue,
    Metric,
    Scorecard,
    default_catalogue,
    default_scorecard,
)
from l2c_core.integrity import audit_files
from l2c_core.opportunity import Assumptions, size
from l2c_core.plan import DEFAULT_AI_THRESHOLD, DEFAULT_CAPACITY_DAYS, build_plan
from l2c_core.profile import Profile, ProfileIssue, parse_profile
from l2c_core.questionnaire import (
    Questionnaire,
    default_questionnaire,
    validate_answers,
)
from l2c_core.result import Result
from l2c_core.scorecard import build_scorecard, too_many_metrics
from l2c_core.scoring import DATA_DIMENSION, score

log = logging.getLogger(__name__)


def assess(
    answers: Mapping[str, object],
    *,
    questionnaire: Questionnaire | None = None,
    catalogue: Catalogue | None = None,
    scorecard: Scorecard | None = None,
    scorecard_metrics: Sequence[Metric] | None = None,
    profile: Profile | Mapping[str, Any] | None = None,
    crm_files: Sequence[tuple[str, bytes]] = (),
    audit: Audit | None = None,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    targets: Mapping[str, float] | None = None,
    assumptions: Assumptions | None = None,
    capacity_days: float = DEFAULT_CAPACITY_DAYS,
    ai_threshold: float = DEFAULT_AI_THRESHOLD,
    company: str | None = None,
    today: dt.date | None = None,
) -> Result:
    """Compute the whole result of an assessment.

    Args:
        answers: question id → level 0-4 or ``"unknown"``, every question present.
        questionnaire: the questionnaire answered (the shipped one by default).
        catalogue: the remediation catalogue (the shipped one by default).
        scorecard: the scorecard definition (the shipped one by default).
        scorecard_metrics: a consultant's edited list of scorecard metrics.
        profile: the company profile, validated field by field when given as
            a mapping (bad fields are dropped and reported in ``profile_issues``).
        crm_files: (name, bytes) of a CRM upload to audit, if any.
        audit: an audit already computed (the app keeps one per upload);
            ``crm_files`` is then ignored.
        as_of: the audit's reference date, inferred when None.
        audit_all: audit every record instead of the sample.
        targets: dimension id → target score overriding the questionnaire's.
        assumptions: a consultant's live adjustments to the sizing.
        capacity_days: person-days each two-week block of the plan can absorb.
        ai_threshold: the Data score an AI pilot needs.
        company: the company's name, for the report (the profile's otherwise).
        today: the date the result is generated on.

    Returns:
        The result; the Data dimension scores on the measured clean rate when an
        export was audited.

    Raises:
        AnswersError: the answers do not fit the questionnaire.
        InputFileError: the CRM upload cannot be audited.
    """
    questionnaire = questionnaire or default_questionnaire()
    catalogue = catalogue or default_catalogue()
    scorecard = scorecard or default_scorecard()
    assumptions = assumptions or Assumptions()
    checked = validate_answers(questionnaire, answers)
    issues: list[ProfileIssue] = []
    if profile is None:
        parsed = Profile()
    elif isinstance(profile, Profile):
        parsed = profile
    else:
        parsed, issues = parse_profile(profile)

    if audit is None and crm_files:
        audit = audit_files(crm_files, as_of=as_of, audit_all=audit_all, today=today)
    measured = (
        100 * audit.clean_rate
        if audit is not None and audit.clean_rate is not None
        else None
    )
    scores = score(questionnaire, checked, targets=targets, measured_data=measured)
    sizing = size(catalogue, checked, parsed, audit, assumptions)
    plan = build_plan(
        sizing.remediations,
        data_score=scores.dimension(DATA_DIMENSION).current,
        capacity_days=capacity_days,
        ai_threshold=ai_threshold,
    )
    metrics = tuple(scorecard_metrics) if scorecard_metrics is not None else None
    entries = build_scorecard(scorecard, audit, metrics)
    log.info(
        "assessment scored: overall=%.1f audited=%s fixes=%d",
        scores.overall,
        audit is not None,
        len(sizing.remediations),
    )
    return Result(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        catalogue_version=catalogue.version,
        generated_on=today or dt.date.today(),
        company=company or parsed.company,
        answers=checked,
        scores=scores,
        audit=audit,
        profile=parsed,
        profile_issues=tuple(issues),
        assumptions=assumptions,
        currency=sizing.currency,
        inputs=sizing.inputs,
        opportunities=sizing.opportunities,
        remediations=sizing.remediations,
        business_case=sizing.business_case,
        plan=plan,
        scorecard=entries,
        scorecard_warning=too_many_metrics(len(entries)),
        warnings=sizing.warnings,
    )
