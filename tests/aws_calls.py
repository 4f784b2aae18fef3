"""Every AWS API call the service's code makes during the test session, recorded by a botocore
event hook (`before-parameter-build` on each client), for the least-privilege test.

A call counts when the service's own code made it (a `chalicelib/` frame on the stack); calls a
test makes to set up or inspect moto do not. Each record names the stage whose environment was in
place (`JOBCOVER_STAGE`), the IAM action(s) and the resource ARN(s) it touches.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

import botocore.session

REGION = "us-east-1"
ACCOUNT = "123456789012"
_PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SERVICE_CODE = os.path.join(_PROJECT, "chalicelib") + os.sep
# A transaction is authorised per item, by the item action's own IAM action.
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


@dataclass(frozen=True)
class Call:
    stage: str
    action: str
    resource: str
    operation: str


CALLS: set[Call] = set()
_lock = threading.Lock()


def _from_service_code() -> bool:
    """The nearest project frame that made the call is service code (a test's own client, even
    one called from inside a hook the service triggered, does not count)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_PROJECT) and ".venv" not in filename and __file__ != filename:
            return filename.startswith(_SERVICE_CODE)
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def grants_needed(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs one API call needs."""
    if service == "dynamodb":
        if operation in {"TransactWriteItems", "TransactGetItems"}:
            return [
                (f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table(body["TableName"]))
                for item in params.get("TransactItems", [])
                for kind, body in item.items()
            ]
        if operation in {"BatchGetItem", "BatchWriteItem"}:
            return [(f"dynamodb:{operation}", _table(t)) for t in params.get("RequestItems", {})]
        return [(f"dynamodb:{operation}", _table(params["TableName"], params.get("IndexName")))]
    if service == "sqs":
        name = params.get("QueueName") or str(params.get("QueueUrl", "")).rsplit("/", 1)[-1]
        return [(f"sqs:{operation}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")]
    if service == "kms":
        return [(f"kms:{operation}", str(params.get("KeyId", "")))]
    if service == "ssm":
        return [(f"ssm:{operation}", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{params['Name']}")]
    if service == "s3":
        return [(f"s3:{operation}", f"arn:aws:s3:::{params.get('Bucket')}/{params.get('Key', '')}")]
    return [(f"{service}:{operation}", "*")]


def _record(params: dict[str, Any], model: Any, **_: Any) -> None:
    if not _from_service_code():
        return
    service = model.service_model.endpoint_prefix
    stage = os.environ.get("JOBCOVER_STAGE", "dev")
    found = {
        Call(stage, action, resource, model.name)
        for action, resource in grants_needed(service, model.name, params)
    }
    with _lock:
        CALLS.update(found)


def install() -> None:
    """Hook every botocore client created from now on (idempotent)."""
    original = botocore.session.Session.create_client
    if getattr(original, "jobcover_recording", False):
        return

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", _record)
        return client

    create_client.jobcover_recording = True  # type: ignore[attr-defined]
    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
