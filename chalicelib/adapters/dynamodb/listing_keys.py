"""The listing keys an item carries (gsi4, gsi5; a referral's gsi3): written by the same
functions that build the items, read by chalicelib/adapters/dynamodb/listings.py."""

from __future__ import annotations

from datetime import UTC, date

from chalicelib.adapters.dynamodb.keys import tenant_partition
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.domain.assignments import Assignment
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.quotes import Referral


def month_partition(platform_id: str, kind: str, day: date) -> str:
    return f"{platform_id}#{kind}#MONTH#{day:%Y-%m}"


def assignment_listing_keys(assignment: Assignment) -> dict[str, str]:
    """gsi4 (by window start, per month) and gsi5 (by work state) of an assignment."""
    start = assignment.window.start.astimezone(UTC)
    sort = f"{instant_key(start)}#{assignment.id}"
    return {
        "gsi4pk": month_partition(assignment.platform, "ASG", start.date()),
        "gsi4sk": sort,
        "gsi5pk": state_partition(assignment.platform, assignment.work_address.state),
        "gsi5sk": sort,
    }


def state_partition(platform_id: str, state: str) -> str:
    return f"{platform_id}#ASG#STATE#{state}"


def ledger_listing_keys(entry: LedgerEntry) -> dict[str, str]:
    """gsi4 of a ledger entry: by booking instant, per month."""
    at = entry.at.astimezone(UTC)
    return {
        "gsi4pk": month_partition(entry.platform, "LED", at.date()),
        "gsi4sk": f"{instant_key(at)}#{entry.id}",
    }


def referral_listing_keys(referral: Referral) -> dict[str, str]:
    """gsi3 of a referral: its platform's list (a platform reads its own referrals)."""
    return {"gsi3pk": tenant_partition(referral.platform, "REF"), "gsi3sk": referral.id}
