"""jurisdictions.json: each state's WC bureau and class system, and which are monopolistic."""

from __future__ import annotations

from pydantic import model_validator

from chalicelib.domain.reference.data_file import ClassSystem, DataFile, Frozen, StateCode


class Bureau(Frozen):
    code: str
    name: str


class Jurisdiction(Frozen):
    """A state or DC: WC bureau and class system; monopolistic: WC only from the state fund."""

    code: StateCode
    name: str
    bureau: str
    class_system: ClassSystem
    monopolistic: bool

    @model_validator(mode="after")
    def _state_fund_iff_monopolistic(self) -> Jurisdiction:
        if self.monopolistic != (self.class_system == "state_fund"):
            raise ValueError(f"{self.code}: class_system state_fund iff monopolistic")
        return self


class JurisdictionsFile(DataFile):
    notes: str = ""
    bureaus: tuple[Bureau, ...]
    jurisdictions: tuple[Jurisdiction, ...]

    @model_validator(mode="after")
    def _codes_unique_and_bureaus_known(self) -> JurisdictionsFile:
        codes = [row.code for row in self.jurisdictions]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate jurisdiction code")
        bureau_codes = {bureau.code for bureau in self.bureaus}
        unknown = sorted({row.bureau for row in self.jurisdictions} - bureau_codes)
        if unknown:
            raise ValueError(f"unknown bureau(s): {unknown}")
        return self
