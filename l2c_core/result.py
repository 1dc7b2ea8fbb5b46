"""The single result object every output (pages, PDF, JSON) renders."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from l2c_core.audit import Audit
from l2c_core.questionnaire import Answer
from l2c_core.scoring import Scores


class Result(BaseModel):
    """An assessment's complete outcome, computed once per change of input."""

    model_config = ConfigDict(frozen=True)

    questionnaire_id: str
    questionnaire_version: str
    generated_on: dt.date
    company: str | None = None
    answers: dict[str, Answer]
    scores: Scores
    audit: Audit | None = None
