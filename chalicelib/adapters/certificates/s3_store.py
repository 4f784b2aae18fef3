"""Certificate PDFs in S3: private bucket, server-side encryption, one object per revision.

Keys are `certificates/<platform>/<certificate id>/r<revision>.pdf` (the service names them): the
platform is part of the key, as in the table. Each object carries its SHA-256 in metadata (and the
table keeps it with the revision). Downloads go through presigned GET URLs valid for at most 15
minutes; locally the S3 client points at the emulator, so its URLs open from the host.

Every S3 failure is the dependency's (`adapters.faults.dependency`): `DependencyUnavailable`, a
503 with `Retry-After`; a missing object on GET is a 404.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.faults import dependency
from chalicelib.domain.errors import NotFound

MAX_URL_SECONDS = 15 * 60
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3CertificateStore:
    """`put` / `get` / `url` over one bucket; the client is injected (moto in tests)."""

    def __init__(
        self, client: Any, bucket: str, *, encryption: str = "aws:kms", url_seconds: int = 600
    ) -> None:
        if not 0 < url_seconds <= MAX_URL_SECONDS:
            raise ValueError("presigned URLs live at most 15 minutes")
        self._client = client
        self.bucket = bucket
        self._encryption = encryption
        self.url_seconds = url_seconds

    def put(self, key: str, body: bytes, sha256: str) -> None:
        """One PutObject: private (the bucket blocks public access), encrypted, hash in metadata."""
        with dependency("S3"):
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/pdf",
                ServerSideEncryption=self._encryption,
                Metadata={"sha256": sha256},
            )

    def get(self, key: str) -> bytes:
        with dependency("S3"):
            try:
                answer = self._client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                    raise NotFound("The certificate's document is not stored.") from exc
                raise
            return bytes(answer["Body"].read())

    def url(self, key: str, filename: str) -> str:
        """A presigned GET (signed locally, no network call), shown inline as `filename`."""
        with dependency("S3"):
            return str(
                self._client.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": key,
                        "ResponseContentType": "application/pdf",
                        "ResponseContentDisposition": f'inline; filename="{filename}"',
                    },
                    ExpiresIn=self.url_seconds,
                )
            )
