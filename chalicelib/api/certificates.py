"""Routes: certificates of insurance, their PDFs and revisions, the underwriter's review queue,
a policy's standing certificate, and the public verify endpoint (no auth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.api import errors as http_errors
from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.errors import NotFound
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import certificates as schemas
    from chalicelib.api.schemas import common
    from chalicelib.domain.certificates import Certificate
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.certificates")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
READERS = {Role.PLATFORM, Role.UNDERWRITER}
UNDERWRITER = {Role.UNDERWRITER}


def _scope(ctx: RequestContext) -> str | None:
    """A platform sees its own certificates; an underwriter any (None)."""
    assert ctx.principal is not None
    return ctx.principal.platform if ctx.principal.role == Role.PLATFORM else None


def _out(ctx: RequestContext, certificate: Certificate) -> schemas.CertificateOut:
    services = ctx.app.certificates
    return schemas.CertificateOut.of(certificate, services.clock.now(), services.url(certificate))


@operation(
    bp,
    "/v1/certificates",
    summary="Certificates by review status (the underwriters' queue), newest first",
    roles=UNDERWRITER,
    tag="Certificates",
)
def list_certificates(
    ctx: RequestContext, query: schemas.CertificateQuery
) -> common.ListOf[schemas.CertificateOut]:
    page = ctx.app.certificates.in_review(query.review, query.limit, query.starting_after)
    return common.ListOf[schemas.CertificateOut].of_page(page, lambda c: _out(ctx, c))


@operation(
    bp,
    "/v1/certificates/{certificate_id}",
    summary="A certificate of insurance, with a short-lived link to its PDF",
    roles=READERS,
    tag="Certificates",
    errors=(404,),
)
def get_certificate(ctx: RequestContext, certificate_id: str) -> schemas.CertificateOut:
    return _out(ctx, ctx.app.certificates.get(_scope(ctx), certificate_id))


@operation(
    bp,
    "/v1/certificates/{certificate_id}/pdf",
    summary="The certificate's PDF (ACORD 25 layout); `?revision=` for an earlier one",
    roles=READERS,
    tag="Certificates",
    errors=(404, 406, 409, 503),
    content_type="application/pdf",
)
def certificate_pdf(
    ctx: RequestContext, certificate_id: str, query: schemas.RevisionQuery
) -> Response:
    accept = (ctx.request.headers.get("accept") or "*/*").lower()
    if not any(kind in accept for kind in ("application/pdf", "*/*", "application/*")):
        # API Gateway sends binary only to a client that accepts it.
        return http_errors.error_response(
            406, "not_acceptable", "This is a PDF: send `Accept: application/pdf`."
        )
    certificate, revision, body = ctx.app.certificates.document(
        _scope(ctx), certificate_id, query.revision
    )
    name = f"{certificate.number}-r{revision.revision}.pdf"
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, max-age=300",
        },
    )


@operation(
    bp,
    "/v1/certificates/{certificate_id}/revisions",
    summary="Every revision of a certificate with its status and PDF link",
    roles=READERS,
    tag="Certificates",
    errors=(404,),
)
def certificate_revisions(
    ctx: RequestContext, certificate_id: str
) -> common.ListOf[schemas.RevisionOut]:
    services = ctx.app.certificates
    certificate = services.get(_scope(ctx), certificate_id)
    now = services.clock.now()
    return common.ListOf[schemas.RevisionOut](
        data=[
            schemas.RevisionOut.of(r, now, services.url(certificate, r))
            for r in reversed(certificate.revisions)
        ],
        has_more=False,
    )


def _review(
    ctx: RequestContext, certificate_id: str, decision: str, body: schemas.ReviewDecision
) -> schemas.CertificateOut:
    assert ctx.principal is not None
    decided = ctx.app.certificates.decide_review(
        certificate_id,
        "approved" if decision == "approve" else "rejected",
        body.note,
        ctx.principal.key_id,
    )
    return _out(ctx, decided)


@operation(
    bp,
    "/v1/certificates/{certificate_id}/approve",
    method="POST",
    summary="Approve a certificate under review",
    roles=UNDERWRITER,
    tag="Certificates",
    errors=(404, 409),
)
def approve_certificate(
    ctx: RequestContext, certificate_id: str, body: schemas.ReviewDecision
) -> schemas.CertificateOut:
    return _review(ctx, certificate_id, "approve", body)


@operation(
    bp,
    "/v1/certificates/{certificate_id}/reject",
    method="POST",
    summary="Reject a certificate under review: it is void and the platform told",
    roles=UNDERWRITER,
    tag="Certificates",
    errors=(404, 409),
)
def reject_certificate(
    ctx: RequestContext, certificate_id: str, body: schemas.ReviewDecision
) -> schemas.CertificateOut:
    return _review(ctx, certificate_id, "reject", body)


@operation(
    bp,
    "/v1/policies/{policy_id}/certificate",
    summary="The policy's standing certificate (the tech's proof of coverage)",
    roles={Role.PLATFORM},
    tag="Certificates",
    errors=(404,),
)
def policy_certificate(ctx: RequestContext, policy_id: str) -> schemas.CertificateOut:
    ctx.app.policies.get_policy(ctx.platform, policy_id)
    certificate = ctx.app.certificates.of_subject(ctx.platform, policy_id)
    if certificate is None:
        raise NotFound(f"Policy {policy_id} has no certificate: it is not active.")
    return _out(ctx, certificate)


@operation(
    bp,
    "/v1/verify/{number}",
    summary="Verify a certificate by its number (public): status of the revision asked",
    roles=None,
    tag="Certificates",
    errors=(404,),
)
def verify_certificate(
    ctx: RequestContext, number: str, query: schemas.RevisionQuery
) -> schemas.VerifyOut:
    certificate, revision = ctx.app.certificates.verify(number.strip().upper(), query.revision)
    return schemas.VerifyOut.of(certificate, revision, ctx.app.certificates.clock.now())
