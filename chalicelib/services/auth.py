"""API keys: random, prefixed, shown once, stored as a SHA-256 hash; roles admin/platform/uw."""

from __future__ import annotations

import hashlib
import secrets

from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.parties import ApiKeyRecord, Principal
from chalicelib.domain.roles import Role
from chalicelib.ports import AdminKeySource, ApiKeyRepository, Clock, IdGenerator

KEY_PREFIX = {Role.PLATFORM: "jcp_", Role.UNDERWRITER: "jcu_", Role.ADMIN: "jca_"}


def hash_key(secret: str) -> str:
    """key_hash = sha256(secret) in hex. Keys carry 240 random bits, so no salt or KDF is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_secret(role: Role) -> str:
    return KEY_PREFIX[role] + secrets.token_urlsafe(30)


class Authenticator:
    def __init__(self, keys: ApiKeyRepository, admin: AdminKeySource) -> None:
        self._keys = keys
        self._admin = admin

    def authenticate(self, authorization: str | None) -> Principal:
        """`Authorization: Bearer <key>` -> the caller, or Unauthenticated (401)."""
        if not authorization:
            raise Unauthenticated("Missing Authorization header; send 'Bearer <api key>'.")
        scheme, _, secret = authorization.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret or len(secret) > 512:
            raise Unauthenticated("Authorization must be 'Bearer <api key>'.")
        # The admin key is checked first (only a `jca_` key can make SSM be read, see
        # adapters/secrets.py); every other key is one GetItem by its hash.
        if self._admin.matches(secret):
            return Principal(key_id="admin", role=Role.ADMIN)
        # No cache of stored keys: each request reads its key (consistently), so a revocation
        # holds from the next request on.
        record = self._keys.key_by_hash(hash_key(secret))
        if record is None:
            raise Unauthenticated("Unknown API key.")
        if record.revoked_at is not None:
            raise Unauthenticated("This API key was revoked.")
        return Principal(key_id=record.id, role=record.role, platform=record.platform)


class KeyIssuer:
    def __init__(self, keys: ApiKeyRepository, ids: IdGenerator, clock: Clock) -> None:
        self._keys = keys
        self._ids = ids
        self._clock = clock

    def new(self, role: Role, platform: str | None) -> tuple[ApiKeyRecord, str]:
        """A new key, not yet stored: the record to store, and the secret (shown once)."""
        secret = generate_secret(role)
        record = ApiKeyRecord(
            id=self._ids.new("key"),
            role=role,
            platform=platform,
            key_hash=hash_key(secret),
            last4=secret[-4:],
            created_at=self._clock.now(),
        )
        return record, secret

    def issue(self, role: Role, platform: str | None) -> tuple[ApiKeyRecord, str]:
        """A new key, stored: the record, and the secret (returned once, never stored)."""
        record, secret = self.new(role, platform)
        self._keys.add_key(record)
        return record, secret
