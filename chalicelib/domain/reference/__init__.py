"""Reference data: jurisdictions, trades and their class codes, programs, rate tables.

Frozen pydantic models for the versioned data files under `chalicelib/data/` (one module per file:
`jurisdictions`, `trades`, `programs`, `rates`) and `ReferenceData` (`index`), the lookups rating
and routing need. Pure: the files are read by `chalicelib/reference_data.py`. Import from this
package.
"""

from __future__ import annotations

from chalicelib.domain.reference.data_file import (
    LINES,
    PRIVATE_CLASS_SYSTEMS,
    ClassCodeText,
    ClassSystem,
    DataFile,
    Line,
    Rate,
    StateCode,
)
from chalicelib.domain.reference.errors import RatingInputError, ReferenceDataError
from chalicelib.domain.reference.index import ReferenceData, missing_rates
from chalicelib.domain.reference.jurisdictions import Bureau, Jurisdiction, JurisdictionsFile
from chalicelib.domain.reference.programs import (
    Carrier,
    DownPayment,
    ElLimitsLevel,
    EndorsementTerms,
    FinalAudit,
    MinimumPremiumRule,
    Program,
    ProgramCharges,
    ProgramsFile,
    TermRules,
)
from chalicelib.domain.reference.rates import RateTable
from chalicelib.domain.reference.trades import (
    ClassCode,
    GlClass,
    Trade,
    TradesFile,
    WageSplit,
    WcClassAssignment,
    WcClassMapping,
)

__all__ = [
    "LINES",
    "PRIVATE_CLASS_SYSTEMS",
    "Bureau",
    "Carrier",
    "ClassCode",
    "ClassCodeText",
    "ClassSystem",
    "DataFile",
    "DownPayment",
    "ElLimitsLevel",
    "EndorsementTerms",
    "FinalAudit",
    "GlClass",
    "Jurisdiction",
    "JurisdictionsFile",
    "Line",
    "MinimumPremiumRule",
    "Program",
    "ProgramCharges",
    "ProgramsFile",
    "Rate",
    "RateTable",
    "RatingInputError",
    "ReferenceData",
    "ReferenceDataError",
    "StateCode",
    "TermRules",
    "Trade",
    "TradesFile",
    "WageSplit",
    "WcClassAssignment",
    "WcClassMapping",
    "missing_rates",
]
