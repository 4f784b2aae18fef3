"""Least privilege, proved: every AWS call the service made during this test session (recorded
by tests/aws_calls.py's botocore hook) is granted by the IAM policy generated for the stage it ran
under, on that stage's own resources; and everything that policy grants is either exercised or
on the allow-list below with its reason. Runs after every other test (`after_all`)."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from typing import Any

import pytest

from scripts import package
from tests.aws_calls import CALLS, Call

# Granted, though no test makes the call, and why.
ALLOWED_UNEXERCISED = {
    "logs:CreateLogGroup": "the Lambda runtime writes each function's logs with its role",
    "logs:CreateLogStream": "the Lambda runtime writes each function's logs with its role",
    "logs:PutLogEvents": "the Lambda runtime writes each function's logs with its role",
    "xray:PutTraceSegments": "the X-Ray SDK sends traces where tracing is on (prod)",
    "xray:PutTelemetryRecords": "the X-Ray SDK sends traces where tracing is on (prod)",
    "s3:GetObject": "presigned-URL reads of certificate PDFs are signed with the role",
    "s3:PutObject": "certificate PDFs are stored by the certificates module",
    "kms:GenerateDataKey": "SSE-KMS writes of certificate PDFs (bucket key)",
    "sqs:ReceiveMessage": "the SQS event source mapping polls the jobs queue with the role",
    "sqs:DeleteMessage": "the SQS event source mapping deletes worked messages",
    "sqs:GetQueueAttributes": "the SQS event source mapping reads the queue's attributes",
    "sqs:GetQueueUrl": "chalice deploy's functions find the queue by name (the template "
    "injects its URL)",
    "ssm:GetParameter": "the admin key is read from SSM on the prod stage only",
}


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _kms_aliases(statement: dict[str, Any]) -> list[str]:
    condition = statement.get("Condition", {}).get("ForAnyValue:StringEquals", {})
    return _as_list(condition.get("kms:ResourceAliases", []))


def granted(call: Call, statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if not any(fnmatch.fnmatchcase(call.action, a) for a in _as_list(statement["Action"])):
        return False
    if call.action.startswith("kms:"):
        return call.resource in _kms_aliases(statement)
    return any(fnmatch.fnmatchcase(call.resource, r) for r in _as_list(statement["Resource"]))


@pytest.mark.after_all
def test_every_aws_call_is_granted_on_its_stages_resources_and_nothing_more():
    if not CALLS:
        pytest.skip("no AWS calls were recorded (run with the functional tier)")
    by_stage: dict[str, set[Call]] = defaultdict(set)
    for call in CALLS:
        by_stage[call.stage].add(call)
    exercised: set[str] = set()
    denied: list[Call] = []
    for stage, calls in by_stage.items():
        statements = package.stage_policy(stage)["Statement"]
        for call in sorted(calls, key=str):
            matching = [s for s in statements if granted(call, s)]
            if not matching:
                denied.append(call)
            exercised.update(f"{s.get('Sid')}|{call.action}" for s in matching)
            # Scoped to this stage: no other stage's resources are named by the call.
            others = [o for o in package.STAGES if o != stage]
            assert not any(f"jobcover-{o}" in call.resource for o in others), call
    assert denied == [], "calls the generated policy does not grant"
    policy = package.stage_policy("test")
    unused = [
        f"{s.get('Sid')}|{action}"
        for s in policy["Statement"]
        for action in _as_list(s["Action"])
        if f"{s.get('Sid')}|{action}" not in exercised and action not in ALLOWED_UNEXERCISED
    ]
    assert unused == [], "granted but never used, and not on the allow-list: remove or explain"


def test_the_matcher_refuses_other_stages_and_other_actions():
    statements = package.stage_policy("test")["Statement"]
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/"
    ok = Call("test", "dynamodb:PutItem", table + "jobcover-test", "PutItem")
    assert any(granted(ok, s) for s in statements)
    for bad in (
        Call("test", "dynamodb:PutItem", table + "jobcover-prod", "PutItem"),
        Call("test", "dynamodb:Scan", table + "jobcover-test", "Scan"),
        Call("test", "kms:Encrypt", "alias/jobcover-tin-prod", "Encrypt"),
        Call("test", "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobcover-jobs-prod", "x"),
    ):
        assert not any(granted(bad, s) for s in statements), bad
