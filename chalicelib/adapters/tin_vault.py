"""TINs encrypted with KMS (moto's KMS locally), bound to the platform by encryption context.

Why encryption rather than hash + last4: an insurer must be able to produce the named insured's
TIN for policy issuance, carrier filings and audits, so it has to be recoverable -- but only
through KMS, whose key policy and CloudTrail log say who decrypted what. Items and logs only ever
hold the ciphertext and the last four digits.

Every KMS error (throttling, a disabled key, a timeout...) is a 503 to the caller: nothing was
written, and the request can be retried.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.faults import dependency
from chalicelib.domain.parties import ProtectedTin


class KmsTinVault:
    def __init__(self, kms_client: Any, key_id: str) -> None:
        self._kms = kms_client
        self._key_id = key_id

    def protect(self, tin: str, *, context: Mapping[str, str]) -> ProtectedTin:
        digits = "".join(ch for ch in tin if ch.isdigit())
        with dependency("KMS"):
            answer = self._kms.encrypt(
                KeyId=self._key_id, Plaintext=digits.encode(), EncryptionContext=dict(context)
            )
        return ProtectedTin(
            ciphertext=base64.b64encode(answer["CiphertextBlob"]).decode(),
            last4=digits[-4:],
            key_id=str(answer.get("KeyId", self._key_id)),
        )

    def reveal(self, protected: ProtectedTin, *, context: Mapping[str, str]) -> str:
        """Decrypt (for filings); never called on a request path that answers a client."""
        with dependency("KMS"):
            answer = self._kms.decrypt(
                CiphertextBlob=base64.b64decode(protected.ciphertext),
                EncryptionContext=dict(context),
            )
        return bytes(answer["Plaintext"]).decode()
