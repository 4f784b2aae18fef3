"""Webhook signing secrets: `whsec_` + base64 of 32 random bytes, sealed with KMS.

The endpoint item holds only the KMS ciphertext; the encryption context binds it to its platform
and endpoint, so a ciphertext copied onto another endpoint does not decrypt. The secret is shown
once, when made; deliveries decrypt it to sign (KMS logs each decryption).
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from chalicelib.domain.webhooks.endpoints import SealedSecret

PREFIX = "whsec_"
SECRET_BYTES = 32


def _context(platform: str, endpoint: str) -> dict[str, str]:
    return {"purpose": "webhook-secret", "platform": platform, "endpoint": endpoint}


class KmsWebhookSecrets:
    def __init__(self, kms_client: Any, key_id: str) -> None:
        self._kms = kms_client
        self._key_id = key_id

    def new_secret(
        self, *, platform: str, endpoint: str, now: datetime
    ) -> tuple[str, SealedSecret]:
        """A fresh secret: the text shown once, and what is stored."""
        raw = secrets.token_bytes(SECRET_BYTES)
        answer = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=raw, EncryptionContext=_context(platform, endpoint)
        )
        sealed = SealedSecret(
            ciphertext=base64.b64encode(answer["CiphertextBlob"]).decode(),
            key_id=str(answer.get("KeyId", self._key_id)),
            created_at=now,
        )
        return PREFIX + base64.b64encode(raw).decode(), sealed

    def reveal(self, sealed: SealedSecret, *, platform: str, endpoint: str) -> str:
        """The secret's text, to sign a delivery."""
        # Naming the key makes KMS refuse a ciphertext sealed under any other key, and lets
        # IAM scope kms:Decrypt to the stage's key alias.
        answer = self._kms.decrypt(
            CiphertextBlob=base64.b64decode(sealed.ciphertext),
            KeyId=self._key_id,
            EncryptionContext=_context(platform, endpoint),
        )
        return PREFIX + base64.b64encode(bytes(answer["Plaintext"])).decode()
