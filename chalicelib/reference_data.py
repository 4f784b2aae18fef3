"""Reads the reference data files packaged under `chalicelib/data/`, validates them, caches them.

The one place with file I/O for reference data; the domain (`chalicelib/domain/reference/`)
stays pure. Loaded once per process: `load_reference_data()` is cached.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chalicelib.domain.reference import (
    JurisdictionsFile,
    ProgramsFile,
    RateTable,
    ReferenceData,
    TradesFile,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_reference_data(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Validate jurisdictions, trades, programs and every `rates/*.json` under `data_dir`."""
    return ReferenceData(
        jurisdictions=JurisdictionsFile.model_validate_json(
            (data_dir / "jurisdictions.json").read_bytes()
        ),
        trades=TradesFile.model_validate_json((data_dir / "trades.json").read_bytes()),
        programs=ProgramsFile.model_validate_json((data_dir / "programs.json").read_bytes()),
        rate_tables=[
            RateTable.model_validate_json(path.read_bytes())
            for path in sorted((data_dir / "rates").glob("*.json"))
        ],
    )


@cache
def load_reference_data() -> ReferenceData:
    """The packaged reference data, read and validated once per process."""
    return read_reference_data(DATA_DIR)
