"""In-memory repositories and unit of work implementing the ports (cosmicpython's fakes).

Service tests run on these without moto. `FakeUnitOfWork.commit` checks the same conditions the
DynamoDB unit of work writes (created once, version read, uniqueness claims, waiver claims, the
exactly-once marker) and applies everything or nothing, under one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from chalicelib.adapters.dynamodb.due import DUE_SHARDS, due_shard, renewal_lead_days
from chalicelib.domain.assignments import (
    NOT_STARTED,
    Assignment,
    BindContext,
    duplicate_external_id,
)
from chalicelib.domain.certificates import Certificate, CertificateContent
from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.errors import Conflict, WriteConflict
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.ids import make_id
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import (
    CONTRACTOR_EXTERNAL_ID,
    UNIQUE_CONFLICTS,
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
    ProtectedTin,
)
from chalicelib.domain.policies import Payment, Policy
from chalicelib.domain.quotes import Quote, Referral
from chalicelib.domain.term import assignment_due, policy_due
from chalicelib.domain.waivers import CustomerWaivers, WaiverKey
from chalicelib.domain.webhooks import WebhookEndpoint
from chalicelib.request_scope import WriteScope, current_scope

KINDS: Mapping[type, str] = {
    Customer: "customer",
    Contractor: "contractor",
    Assignment: "assignment",
    Referral: "referral",
    Quote: "quote",
    Policy: "policy",
    Payment: "payment",
    CustomerWaivers: "waiver",
    WebhookEndpoint: "webhook_endpoint",
    Certificate: "certificate",
    ApiKeyRecord: "api_key",
}


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 12, 1, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeIds:
    """Sortable ids from a counter (time part from the clock, so newer sorts later)."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._counter = count(1)

    def new(self, prefix: str) -> str:
        n = next(self._counter)
        unix_ms = int(self._clock.now().timestamp() * 1000)
        return make_id(prefix, unix_ms=unix_ms, entropy=n.to_bytes(10, "big"))


class FakeTinVault:
    def protect(self, tin: str, *, context: Mapping[str, str]) -> ProtectedTin:
        return ProtectedTin(ciphertext=f"enc:{tin[::-1]}", last4=tin[-4:], key_id="fake")


@dataclass
class FakeStore:
    """Everything the fakes hold; `commits` counts transactions that landed."""

    objects: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    external_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    # Change.claims: (kind, platform, value) -> holder
    unique: dict[tuple[str, str, str], str] = field(default_factory=dict)
    quote_claims: dict[tuple[str, str], str] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    outbox: list[OutboxEvent] = field(default_factory=list)
    markers: dict[str, ObjectRef] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    contractors: dict[tuple[str, str], Contractor] = field(default_factory=dict)
    customers: dict[tuple[str, str], Customer] = field(default_factory=dict)
    commits: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Fault injection: called after a commit applied (raise to lose its answer).
    after_commit: Callable[[], None] | None = None

    def get(self, kind: str, platform: str, object_id: str) -> Any:
        return self.objects.get((kind, platform, object_id))

    def of_kind(self, kind: str) -> list[Any]:
        return [value for (k, _, _), value in sorted(self.objects.items()) if k == kind]

    def events(self, object_id: str | None = None) -> list[str]:
        return [e.type for e in self.outbox if object_id is None or e.object_id == object_id]


