"""Use cases for platforms, customers and contractors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.ids import is_id_of
from chalicelib.domain.parties import (
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
    Principal,
    check_contractor_facts,
    check_losses,
    check_prior_coverage,
    check_tin_shape,
    contractor_created,
    contractor_updated,
)
from chalicelib.domain.roles import Role
from chalicelib.ports import (
    ApiKeyRepository,
    Clock,
    IdGenerator,
    PartyRepository,
    PlatformRepository,
    TinVault,
    UnitOfWork,
)
from chalicelib.services.auth import KeyIssuer
from chalicelib.services.commit import Retry, commit_with_retries
from chalicelib.services.lookup import fetch

R = TypeVar("R", Customer, Contractor)
# A creation cancelled by a transaction in flight on its claim is tried again (the doubled
# 25 ms step, half of it jitter, uncapped over these attempts); a replacement is tried once.
CREATE_RETRY = Retry(attempts=6, base_seconds=0.025, cap_seconds=0.8)
ONE_ATTEMPT = Retry(attempts=1)


@dataclass(frozen=True)
class PartyServices:
    platforms: PlatformRepository
    parties: PartyRepository
    keys: KeyIssuer
    tins: TinVault
    ids: IdGenerator
    clock: Clock
    uow: Callable[[], UnitOfWork]
    api_keys: ApiKeyRepository | None = None

    # -- platforms and keys -------------------------------------------------------------------
    def create_platform(self, name: str) -> tuple[Platform, str]:
        """The platform and its first key, written together (one transaction)."""
        platform = Platform(id=self.ids.new("plt"), name=name, created_at=self.clock.now())
        first_key, secret = self.keys.new(Role.PLATFORM, platform.id)
        self.platforms.add_platform(platform, first_key)
        return platform, secret

    def create_api_key(
        self, caller: Principal, role: Role, platform_id: str | None
    ) -> tuple[ApiKeyRecord, str | None]:
        """A new key, written through the unit of work; the secret is answered once (None when
        this is a retry of a request that already created it). A platform creates keys for
        itself only (rotation without an admin)."""
        if caller.role == Role.PLATFORM:
            if role != Role.PLATFORM:
                raise Forbidden("A platform key may create platform keys only.")
            if platform_id not in (None, caller.platform):
                raise NotFound(f"No platform {platform_id}.")
            platform_id = caller.platform
        else:
            self._check_key_owner(role, platform_id)
        record, secret = self.keys.new(role, platform_id)
        uow = self.uow()
        earlier = uow.committed_before()
        if earlier is None:
            uow.record(Change(record, expected_version=None))
            earlier = uow.commit(ObjectRef("api_key", platform_id or "", record.id))
        if earlier is None:
            return record, secret
        return self._key(earlier.id), None

    def list_api_keys(
        self, caller: Principal, limit: int, starting_after: str | None
    ) -> Page[ApiKeyRecord]:
        """An admin lists every stored key; a platform its own."""
        platform = caller.platform if caller.role == Role.PLATFORM else None
        return self._api_keys().page(platform, limit=limit, starting_after=starting_after)

    def revoke_api_key(self, caller: Principal, key_id: str) -> ApiKeyRecord:
        """Revoked at once (the next request with it is a 401). A platform revokes its own keys;
        another's, or an underwriter key, is a 404 to it."""
        record = self._key(key_id)
        if caller.role == Role.PLATFORM and record.platform != caller.platform:
            raise NotFound(f"No API key {key_id}.")
        change = record.revoke(self.clock.now())
        if change.state is record:
            return record
        uow = self.uow()
        if uow.committed_before() is None:
            uow.record(change)
            uow.commit(ObjectRef("api_key", record.platform or "", record.id))
        return self._key(key_id)

    def _api_keys(self) -> ApiKeyRepository:
        assert self.api_keys is not None, "PartyServices built without the key repository"
        return self.api_keys

    def _key(self, key_id: str) -> ApiKeyRecord:
        return fetch("API key", "key", key_id, lambda: self._api_keys().key_by_id(key_id))

    def _check_key_owner(self, role: Role, platform_id: str | None) -> None:
        if role == Role.PLATFORM:
            if platform_id is None:
                raise ValidationFailed(
                    "A platform key needs `platform`.",
                    details=[{"loc": ["body", "platform"], "msg": "required for role platform"}],
                )
            if not is_id_of(platform_id, "plt") or not self.platforms.get_platform(platform_id):
                raise NotFound(f"No platform {platform_id}.")
        elif platform_id is not None:
            raise ValidationFailed(
                "Only platform keys belong to a platform.",
                details=[{"loc": ["body", "platform"], "msg": "not allowed for this role"}],
            )

    def _save(
        self,
        kind: str,
        record: R,
        expected_version: int | None,
        load: Callable[[str, str], R],
        change: Change[R] | None = None,
    ) -> R:
        """One commit through the unit of work (created once, or replacing the version read);
        a retry of a request that already committed answers what it wrote.

        A creation cancelled by a concurrent transaction on its claim (DynamoDB's
        TransactionConflict) is tried again, so the loser of a race for an `external_id` hears
        who holds it (409 with the id), not a bare conflict."""
        change = change or Change(record, expected_version=expected_version)

        def attempt(uow: UnitOfWork) -> tuple[Change[R], ObjectRef]:
            uow.record(change)
            return change, ObjectRef(kind, record.platform, record.id)

        done = commit_with_retries(
            self.uow,
            attempt,
            CREATE_RETRY if expected_version is None else ONE_ATTEMPT,
            lambda error: error,  # the store's own conflict: the uniqueness claim decides
        )
        if done.change is None:
            assert done.earlier is not None
            return load(done.earlier.platform, done.earlier.id)
        return record

    # -- customers ----------------------------------------------------------------------------
    def create_customer(self, platform_id: str, fields: dict[str, Any]) -> Customer:
        now = self.clock.now()
        customer = Customer.model_validate(
            {**fields, "id": self.ids.new("cus"), "platform": platform_id}
            | {"created_at": now, "updated_at": now}
        )
        return self._save("customer", customer, None, self.get_customer)

    def get_customer(self, platform_id: str, customer_id: str) -> Customer:
        return fetch(
            "customer",
            "cus",
            customer_id,
            lambda: self.parties.get_customer(platform_id, customer_id),
        )

    def update_customer(
        self, platform_id: str, customer_id: str, changes: dict[str, Any]
    ) -> Customer:
        current = self.get_customer(platform_id, customer_id)
        merged = current.model_dump() | changes
        if "requirements" in changes:
            merged["requirements"] = current.requirements.model_dump() | changes["requirements"]
        updated = Customer.model_validate(
            merged | {"updated_at": self.clock.now(), "version": current.version + 1}
        )
        return self._save("customer", updated, current.version, self.get_customer)

    def list_customers(
        self, platform_id: str, limit: int, starting_after: str | None
    ) -> Page[Customer]:
        return self.parties.list_customers(platform_id, limit=limit, starting_after=starting_after)

    # -- contractors --------------------------------------------------------------------------
    def create_contractor(self, platform_id: str, fields: dict[str, Any], tin: str) -> Contractor:
        contractor_id = self.ids.new("ctr")
        now = self.clock.now()
        record = self._contractor(
            fields,
            tin,
            {"id": contractor_id, "platform": platform_id, "created_at": now, "updated_at": now},
        )
        # The external_id's claim is written with the contractor: a second contractor with it
        # loses the race at the database (409 naming the first), never a read-then-write.
        return self._save(
            "contractor", record, None, self.get_contractor, contractor_created(record)
        )

    def get_contractor(self, platform_id: str, contractor_id: str) -> Contractor:
        return fetch(
            "contractor",
            "ctr",
            contractor_id,
            lambda: self.parties.get_contractor(platform_id, contractor_id),
        )

    def contractor_and_customer(
        self, platform_id: str, contractor_id: str, customer_id: str | None
    ) -> tuple[Contractor, Customer | None]:
        """Both records in one read round (a quote's budget is two round trips)."""
        contractor, customer = self.parties.contractor_and_customer(
            platform_id,
            contractor_id if is_id_of(contractor_id, "ctr") else None,
            customer_id if customer_id and is_id_of(customer_id, "cus") else None,
        )
        if contractor is None:
            raise NotFound(f"No contractor {contractor_id}.")
        if customer_id is not None and customer is None:
            raise NotFound(f"No customer {customer_id}.")
        return contractor, customer

    def update_contractor(
        self, platform_id: str, contractor_id: str, changes: dict[str, Any], tin: str | None
    ) -> Contractor:
        """Later quotes and renewals use the current facts; the version guards lost updates."""
        current = self.get_contractor(platform_id, contractor_id)
        merged = current.model_dump() | changes
        identity = {"updated_at": self.clock.now(), "version": current.version + 1}
        if tin is None:
            merged["tin"] = current.tin
            updated = self._contractor(merged, None, identity)
        else:
            updated = self._contractor(merged, tin, identity)
        change = contractor_updated(current, updated)
        return self._save("contractor", updated, current.version, self.get_contractor, change)

    def list_contractors(
        self,
        platform_id: str,
        limit: int,
        starting_after: str | None,
        external_id: str | None = None,
    ) -> Page[Contractor]:
        """Newest first; `external_id` finds the one contractor holding it (or none)."""
        if external_id is None:
            return self.parties.list_contractors(
                platform_id, limit=limit, starting_after=starting_after
            )
        found = self.parties.contractor_by_external_id(platform_id, external_id)
        if found is None or (starting_after is not None and found.id >= starting_after):
            return Page[Contractor](items=[], has_more=False)
        return Page[Contractor](items=[found], has_more=False)

    def _contractor(
        self, fields: dict[str, Any], tin: str | None, identity: dict[str, Any]
    ) -> Contractor:
        """The contractor as it will be stored, after the rules every create and PATCH obeys:
        FEIN with employees, a TIN written as its type, a lapse in order, no future loss."""
        check_contractor_facts(
            has_employees=fields["has_employees"],
            employee_count=fields.get("employee_count"),
            tin_type=fields["tin_type"],
        )
        values = {**fields, **identity}
        if tin is not None:
            check_tin_shape(fields["tin_type"], tin)
            values["tin"] = self.tins.protect(
                tin, context={"platform": values["platform"], "contractor": values["id"]}
            )
        contractor = Contractor.model_validate(values)
        check_prior_coverage(contractor.prior_coverage)
        check_losses(contractor.losses, self.clock.now().date())
        return contractor
