"""A real webhook receiver on 127.0.0.1 (http.server in a thread): records every request and
answers from a script (a status, or a delay before answering)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str
    at: float  # time.monotonic()

    def verify(self, secret: str) -> dict[str, Any]:
        """The payload, if the signature verifies with `secret` (the library's check)."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        # Each request takes the next answer: a status, or ("sleep", seconds, status).
        self.script: list[int | tuple[str, float, int]] = []
        self.default: int | tuple[str, float, int] = 200
        self.extra_headers: dict[str, str] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def bodies(self) -> list[str]:
        with self.lock:
            return [r.body for r in self.received]

    def next_answer(self) -> int | tuple[str, float, int]:
        with self.lock:
            return self.script.pop(0) if self.script else self.default


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
            answer = receiver.next_answer()
            if isinstance(answer, tuple):
                _, seconds, answer = answer
                time.sleep(seconds)
            try:
                self.send_response(answer)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up (timeout) and closed the connection

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    receiver = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
