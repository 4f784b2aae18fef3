"""The catalogues the reference publishes: error codes, reason codes, ledger and event types.

Machine codes are open sets (API.md "Conventions"): the spec lists their known values as
`x-extensible-enum`, never as a closed `enum`, so a generated client keeps working when a new
guideline rule adds a reason code. Reason codes of the guideline rules are read from the rule
files (each with its guideline); the codes the service itself gives are listed here, and a test
holds every code literal in the source to this catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import get_args

_DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class ErrorCode:
    """One error `code`: its HTTP status, what it means, and which operations answer it (empty:
    every operation that can answer the status)."""

    code: str
    status: int
    meaning: str
    operations: tuple[str, ...] = ()
    writes_only: bool = False  # only operations that change something (POST, PATCH, DELETE)


_ASSIGNMENT_CHANGES = (
    "update_assignment",
    "start_assignment",
    "complete_assignment",
    "cancel_assignment",
)
_WRITES_409 = (
    *_ASSIGNMENT_CHANGES,
    "create_assignment",
    "create_policy",
    "cancel_policy",
    "reinstate_policy",
    "audit_policy",
    "create_payment",
    "approve_referral",
    "decline_referral",
    "update_customer",
    "update_contractor",
)

ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode(
        "malformed_json",
        400,
        "The body is not JSON, has a duplicated key, or is nested deeper than 32 levels.",
    ),
    ErrorCode(
        "unauthenticated",
        401,
        "No `Authorization: Bearer <api key>` header, or the key is unknown or revoked.",
    ),
    ErrorCode("forbidden", 403, "The key's role may not call this operation."),
    ErrorCode(
        "not_found",
        404,
        "No such object, or it belongs to another platform (the two are indistinguishable), "
        "or no such route under /v1.",
    ),
    ErrorCode(
        "not_acceptable",
        406,
        "The `Accept` header excludes `application/pdf`.",
        operations=("certificate_pdf",),
    ),
    ErrorCode("conflict", 409, "The object's state forbids the action."),
    ErrorCode(
        "idempotency_in_progress",
        409,
        "A request with this Idempotency-Key is still running: retry the same request later.",
        writes_only=True,
    ),
    ErrorCode(
        "concurrent_update",
        409,
        "Another request changed the same object at the same moment: retry (not kept by an "
        "Idempotency-Key, so the same key may be reused).",
        operations=_WRITES_409,
    ),
    ErrorCode(
        "duplicate_external_id",
        409,
        "An assignment with this `external_id` exists on the platform; `error.details` names "
        "its id.",
        operations=("create_assignment",),
    ),
    ErrorCode(
        "invalid_transition",
        409,
        "The assignment's status does not allow this action (after start no PATCH or cancel; "
        "complete only from `active` or `unreported`).",
        operations=_ASSIGNMENT_CHANGES,
    ),
    ErrorCode(
        "nothing_bound",
        409,
        "No line of the assignment is bound, so starting it would put nothing in force.",
        operations=("start_assignment",),
    ),
    ErrorCode(
        "window_closed",
        409,
        "The assignment's window has closed: it cannot start after the window ends.",
        operations=("start_assignment",),
    ),
    ErrorCode(
        "quote_expired",
        409,
        "The quote is past its `expires_at`: quote again.",
        operations=("create_policy",),
    ),
    ErrorCode(
        "quote_not_bindable",
        409,
        "The quote has no eligible or approved line (declined, or referred and not approved).",
        operations=("create_policy",),
    ),
    ErrorCode(
        "quote_already_bound",
        409,
        "The quote already became a policy.",
        operations=("create_policy",),
    ),
    ErrorCode(
        "policy_closed",
        409,
        "The policy was rescinded: it takes no payment.",
        operations=("create_payment",),
    ),
    ErrorCode(
        "cancellation_pending",
        409,
        "A cancellation is already scheduled: reinstate to withdraw it first.",
        operations=("cancel_policy",),
    ),
    ErrorCode(
        "policy_not_cancellable",
        409,
        "The policy's status does not allow a cancellation.",
        operations=("cancel_policy",),
    ),
    ErrorCode(
        "not_cancelled",
        409,
        "Only a cancelled, rescinded or pending-cancellation policy can be reinstated.",
        operations=("reinstate_policy",),
    ),
    ErrorCode(
        "term_ended",
        409,
        "The policy's term has ended: it cannot be reinstated.",
        operations=("reinstate_policy",),
    ),
    ErrorCode(
        "reinstatement_refused",
        409,
        "The program's rules forbid the reinstatement; the message cites them.",
        operations=("reinstate_policy",),
    ),
    ErrorCode(
        "no_audit_requested",
        409,
        "The policy has no final audit waiting to be completed.",
        operations=("audit_policy",),
    ),
    ErrorCode(
        "referral_decided",
        409,
        "The referral was already approved or declined.",
        operations=("approve_referral", "decline_referral"),
    ),
    ErrorCode(
        "review_not_pending",
        409,
        "The certificate is not waiting for an underwriter's review.",
        operations=("approve_certificate", "reject_certificate"),
    ),
    ErrorCode(
        "certificate_pending",
        409,
        "The certificate's document is still being issued: retry in a minute.",
        operations=("certificate_pdf",),
    ),
    ErrorCode(
        "too_many_endpoints",
        409,
        "The platform already has the most webhook endpoints allowed: delete one first.",
        operations=("create_webhook_endpoint",),
    ),
    ErrorCode(
        "endpoint_deleted",
        409,
        "The webhook endpoint was deleted.",
        operations=(
            "update_webhook_endpoint",
            "delete_webhook_endpoint",
            "rotate_webhook_secret",
        ),
    ),
    ErrorCode(
        "endpoint_disabled",
        409,
        "The webhook endpoint is disabled: enable it before redelivering to it.",
        operations=("redeliver_event",),
    ),
    ErrorCode("payload_too_large", 413, "The body is over 256 KiB."),
    ErrorCode(
        "unsupported_media_type",
        415,
        "A body was sent with a content type other than `application/json`.",
    ),
    ErrorCode(
        "validation_error",
        422,
        "The request breaks a rule: `details` lists each problem with its `loc` "
        '(["body", "window", "end"], ["query", "limit"]) and `msg`.',
    ),
    ErrorCode(
        "fein_required",
        422,
        "A contractor with employees must have a FEIN (`tin_type: fein`).",
        operations=("create_contractor", "update_contractor"),
    ),
    ErrorCode(
        "window_in_past",
        422,
        "The assignment's window has already ended: a job is covered before it ends, not after.",
        operations=("create_assignment", "update_assignment"),
    ),
    ErrorCode(
        "el_limits_factor_required",
        422,
        "Approving a quote line whose employer's liability limits are above its program's "
        "table needs the factor that prices them (`el_limits_factor`).",
        operations=("approve_referral",),
    ),
    ErrorCode(
        "idempotency_key_reused",
        422,
        "The Idempotency-Key was used within 24 h with a different body or path.",
        writes_only=True,
    ),
    ErrorCode(
        "rate_limited",
        429,
        "This caller went over its own rate limit: retry after `Retry-After` seconds.",
    ),
    ErrorCode(
        "internal_error",
        500,
        "A bug on our side; the message carries the request id to report. Never bad input.",
    ),
    ErrorCode(
        "service_unavailable",
        503,
        "A dependency (DynamoDB, S3, KMS, SSM) failed or throttled: retry after `Retry-After` "
        "seconds with the same Idempotency-Key. Never kept as a key's outcome.",
    ),
)


def error_codes_for(operation_id: str, status: int, method: str) -> list[ErrorCode]:
    """The codes an operation may answer with `status`."""
    writes = method.upper() in {"POST", "PATCH", "DELETE"}
    return [
        error
        for error in ERROR_CODES
        if error.status == status
        and (not error.operations or operation_id in error.operations)
        and (writes or not error.writes_only)
    ]


@dataclass(frozen=True)
class ReasonCode:
    """A reason `code` and where it comes from: a guideline rule (with its citation) or the
    service's own rules."""

    code: str
    meaning: str
    guidelines: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


