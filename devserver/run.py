"""`make run`: moto in-process on loopback, the deploy template's resources, chalice's local server,
and a scheduler thread running the app's scheduled functions (devserver/scheduler.py).

Prints the admin key and a demo platform's key. Ctrl-C or SIGTERM stops all of them cleanly.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from types import FrameType

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = "dev"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    admin_key = os.environ.get("JOBCOVER_ADMIN_KEY") or "jca_" + secrets.token_urlsafe(24)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "JOBCOVER_ADMIN_KEY": admin_key,
            # Certificates print their verify address: this server's.
            "JOBCOVER_PUBLIC_URL": os.environ.get("JOBCOVER_PUBLIC_URL")
            or f"http://127.0.0.1:{port}",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    sys.path.insert(0, str(PROJECT_DIR))

    import boto3
    from moto.server import ThreadedMotoServer

    from devserver import localaws
    from devserver.gateway import install_gateway_responses
    from devserver.resources import create_resources, stage_environment, stage_names

    localaws.install()  # before the server's first request: DynamoDB's semantics at any size
    moto_port = _free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{moto_port}"
    env = stage_environment(STAGE)
    os.environ.update({k: v for k, v in env.items() if k != "JOBCOVER_ADMIN_KEY"})
    create_resources(boto3.session.Session(), stage=STAGE, names=stage_names(env))

    from chalicelib.bootstrap import container

    platform, platform_key = container().parties.create_platform("Demo Dispatch")

    from chalice.cli import create_local_server
    from chalice.cli.factory import CLIFactory

    from devserver.scheduler import INTERVAL_VARIABLE, LocalScheduler

    install_gateway_responses()
    factory = CLIFactory(str(PROJECT_DIR), environ=dict(os.environ))
    server = create_local_server(factory, "127.0.0.1", port, STAGE)
    override = os.environ.get(INTERVAL_VARIABLE)
    scheduler = LocalScheduler(
        server.app_object, override_seconds=float(override) if override else None
    )
    signal.signal(signal.SIGTERM, _stop)
    schedules = ", ".join(schedule.describe() for schedule in scheduler.schedules)
    print(
        f"Jobcover API      http://127.0.0.1:{port}   (docs: /docs, spec: /openapi.json)\n"
        f"AWS emulator      http://127.0.0.1:{moto_port}   (moto; data lasts until it stops)\n"
        f"Admin key         {admin_key}\n"
        f"Demo platform     {platform.id}\n"
        f"Demo platform key {platform_key}\n"
        f"Schedules         {schedules or 'none'}\n"
        "Ctrl-C stops.",
        flush=True,
    )
    try:
        scheduler.start()
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()
        server.server.server_close()
        moto.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
