"""Signed HTTP delivery: Standard Webhooks headers from the `standardwebhooks` library, one POST
to the checked address, a hard 10 s deadline, no redirects followed.

The connection goes to `Target.address` (resolved and checked by the address guard) while the
Host header and TLS (SNI and certificate check) use the URL's name, so what was checked is what
is reached. A 3xx is a failed attempt like any other non-2xx: following it could lead anywhere.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

from chalicelib.domain.webhooks.deliveries import SendOutcome
from chalicelib.domain.webhooks.urls import Target

TIMEOUT_SECONDS = 10.0
USER_AGENT = "Jobcover-Webhooks/1.0"
_RESPONSE_BYTES = 4096  # read a little of the answer, never keep it


def signature_headers(
    event_id: str, body: str, secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp`, and one `v1,` signature per secret (space-separated:
    during a rotation both the new and the old secret sign)."""
    signatures = [Webhook(secret).sign(event_id, at, body) for secret in secrets]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to a given address, speaking to the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.url.host, target.url.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        raw = socket.create_connection((self._target.address, self.port), timeout=self.timeout)
        if self._target.url.scheme == "https":
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(raw, server_hostname=self._target.url.host)
        else:
            self.sock = raw

    def cut(self) -> None:
        """Interrupt whatever the connection is blocked on (from another thread)."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class HttpSender:
    def __init__(self, timeout_seconds: float = TIMEOUT_SECONDS) -> None:
        self.timeout_seconds = timeout_seconds

    def post(self, target: Target, body: str, headers: dict[str, str]) -> SendOutcome:
        """POST `body`; the outcome within `timeout_seconds`, whatever the receiver does."""
        started = time.monotonic()
        connection = _PinnedConnection(target, self.timeout_seconds)
        # A receiver that dribbles bytes would reset each socket timeout: close at the deadline.
        deadline = threading.Timer(self.timeout_seconds, connection.cut)
        deadline.daemon = True
        deadline.start()
        try:
            connection.request(
                "POST",
                target.url.target,
                body=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Connection": "close",
                    **headers,
                },
            )
            response = connection.getresponse()
            response.read(_RESPONSE_BYTES)
            return SendOutcome(response.status, None, _elapsed_ms(started))
        except TimeoutError:
            return SendOutcome(None, "timeout", _elapsed_ms(started))
        except ssl.SSLError:
            return SendOutcome(None, "tls_error", _elapsed_ms(started))
        except (OSError, http.client.HTTPException) as exc:
            expired = time.monotonic() - started >= self.timeout_seconds
            error = "timeout" if expired else _connection_error(exc)
            return SendOutcome(None, error, _elapsed_ms(started))
        finally:
            deadline.cancel()
            connection.close()


def _connection_error(exc: Exception) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, http.client.HTTPException):
        return "invalid_response"
    return "connection_error"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
