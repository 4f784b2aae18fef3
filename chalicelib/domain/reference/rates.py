"""rates/<program>.json: a program's rates per $100 of pay by state and class code."""

from __future__ import annotations

from typing import Literal

from chalicelib.domain.reference.data_file import ClassCodeText, DataFile, Line, Rate, StateCode


class RateTable(DataFile):
    """Rates per $100 of pay by state and class code; `sample` is false only for filed rates."""

    program: str
    line: Line
    sample: bool
    basis: Literal["per_100_of_pay"]
    rates: dict[StateCode, dict[ClassCodeText, Rate]]
