"""Certificates of insurance: what one says (content), its revisions and lifecycle (aggregate)."""

from __future__ import annotations

from chalicelib.domain.certificates.aggregate import (
    Certificate,
    CertificateStatus,
    Review,
    ReviewStatus,
    Revision,
    RevisionStatus,
    StoredDocument,
    SubjectType,
    certificate_id_for,
    follow,
)
from chalicelib.domain.certificates.content import (
    AssignmentFacts,
    CertificateContent,
    CoverageRow,
    Insurer,
    LimitLine,
    Party,
    Period,
    assignment_content,
    policy_content,
)
from chalicelib.domain.certificates.terms import CertificateTerms, ProgramCertificateTerms
from chalicelib.domain.certificates.wording import bound_lines, certified_programs, zone_label

__all__ = [
    "AssignmentFacts",
    "Certificate",
    "CertificateContent",
    "CertificateStatus",
    "CertificateTerms",
    "CoverageRow",
    "Insurer",
    "LimitLine",
    "Party",
    "Period",
    "ProgramCertificateTerms",
    "Review",
    "ReviewStatus",
    "Revision",
    "RevisionStatus",
    "StoredDocument",
    "SubjectType",
    "assignment_content",
    "bound_lines",
    "certificate_id_for",
    "certified_programs",
    "follow",
    "policy_content",
    "zone_label",
]
