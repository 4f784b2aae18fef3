"""Certificate PDFs in S3: private bucket, server-side encryption, one object per revision.

Keys are `certificates/<platform>/<certificate id>/r<revision>.pdf`: the platform is part of the
key, as in the table. Each object carries its SHA-256 in metadata (and the table keeps it with the
revision). Downloads go through presigned GET URLs valid for at most 15 minutes; locally the S3
client points at the emulator, so its URLs open from the host.

Failures of S3 (unreachable, throttled, 5xx) raise `StorageUnavailable`.
TODO(merge with the error-mapping work): raise `chalicelib.domain.errors.DependencyUnavailable`
("s3") instead, and drop the registration in `chalicelib/api/certificates.py`.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import DomainError, NotFound

MAX_URL_SECONDS = 15 * 60
_MISSING = {"NoSuchKey", "404", "NotFound"}


class StorageUnavailable(DomainError):
    """The certificate store (S3) failed or throttled us: a 503, retry later."""

    code = "service_unavailable"

    def __init__(self, message: str = "The certificate store (S3) is unavailable; retry.") -> None:
        super().__init__(message)
        self.retry_after_seconds = 2


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
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/pdf",
                ServerSideEncryption=self._encryption,
                Metadata={"sha256": sha256},
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable() from exc

    def get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            return bytes(answer["Body"].read())
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                raise NotFound("The certificate's document is not stored.") from exc
            raise StorageUnavailable() from exc
        except BotoCoreError as exc:
            raise StorageUnavailable() from exc

    def url(self, key: str, filename: str) -> str:
        """A presigned GET (no network call), served as an attachment named `filename`."""
        try:
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
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable() from exc
