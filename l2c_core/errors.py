"""Errors raised by l2c_core.

Every error the library raises on bad input derives from ``L2CError`` and
carries a message written for the person who supplied the input::

    L2CError
    ├── QuestionnaireError   a questionnaire file is malformed
    ├── AnswersError         an answer set names an unknown question or level
    └── InputFileError       an uploaded or named CRM file cannot be used
        └── MappingError     a required field (stage) has no column

Programming mistakes (wrong argument types) raise ``TypeError`` or
``ValueError`` as usual and are not part of this tree.
"""

from __future__ import annotations


class L2CError(Exception):
    """Base of every error caused by the user's input."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class QuestionnaireError(L2CError):
    """A questionnaire file is malformed."""

    def __init__(
        self, message: str, *, path: str | None = None, question_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.question_id = question_id


class AnswersError(L2CError):
    """An answer set does not fit the questionnaire."""

    def __init__(self, message: str, *, question_id: str | None = None) -> None:
        super().__init__(message)
        self.question_id = question_id


class InputFileError(L2CError):
    """A CRM export cannot be read."""

    def __init__(self, message: str, *, file_name: str | None = None) -> None:
        super().__init__(message)
        self.file_name = file_name


class MappingError(InputFileError):
    """A CRM export lacks a column the audit cannot do without."""

    def __init__(
        self, message: str, *, file_name: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message, file_name=file_name)
        self.field = field