# Reasons the service gives from its own rules (the rule files add the guideline rules).
SERVICE_REASONS: tuple[ReasonCode, ...] = (
    ReasonCode("no_active_policy", "The contractor has no active policy for the line."),
    ReasonCode(
        "policy_pending_payment",
        "The policy waits for its down payment: nothing binds under it until it is paid.",
    ),
    ReasonCode("line_not_on_policy", "The policy does not write this line."),
    ReasonCode(
        "class_not_on_policy",
        "The trade was not underwritten on the policy for this line: it was underwritten on "
        "the dispatch (and joins the policy's classes when the line binds).",
    ),
    ReasonCode(
        "class_not_renewed",
        "A class added during the term was not eligible when re-underwritten for the renewal: "
        "it is not carried into the new term (a dispatch of it is underwritten again).",
    ),
    ReasonCode(
        "el_limits_factor_approved",
        "Employer's liability limits above the program's table, priced at the factor an "
        "underwriter approved.",
    ),
    ReasonCode("outside_policy_term", "The window is outside the policy's term."),
    ReasonCode("state_not_written", "No program on the policy writes the work state."),
    ReasonCode("trade_not_written", "The program does not write the trade."),
    ReasonCode(
        "monopolistic_state",
        "A monopolistic state (ND, OH, WA, WY): workers' comp is bought from the state fund.",
    ),
    ReasonCode("window_closed", "The window ended before the dispatch was made."),
    ReasonCode(
        "waiver_not_available",
        "The program or the state does not allow a waiver of subrogation: the line binds "
        "without it.",
    ),
    ReasonCode(
        "endorsement_not_available", "The program does not offer the requested endorsement."
    ),
    ReasonCode(
        "annual_program_exposure",
        "An annual program: the job is exposure under the estimated annual premium, trued up "
        "by the final audit, not premium of its own.",
    ),
    ReasonCode("referral_approved", "The underwriter approved the referral."),
    ReasonCode("referral_declined", "The underwriter declined the referral."),
    ReasonCode("renewal_not_eligible", "The policy no longer qualifies for renewal."),
    ReasonCode("account_not_current", "The account must be brought current first."),
    ReasonCode(
        "reinstatement_window_passed", "More than 30 days passed since the cancellation date."
    ),
    ReasonCode(
        "too_many_cancellation_notices",
        "Three or more non-payment / non-report cancellation notices were sent.",
    ),
)


