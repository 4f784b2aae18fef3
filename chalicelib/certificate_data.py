"""Reads the certificate terms and layout (`chalicelib/data/certificates/`), validated, once.

Every program in `programs.json` must have certificate terms: a program without them could bind a
line no certificate can show.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.domain.certificates.terms import CertificateTerms
from chalicelib.ports import CertificateRenderer

CERTIFICATES_DIR = Path(__file__).resolve().parent / "data" / "certificates"


def read_certificate_terms(path: Path = CERTIFICATES_DIR / "terms.json") -> CertificateTerms:
    terms = CertificateTerms.model_validate_json(path.read_bytes())
    from chalicelib.reference_data import load_reference_data

    missing = {p.id for p in load_reference_data().programs()} - set(terms.programs)
    if missing:
        raise ValueError(f"{path.name}: no certificate terms for programs {sorted(missing)}")
    return terms


@cache
def load_certificate_terms() -> CertificateTerms:
    return read_certificate_terms()


@cache
def load_layout(name: str = "acord25") -> dict[str, Any]:
    """The layout template the renderer draws (a licensed ACORD template can replace it)."""
    return dict(json.loads((CERTIFICATES_DIR / f"{name}-layout.json").read_text()))


@cache
def renderer() -> CertificateRenderer:
    """The ACORD 25 renderer over the packaged layout, built once (fpdf2 loads on first render)."""
    from chalicelib.adapters.certificates.acord25 import Acord25Renderer

    return Acord25Renderer(load_layout())
