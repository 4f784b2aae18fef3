"""Errors about reference data: the caller's input (422) or a defect in the shipped files."""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailed


class RatingInputError(ValidationFailed, ValueError):
    """Input rating cannot use (unknown trade, state or line, bad EL limits...): an API 422."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class ReferenceDataError(Exception):
    """The data files are inconsistent: a defect in the shipped data, never the caller's fault."""