@cache
def reason_codes() -> tuple[ReasonCode, ...]:
    """Every known reason code: the service's and each rule file's, with their guidelines."""
    merged: dict[str, ReasonCode] = {reason.code: reason for reason in SERVICE_REASONS}
    for path in sorted((_DATA / "rules").glob("*.json")):
        rules = json.loads(path.read_text()).get("rules", [])
        for rule in rules:
            code = rule.get("code")
            if not code:
                continue
            guideline = rule.get("guideline") or {}
            cited = (
                f"{guideline['document']} § {guideline['section']}"
                if guideline.get("document")
                else ""
            )
            known = merged.get(code)
            if known is None:
                meaning = str(rule.get("message", "")).split(";")[0]
                known = ReasonCode(code, meaning)
            merged[code] = ReasonCode(
                code,
                known.meaning,
                tuple(sorted({*known.guidelines, cited} - {""})),
                tuple(sorted({*known.outcomes, str(rule.get("outcome", ""))} - {""})),
            )
    return tuple(sorted(merged.values(), key=lambda reason: reason.code))


def ledger_types() -> tuple[str, ...]:
    from chalicelib.domain.ledger import EntryType

    return tuple(get_args(EntryType))


def event_types() -> tuple[str, ...]:
    from chalicelib.domain.events import EVENT_TYPES

    return tuple(sorted(EVENT_TYPES))


LEDGER_MEANINGS = {
    "premium_estimate": "An assignment's premium, booked when it binds.",
    "premium_adjustment": "A re-rating (PATCH) or the premium on actual pay (complete).",
    "refund": "A cancelled assignment's premium returned in full.",
    "waiver_charge": "A waiver of subrogation's charge (the program's percentage, with its floor).",
    "policy_charge": "An annual program's term charges (expense constant, minimum premium...).",
    "return_premium": "Written minus earned premium returned at a policy cancellation.",
    "audit_adjustment": "The final audit's premium on audited pay minus the estimate.",
}


def open_sets() -> dict[str, list[str]]:
    """Known values of each open set, by the name the generator marks properties with."""
    return {
        "error_code": sorted({error.code for error in ERROR_CODES}),
        "reason_code": [reason.code for reason in reason_codes()],
        "ledger_type": list(ledger_types()),
        "event_type": list(event_types()),
    }