class FakeUnitOfWork:
    def __init__(
        self, store: FakeStore, clock: FakeClock, ids: FakeIds, scope: WriteScope | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._scope = scope or current_scope()
        self._changes: list[Change[Any]] = []

    def look_back(self) -> None:
        pass

    def committed_before(self) -> ObjectRef | None:
        if not self._scope.retryable:
            return None
        return self._store.markers.get(self._scope.writer)

    def record(self, change: Change[Any]) -> None:
        self._changes.append(change)
        for related in change.related:
            self.record(related)

    def commit(self, result: ObjectRef) -> ObjectRef | None:
        changes, self._changes = self._changes, []
        if not changes:
            return None
        store = self._store
        with store.lock:
            if self._scope.writer in store.markers:
                return store.markers[self._scope.writer]
            self._check(changes)
            self._apply(changes, result)
            store.commits += 1
        if store.after_commit is not None:
            hook, store.after_commit = store.after_commit, None
            hook()
        return None

    def _check(self, changes: Sequence[Change[Any]]) -> None:
        store = self._store
        for change in changes:
            state = change.state
            key = (KINDS[type(state)], state.platform, state.id)
            existing = store.objects.get(key)
            if change.expected_version is None:
                if existing is not None:
                    raise WriteConflict(f"{state.id} exists")
                if isinstance(state, Assignment):
                    holder = store.external_ids.get((state.platform, state.external_id))
                    if holder is not None:
                        raise duplicate_external_id(state.external_id, holder)
                if isinstance(state, Policy):
                    bound = store.quote_claims.get((state.platform, state.quote))
                    if bound is not None:
                        raise Conflict("quote bound", code="quote_already_bound")
            elif existing is None or existing.version != change.expected_version:
                raise WriteConflict(f"{state.id} changed meanwhile")
            for unique in change.unclaims:
                if store.unique.get((unique.kind, unique.platform, unique.value)) != unique.holder:
                    raise WriteConflict("unique value not held")
            for unique in change.claims:
                holder = store.unique.get((unique.kind, unique.platform, unique.value))
                if holder is not None and unique not in change.unclaims:
                    raise UNIQUE_CONFLICTS[unique.kind](unique.value, holder)

    def _apply(self, changes: Sequence[Change[Any]], result: ObjectRef) -> None:
        store = self._store
        now = self._clock.now()
        for change in changes:
            state = change.state
            store.objects[(KINDS[type(state)], state.platform, state.id)] = state
            if isinstance(state, Contractor):
                store.contractors[(state.platform, state.id)] = state
            if isinstance(state, Customer):
                store.customers[(state.platform, state.id)] = state
            if change.expected_version is None and isinstance(state, Assignment):
                store.external_ids[(state.platform, state.external_id)] = state.id
            if change.expected_version is None and isinstance(state, Policy):
                store.quote_claims[(state.platform, state.quote)] = state.id
            for unique in change.unclaims:
                del store.unique[(unique.kind, unique.platform, unique.value)]
            for unique in change.claims:
                store.unique[(unique.kind, unique.platform, unique.value)] = unique.holder
            store.ledger.extend(change.entries)
            store.outbox.extend(
                OutboxEvent(
                    id=self._ids.new("evt"),
                    type=event.type,
                    platform=event.platform,
                    object_type=event.object_type,
                    object_id=event.object_id,
                    data=event.data,
                    created_at=now,
                    due_at=now,
                )
                for event in change.events
            )
        store.markers[self._scope.writer] = result


def _page(items: list[Any], limit: int, starting_after: str | None) -> Page[Any]:
    newest = sorted(items, key=lambda item: item.id, reverse=True)
    if starting_after:
        newest = [item for item in newest if item.id < starting_after]
    return Page(items=newest[:limit], has_more=len(newest) > limit)


class FakeAssignments:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def load_bind_context(
        self,
        platform_id: str,
        contractor_id: str,
        customer_id: str | None,
        external_id: str,
        lines: Sequence[str],
    ) -> BindContext:
        store = self._store
        with store.lock:
            policies = [
                p
                for p in store.of_kind("policy")
                if p.platform == platform_id and p.contractor == contractor_id
            ]
            waivers = {
                line: account
                for line in lines
                if customer_id
                and (
                    account := store.get(
                        "waiver", platform_id, f"{contractor_id}#{customer_id}#{line}"
                    )
                )
            }
            return BindContext(
                contractor=store.contractors.get((platform_id, contractor_id)),
                customer=store.customers.get((platform_id, customer_id or "")),
                existing_assignment=store.external_ids.get((platform_id, external_id)),
                policies=policies,
                waivers=waivers,
            )

    def load_waivers(
        self, platform_id: str, contractor_id: str, keys: Sequence[WaiverKey]
    ) -> dict[WaiverKey, CustomerWaivers]:
        found = {
            key: self._store.get("waiver", platform_id, f"{contractor_id}#{key[0]}#{key[1]}")
            for key in keys
        }
        return {key: account for key, account in found.items() if account is not None}

    def get(self, platform_id: str, assignment_id: str) -> Assignment | None:
        return self._store.get("assignment", platform_id, assignment_id)  # type: ignore[no-any-return]

    def upcoming(
        self, platform_id: str, contractor_id: str, starting: datetime
    ) -> list[Assignment]:
        return sorted(
            (
                a
                for a in self._store.of_kind("assignment")
                if (a.platform, a.contractor) == (platform_id, contractor_id)
                and a.status in NOT_STARTED
                and a.window.start >= starting
            ),
            key=lambda a: (a.window.start, a.id),
        )

    def page(
        self,
        platform_id: str,
        *,
        contractor: str | None,
        status: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]:
        items = [
            a
            for a in self._store.of_kind("assignment")
            if a.platform == platform_id
            and (contractor is None or a.contractor == contractor)
            and (status is None or a.status == status)
        ]
        return _page(items, limit, starting_after)


class FakePolicies:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None:
        return self._store.get("policy", platform_id, policy_id)  # type: ignore[no-any-return]

    def get_payment(self, platform_id: str, payment_id: str) -> Payment | None:
        return self._store.get("payment", platform_id, payment_id)  # type: ignore[no-any-return]

    def policies_of(self, platform_id: str, contractor_id: str) -> list[Policy]:
        return [
            p
            for p in self._store.of_kind("policy")
            if p.platform == platform_id and p.contractor == contractor_id
        ]

    def page(
        self, platform_id: str, contractor_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[Policy]:
        items = [
            p
            for p in self._store.of_kind("policy")
            if p.platform == platform_id and contractor_id in (None, p.contractor)
        ]
        return _page(items, limit, starting_after)

    def policy_for_quote(self, platform_id: str, quote_id: str) -> str | None:
        return self._store.quote_claims.get((platform_id, quote_id))

    def find_policy(self, policy_id: str) -> Policy | None:
        found = [p for p in self._store.of_kind("policy") if p.id == policy_id]
        return found[0] if found else None


class FakeQuotes:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get_quote(self, platform_id: str, quote_id: str) -> Quote | None:
        return self._store.get("quote", platform_id, quote_id)  # type: ignore[no-any-return]

    def get_referral(self, referral_id: str) -> Referral | None:
        found = [r for r in self._store.of_kind("referral") if r.id == referral_id]
        return found[0] if found else None

    def list_referrals(
        self,
        status: str | None,
        quote_id: str | None,
        limit: int,
        starting_after: str | None,
        assignment_id: str | None = None,
        platform: str | None = None,
    ) -> Page[Referral]:
        items = [
            r
            for r in self._store.of_kind("referral")
            if status in (None, r.status)
            and quote_id in (None, r.quote)
            and assignment_id in (None, r.assignment)
            and platform in (None, r.platform)
        ]
        return _page(items, limit, starting_after)


class FakeParties:
    """PartyRepository, PlatformRepository in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add_platform(self, platform: Platform, first_key: ApiKeyRecord) -> None:
        self._store.platforms[platform.id] = platform
        self._store.api_keys[first_key.key_hash] = first_key

    def get_platform(self, platform_id: str) -> Platform | None:
        return self._store.platforms.get(platform_id)

    def get_customer(self, platform_id: str, customer_id: str) -> Customer | None:
        return self._store.customers.get((platform_id, customer_id))

    def list_customers(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Customer]:
        items = [c for (p, _), c in self._store.customers.items() if p == platform_id]
        return _page(items, limit, starting_after)

    def get_contractor(self, platform_id: str, contractor_id: str) -> Contractor | None:
        return self._store.contractors.get((platform_id, contractor_id))

    def contractor_by_external_id(self, platform_id: str, external_id: str) -> Contractor | None:
        holder = self._store.unique.get((CONTRACTOR_EXTERNAL_ID, platform_id, external_id))
        return self._store.contractors.get((platform_id, holder)) if holder else None

    def contractor_and_customer(
        self, platform_id: str, contractor_id: str | None, customer_id: str | None
    ) -> tuple[Contractor | None, Customer | None]:
        return (
            self._store.contractors.get((platform_id, contractor_id or "")),
            self._store.customers.get((platform_id, customer_id or "")),
        )

    def list_contractors(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Contractor]:
        items = [c for (p, _), c in self._store.contractors.items() if p == platform_id]
        return _page(items, limit, starting_after)


class FakeDueIndex:
    """The due index in memory: each stored policy and assignment's due (job, date), derived
    from its state by the same domain function the DynamoDB items' keys come from."""

    shards = DUE_SHARDS

    def __init__(self, store: FakeStore, renewal_lead_days: int) -> None:
        self._store = store
        self._lead = renewal_lead_days

    def due(
        self,
        job: str,
        as_of: date,
        *,
        limit: int,
        platform: str | None = None,
        shard: int | None = None,
    ) -> list[Policy | Assignment]:
        found: list[tuple[date, str, str, Any]] = []
        with self._store.lock:
            for record in [*self._store.of_kind("policy"), *self._store.of_kind("assignment")]:
                due = (
                    policy_due(record, self._lead)
                    if isinstance(record, Policy)
                    else assignment_due(record)
                )
                if due is None or due.job != job or due.on > as_of:
                    continue
                if platform is not None and record.platform != platform:
                    continue
                if shard is not None and due_shard(record.id) != shard:
                    continue
                found.append((due.on, record.platform, record.id, record))
        return [record for *_, record in sorted(found, key=lambda f: f[:3])][:limit]

    def reload(self, record: Policy | Assignment) -> Policy | Assignment | None:
        kind = "policy" if isinstance(record, Policy) else "assignment"
        return self._store.get(kind, record.platform, record.id)  # type: ignore[no-any-return]


class FakeCertificates:
    """CertificateRepository in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, platform_id: str, certificate_id: str) -> Certificate | None:
        return self._store.get("certificate", platform_id, certificate_id)  # type: ignore[no-any-return]

    def get_many(self, platform_id: str, certificate_ids: Sequence[str]) -> list[Certificate]:
        found = [self.get(platform_id, c) for c in certificate_ids]
        return [c for c in found if c is not None]

    def find(self, certificate_id: str) -> Certificate | None:
        found = [c for c in self._store.of_kind("certificate") if c.id == certificate_id]
        return found[0] if found else None

    def by_number(self, number: str) -> Certificate | None:
        found = [c for c in self._store.of_kind("certificate") if c.number == number]
        return found[0] if found else None

    def in_review(
        self, status: str, *, limit: int, starting_after: str | None
    ) -> Page[Certificate]:
        items = [
            c
            for c in self._store.of_kind("certificate")
            if c.review is not None and c.review.status == status
        ]
        return _page(items, limit, starting_after)

    def load(
        self,
        platform_id: str,
        certificate_id: str,
        contractor_id: str,
        customer_id: str | None,
        policy_ids: Sequence[str],
    ) -> tuple[Certificate | None, Contractor | None, Customer | None, dict[str, Policy]]:
        store = self._store
        policies = {
            p: store.get("policy", platform_id, p)
            for p in policy_ids
            if store.get("policy", platform_id, p) is not None
        }
        return (
            self.get(platform_id, certificate_id),
            store.contractors.get((platform_id, contractor_id)),
            store.customers.get((platform_id, customer_id or "")),
            policies,
        )


@dataclass
class FakeDocumentStore:
    """DocumentStore in memory; `failing` makes every call raise (S3 down)."""

    documents: dict[str, bytes] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    puts: int = 0
    failing: Exception | None = None

    def put(self, key: str, body: bytes, sha256: str) -> None:
        if self.failing is not None:
            raise self.failing
        self.puts += 1
        self.documents[key] = body
        self.metadata[key] = sha256

    def get(self, key: str) -> bytes:
        if self.failing is not None:
            raise self.failing
        return self.documents[key]

    def url(self, key: str, filename: str) -> str:
        return f"https://documents.test/{key}?expires=600"


@dataclass
class FakeRenderer:
    """A PDF stand-in: the content's JSON (deterministic); `failing` makes it raise."""

    rendered: int = 0
    failing: Exception | None = None

    def render(self, content: CertificateContent, verify_url: str) -> bytes:
        if self.failing is not None:
            raise self.failing
        self.rendered += 1
        return b"%PDF-fake\n" + content.model_dump_json().encode() + verify_url.encode()


def fake_numbers() -> Callable[[], str]:
    counter = count(1)
    return lambda: f"COI-TEST{next(counter):05d}"


class FakeApp:
    """The services wired to the fakes (the composition root's twin for service tests).

    `certificates=True` wires certificate issuing into the assignment and policy services, on a
    fake document store and renderer (`documents`, `renderer`)."""

    def __init__(self, *, certificates: bool = False) -> None:
        from chalicelib.certificate_data import load_certificate_terms
        from chalicelib.reference_data import load_reference_data
        from chalicelib.services.assignments import AssignmentServices
        from chalicelib.services.certificates import CertificateServices
        from chalicelib.services.parties import PartyServices
        from chalicelib.services.policies import PolicyServices
        from chalicelib.services.quotes import QuoteServices
        from chalicelib.services.referrals import ReferralServices
        from chalicelib.services.renewals import RenewalServices
        from chalicelib.services.term import TermServices
        from chalicelib.term_rules import load_term_rules
        from chalicelib.underwriting_rules import load_rulebook, trade_profile

        self.store = FakeStore()
        self.clock = FakeClock()
        self.ids = FakeIds(self.clock)
        self.documents = FakeDocumentStore()
        self.renderer = FakeRenderer()
        self.certificates = CertificateServices(
            certificates=FakeCertificates(self.store),
            store=self.documents,
            renderer=lambda: self.renderer,
            uow=self.unit_of_work,
            terms=load_certificate_terms,
            ids=self.ids,
            clock=self.clock,
            numbers=fake_numbers(),
            public_url="https://api.test",
            policy_of_quote=FakePolicies(self.store).policy_for_quote,
            assignment_of=FakeAssignments(self.store).get,
            policy_of=FakePolicies(self.store).get_policy,
        )
        issuing = self.certificates if certificates else None
        parties = FakeParties(self.store)
        self.parties = PartyServices(
            platforms=parties,
            parties=parties,
            keys=None,  # type: ignore[arg-type]
            tins=FakeTinVault(),
            ids=self.ids,
            clock=self.clock,
            uow=self.unit_of_work,
        )
        self.quotes = QuoteServices(
            parties=self.parties,
            quotes=FakeQuotes(self.store),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
        )
        self.policies = PolicyServices(
            quotes=self.quotes,
            policies=FakePolicies(self.store),
            uow=self.unit_of_work,
            reference=load_reference_data,
            ids=self.ids,
            clock=self.clock,
            certificates=issuing,
        )
        self.assignments = AssignmentServices(
            assignments=FakeAssignments(self.store),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
            certificates=issuing,
        )
        self.referrals = ReferralServices(
            quotes=self.quotes,
            assignments=self.assignments,
            policies=self.policies,
            uow=self.unit_of_work,
            ids=self.ids,
            clock=self.clock,
        )
        self.renewals = RenewalServices(
            quotes=self.quotes,
            policies=FakePolicies(self.store),
            reference=load_reference_data,
            rules=load_term_rules,
        )
        object.__setattr__(self.referrals, "renewals", self.renewals)
        self.term = TermServices(
            policies=FakePolicies(self.store),
            assignments=FakeAssignments(self.store),
            quotes=FakeQuotes(self.store),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rules=load_term_rules,
            ids=self.ids,
            clock=self.clock,
            cancellations=self.assignments.cancel_for_policy,
        )

        self.due = FakeDueIndex(self.store, renewal_lead_days())
        self.jobs = self._term_jobs()

    def _term_jobs(self) -> dict[str, Any]:
        from chalicelib.jobs import term
        from chalicelib.reference_data import load_reference_data
        from chalicelib.term_rules import load_term_rules

        def physical(policy: Policy) -> int | None:
            program = load_reference_data().program("california-wc")
            return program.term.final_audit.physical_min_eap_cents if policy.annual else None

        handlers = {
            "renewals": self.renewals.handle,
            "expirations": term.expiration(self.term.cancel_upcoming),
            "rescissions": term.rescission(load_term_rules),
            "audits": term.audit(load_term_rules, physical),
        }
        return {
            name: term.TermJob(
                name,
                handler,
                due=self.due,
                loader=self.due,
                uow=self.unit_of_work,
                ids=self.ids,
                clock=self.clock,
            )
            for name, handler in handlers.items()
        }

    def run(self, job: str, as_of: date | None = None, platform: str | None = None) -> Any:
        """Run a term job for `as_of` (default: the fake clock's date) at the fake clock."""
        from chalicelib.jobs.registry import JobRequest

        day = as_of or self.clock.now().date()
        now = self.clock.now() if day == self.clock.now().date() else None
        return self.jobs[job](JobRequest(as_of=day, now=now, platform=platform))

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self.clock, self.ids)
