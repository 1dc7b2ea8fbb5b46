"""The assessment: answers plus an optional CRM upload, into one result."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

from l2c_core.audit import Audit
from l2c_core.integrity import audit_files
from l2c_core.questionnaire import (
    Questionnaire,
    default_questionnaire,
    validate_answers,
)
from l2c_core.result import Result
from l2c_core.scoring import score

log = logging.getLogger(__name__)


def assess(
    answers: Mapping[str, object],
    *,
    questionnaire: Questionnaire | None = None,
    crm_files: Sequence[tuple[str, bytes]] = (),
    audit: Audit | None = None,
    as_of: dt.date | None = None,
    audit_all: bool = False,
    targets: Mapping[str, float] | None = None,
    company: str | None = None,
    today: dt.date | None = None,
) -> Result:
    """Compute the whole result of an assessment.

    Args:
        answers: question id → level 0-4 or ``"unknown"``, every question present.
        questionnaire: the questionnaire answered (the shipped one by default).
        crm_files: (name, bytes) of a CRM upload to audit, if any.
        audit: an audit already computed (the app keeps one per upload);
            ``crm_files`` is then ignored.
        as_of: the audit's reference date, inferred when None.
        audit_all: audit every record instead of the sample.
        targets: dimension id → target score overriding the questionnaire's.
        company: the company's name, for the report.
        today: the date the result is generated on.

    Returns:
        The result; the Data dimension scores on the measured clean rate when an
        export was audited.

    Raises:
        AnswersError: the answers do not fit the questionnaire.
        InputFileError: the CRM upload cannot be audited.
    """
    questionnaire = questionnaire or default_questionnaire()
    checked = validate_answers(questionnaire, answers)
    if audit is None and crm_files:
        audit = audit_files(crm_files, as_of=as_of, audit_all=audit_all, today=today)
    measured = (
        100 * audit.clean_rate
        if audit is not None and audit.clean_rate is not None
        else None
    )
    scores = score(questionnaire, checked, targets=targets, measured_data=measured)
    log.info(
        "assessment scored: overall=%.1f audited=%s", scores.overall, audit is not None
    )
    return Result(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        generated_on=today or dt.date.today(),
        company=company or None,
        answers=checked,
        scores=scores,
        audit=audit,
    )
