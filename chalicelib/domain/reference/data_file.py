"""What every reference data file shares: an effective date, a source, and the field types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Line = Literal["wc", "gl"]
LINES: tuple[Line, ...] = ("wc", "gl")
ClassSystem = Literal["ncci", "ca", "ny", "nj", "pa_de", "state_fund"]
PRIVATE_CLASS_SYSTEMS: tuple[ClassSystem, ...] = ("ncci", "ca", "ny", "nj", "pa_de")
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
ClassCodeText = Annotated[str, Field(pattern=r"^\d{3,5}$")]
Rate = Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=4)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class DataFile(Frozen):
    """Every data file says when it takes effect and where its figures come from."""

    effective_date: date
    source: str = Field(min_length=1)
