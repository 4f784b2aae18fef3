"""Starts `make run`'s stack on a free port and speaks HTTP to it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.conftest import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    base_url: str
    admin_key: str
    platform_key: str
    process: subprocess.Popen[str]
    port: int
    banner: str = ""
    aws_url: str = ""

    def call(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        # One connection per request: chalice local stalls on keep-alive (see chalice-moto facts).
        headers.setdefault("Connection", "close")
        return requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)


def start_stack(
    admin_key: str = "jca_acceptance_admin", extra_env: dict[str, str] | None = None
) -> Stack:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update({"PORT": str(port), "JOBCOVER_ADMIN_KEY": admin_key, "PYTHONUNBUFFERED": "1"})
    # Webhook deliveries stay on this machine whatever URLs a test (or the fuzzer) registers.
    env.setdefault("JOBCOVER_WEBHOOK_EGRESS", "loopback")
    env.update(extra_env or {})
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "Ctrl-C stops." in line:
            break
    text = "".join(seen)
    admin = re.search(r"Admin key\s+(\S+)", text)
    platform = re.search(r"Demo platform key\s+(\S+)", text)
    if not (admin and platform):
        stop_stack(process)
        raise RuntimeError("make run did not start:\n" + text)
    aws = re.search(r"AWS emulator\s+(\S+)", text)
    return Stack(
        f"http://127.0.0.1:{port}",
        admin.group(1),
        platform.group(1),
        process,
        port,
        banner=text,
        aws_url=aws.group(1) if aws else "",
    )


def stop_stack(process: subprocess.Popen[str]) -> bool:
    """SIGTERM the whole process group; True when it all exited without needing SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = start_stack()
    # Drain output in the background so the server never blocks on a full pipe.
    import threading

    assert running.process.stdout is not None
    threading.Thread(target=running.process.stdout.read, daemon=True).start()
    yield running
    stop_stack(running.process)
