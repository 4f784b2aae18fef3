"""Why a line is not eligible, not bound, refused: `{"code", "message", "guideline"?}` (API.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Reason(BaseModel):
    """One reason with a stable machine code; `guideline` cites "<document> § <section>"."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str = Field(max_length=80)
    """A stable machine code, such as `no_active_policy` or `backdated`."""
    message: str
    """A sentence for a person."""
    guideline: str | None = None
    """The guideline the reason comes from, `<document> § <section>`; present on every
    underwriting reason."""


def guideline_citation(document: str, section: str) -> str:
    """The citation format every underwriting reason uses: "<document> § <section heading>"."""
    return f"{document} § {section}"
