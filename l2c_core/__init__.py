"""l2c_core: the Revenue Engine Health Check as a library, without any UI.

The public names below load lazily, so ``python -m l2c_core questions`` does not
pay for pandas or the chart and PDF stack.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name → the module that defines it.
_EXPORTS = {
    "Answer": "questionnaire",
    "Assumptions": "opportunity",
    "Audit": "audit",
    "AnswersError": "errors",
    "InputFileError": "errors",
    "L2CError": "errors",
    "MappingError": "errors",
    "Plan": "plan",
    "Profile": "profile",
    "Questionnaire": "questionnaire",
    "QuestionnaireError": "errors",
    "Result": "result",
    "Scores": "scoring",
    "assess": "assess",
    "audit_files": "integrity",
    "build_plan": "plan",
    "default_catalogue": "catalogue",
    "default_questionnaire": "questionnaire",
    "default_scorecard": "catalogue",
    "demo_opportunities": "demo",
    "load_catalogue": "catalogue",
    "load_questionnaire": "questionnaire",
    "parse_profile": "profile",
    "render_pdf": "report_pdf",
    "score": "scoring",
    "size": "opportunity",
    "validate_answers": "questionnaire",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'l2c_core' has no attribute {name!r}")
    return getattr(importlib.import_module(f"l2c_core.{module}"), name)
