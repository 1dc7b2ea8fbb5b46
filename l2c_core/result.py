"""The single result object every output (pages, PDF, JSON) renders."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from l2c_core.audit import Audit
from l2c_core.opportunity import (
    Assumptions,
    BusinessCase,
    Input,
    Opportunity,
    RankedRemediation,
)
from l2c_core.plan import Plan
from l2c_core.profile import Profile, ProfileIssue
from l2c_core.questionnaire import Answer
from l2c_core.scorecard import ScorecardEntry
from l2c_core.scoring import Scores


class Result(BaseModel):
    """An assessment's complete outcome, computed once per change of input."""

    model_config = ConfigDict(frozen=True)

    questionnaire_id: str
    questionnaire_version: str
    catalogue_version: str
    generated_on: dt.date
    company: str | None = None
    answers: dict[str, Answer]
    scores: Scores
    audit: Audit | None = None
    profile: Profile
    profile_issues: tuple[ProfileIssue, ...] = ()
    assumptions: Assumptions
    currency: str
    inputs: dict[str, Input]
    opportunities: tuple[Opportunity, ...]
    remediations: tuple[RankedRemediation, ...]
    business_case: BusinessCase
    plan: Plan
    scorecard: tuple[ScorecardEntry, ...]
    scorecard_warning: str | None = None
    warnings: tuple[str, ...] = ()
