"""`make package`'s template and checks (scripts/package.py), without AWS.

The template tests build the merge template from infra/ and the app's chalice graph. The full
`chalice package` run (about 20 s) is marked `package`: deselect it with `-m "not package"`.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.dynamodb.due import DUE_SHARDS
from scripts import package

REQUEST_ID = "$context.requestId"  # API Gateway's request id: every error body carries it
NOT_FOUND = {
    "error": {
        "code": "not_found",
        "message": "No such route.",
        "details": [],
        "request_id": REQUEST_ID,
    },
    "request_id": REQUEST_ID,
}


@pytest.fixture(scope="module")
def logical_ids() -> dict[str, Any]:
    return package.chalice_logical_ids(package.PROJECT_DIR, "prod")


@pytest.fixture(scope="module")
def merge_template(logical_ids: dict[str, Any]) -> dict[str, Any]:
    return package.build_merge_template(logical_ids)


def role_policies(template: dict[str, Any], logical_ids: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        policy["PolicyDocument"]
        for role in logical_ids["roles"]
        for policy in template["Resources"][role]["Properties"]["Policies"]
    ]


def statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in policy["Statement"] if s.get("Sid") == sid)


# --- the merge template --------------------------------------------------------------------


def test_chalice_graph_names_the_api_handler_and_its_role(logical_ids):
    assert "APIHandler" in logical_ids["functions"]
    assert logical_ids["roles"], "chalice generates at least one role (autogen_policy false)"
    assert logical_ids["rest_api"] is True


def test_the_outbox_schedule_is_its_own_function_and_role(logical_ids):
    assert "Outbox" in logical_ids["functions"]
    assert "OutboxRole" in logical_ids["roles"]


def test_every_role_may_run_the_outbox_job(merge_template, logical_ids):
    # TransactWriteItems is authorised per item action (its Put and Delete), so the job's claim
    # and retry need PutItem and DeleteItem; due events are a Query per shard; never a Scan.
    for policy in role_policies(merge_template, logical_ids):
        tables = statement(policy, "Tables")
        assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"} <= set(
            tables["Action"]
        )
        assert {"Fn::GetAtt": ["JobcoverTable", "Arn"]} in tables["Resource"]
        assert package.scan_grants(policy) == []


def test_missing_authentication_token_is_a_json_404(merge_template):
    api = merge_template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = api["x-amazon-apigateway-gateway-responses"]
    unknown_route = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown_route["statusCode"] == 404
    assert json.loads(unknown_route["responseTemplates"]["application/json"]) == NOT_FOUND
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        body = responses[kind]["responseTemplates"]["application/json"]
        # $context.error.messageString is API Gateway's quoted JSON string; stand one in.
        parsed = json.loads(body.replace("$context.error.messageString", '"x"'))
        assert set(parsed) == {"error", "request_id"}
        assert set(parsed["error"]) == {"code", "message", "details", "request_id"}
        assert parsed["error"]["details"] == []


def test_every_function_gets_the_injected_environment(merge_template, logical_ids):
    expected = {
        "JOBCOVER_TABLE_NAME": {"Ref": "JobcoverTable"},
        "JOBCOVER_IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
        "JOBCOVER_BUCKET_NAME": {"Ref": "CertificateBucket"},
        "JOBCOVER_TIN_KEY_ID": {"Ref": "TinKeyAlias"},
        "JOBCOVER_ADMIN_KEY_PARAMETER": {"Fn::Sub": "/jobcover/${Stage}/admin-key"},
        "JOBCOVER_JOBS_QUEUE_URL": {"Ref": "JobsQueue"},
    }
    for function in logical_ids["functions"]:
        variables = merge_template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables == expected, function
    # Every Ref/GetAtt target exists in the template (it merges with infra/resources.json).
    for name in ("JobcoverTable", "IdempotencyTable", "CertificateBucket", "TinKeyAlias"):
        assert name in merge_template["Resources"]
    assert "Stage" in merge_template["Parameters"]


def test_role_policy_is_least_privilege_without_scan(merge_template, logical_ids):
    assert package.scan_grants(merge_template) == []
    for policy in role_policies(merge_template, logical_ids):
        actions = list(package.iter_actions(policy))
        assert not [a for a in actions if a.endswith("*")], "no wildcard actions"
        tables = statement(policy, "Tables")
        assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"} <= set(tables["Action"])
        assert {"Fn::Sub": "${JobcoverTable.Arn}/index/*"} in tables["Resource"]
        assert {"Fn::GetAtt": ["IdempotencyTable", "Arn"]} in tables["Resource"]
        assert statement(policy, "Certificates")["Action"] == ["s3:GetObject", "s3:PutObject"]
        assert statement(policy, "TinKey")["Resource"] == {"Fn::GetAtt": ["TinKey", "Arn"]}
        ssm = statement(policy, "AdminKeyParameter")
        assert ssm["Action"] == ["ssm:GetParameter"]
        assert "parameter/jobcover/${Stage}/admin-key" in ssm["Resource"]["Fn::Sub"]
        assert set(statement(policy, "Tracing")["Action"]) == {
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
        }
        assert "logs:PutLogEvents" in statement(policy, "Logs")["Action"]


@pytest.mark.parametrize(
    ("action", "grants"),
    [
        ("dynamodb:Scan", True),
        ("DynamoDB:scan", True),
        ("dynamodb:*", True),
        ("dynamodb:S*", True),
        ("*", True),
        ("dynamodb:Query", False),
        ("s3:*", False),
    ],
)
def test_scan_check_catches_wildcards(action, grants):
    template = {"Resources": {"R": {"Properties": {"Statement": [{"Action": [action]}]}}}}
    assert bool(package.scan_grants(template)) is grants


def test_wiring_is_not_applied_to_ids_chalice_does_not_generate(merge_template, logical_ids):
    # A fragment for a function chalice doesn't generate would be a resource without a Type.
    for logical_id, resource in merge_template["Resources"].items():
        generated = set(logical_ids["functions"]) | set(logical_ids["roles"]) | {"RestAPI"}
        generated |= set(logical_ids["log_groups"])
        assert "Type" in resource or logical_id in generated, logical_id


# --- schedules added later get the same wiring ---------------------------------------------


@pytest.fixture
def scheduled_project(tmp_path, monkeypatch):
    """A throwaway project with a route and a schedule, imported as `app` and then forgotten."""
    (tmp_path / ".chalice").mkdir()
    config = json.loads((package.PROJECT_DIR / ".chalice" / "config.json").read_text())
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config))
    for policy in (package.PROJECT_DIR / ".chalice").glob("policy*.json"):
        (tmp_path / ".chalice" / policy.name).write_text(policy.read_text())
    (tmp_path / "app.py").write_text(
        "from chalice import Chalice\n"
        "app = Chalice(app_name='jobcover')\n"
        "@app.route('/v1/health')\n"
        "def health():\n"
        "    return {}\n"
        "@app.schedule('rate(1 day)')\n"
        "def nightly_rerate(event):\n"
        "    return None\n"
    )
    saved = sys.modules.pop("app", None)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    sys.modules.pop("app", None)
    if saved is not None:
        sys.modules["app"] = saved


def test_schedules_get_the_environment_and_policy(scheduled_project):
    ids = package.chalice_logical_ids(scheduled_project, "prod")
    assert set(ids["functions"]) == {"APIHandler", "NightlyRerate"}
    assert len(ids["roles"]) == 2
    template = package.build_merge_template(ids)
    for function in ids["functions"]:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["JOBCOVER_TABLE_NAME"] == {"Ref": "JobcoverTable"}
    for role in ids["roles"]:
        assert template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]


# --- chalice deploy's policy files ---------------------------------------------------------


def test_policy_files_match_the_wiring():
    assert package.check_policy_files(write=False) == [], "run scripts/package.py --write-policies"


@pytest.mark.parametrize("stage", package.STAGES)
def test_stage_policy_names_only_that_stages_resources(stage):
    policy = package.stage_policy(stage)
    assert package.scan_grants(policy) == []
    text = json.dumps(policy)
    assert "Fn::" not in text and '"Ref"' not in text
    assert statement(policy, "Tables")["Resource"] == [
        f"arn:aws:dynamodb:*:*:table/jobcover-{stage}",
        f"arn:aws:dynamodb:*:*:table/jobcover-{stage}/index/*",
        f"arn:aws:dynamodb:*:*:table/jobcover-idempotency-{stage}",
        f"arn:aws:dynamodb:*:*:table/jobcover-idempotency-{stage}/index/*",
    ]
    assert statement(policy, "Certificates")["Resource"] == (
        f"arn:aws:s3:::jobcover-certificates-{stage}-*/*"
    )
    kms = statement(policy, "TinKey")
    assert kms["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/jobcover-tin-{stage}"}
    }
    assert statement(policy, "AdminKeyParameter")["Resource"] == (
        f"arn:aws:ssm:*:*:parameter/jobcover/{stage}/admin-key"
    )
    assert statement(policy, "JobsQueue")["Resource"] == f"arn:aws:sqs:*:*:jobcover-jobs-{stage}"
    others = [s for s in package.STAGES if s != stage]
    for other in others:
        assert f"-{other}" not in text and f"/{other}/" not in text


# --- cfn-lint and the zip check ------------------------------------------------------------


def test_cfn_lint_passes_on_infra_resources():
    code, output = package.run_cfn_lint(package.RESOURCES)
    assert code == 0, output


def test_cfn_lint_reports_errors(tmp_path):
    broken = json.loads(package.RESOURCES.read_text())
    broken["Resources"]["JobcoverTable"]["Properties"]["BillingMode"] = "FREE_FOREVER"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    code, _ = package.run_cfn_lint(path)
    assert package.cfn_lint_failed(code)


def write_wheel_zip(path: Path, tags: dict[str, list[str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for dist, dist_tags in tags.items():
            lines = ["Wheel-Version: 1.0", "Root-Is-Purelib: false"]
            lines += [f"Tag: {tag}" for tag in dist_tags]
            archive.writestr(f"{dist}.dist-info/WHEEL", "\n".join(lines) + "\n")
    return path


def test_wheel_check_flags_host_built_wheels(tmp_path):
    archive = write_wheel_zip(
        tmp_path / "deployment.zip",
        {
            "pydantic_core-2.50.4": ["cp311-cp311-manylinux_2_17_x86_64"],
            "six-1.17.0": ["py2-none-any", "py3-none-any"],
            "pillow-12.0.0": ["cp311-cp311-linux_x86_64"],
        },
    )
    bad = package.bare_linux_wheels(archive)
    assert len(bad) == 1
    assert bad[0].startswith("pillow-12.0.0.dist-info/WHEEL")


def write_dist_zip(path: Path, dists: dict[str, list[str]]) -> Path:
    """A zip of installed distributions: name-version -> its Requires-Dist lines."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", "")
        for dist, requires in dists.items():
            name, version = dist.rsplit("-", 1)
            package_dir = name.replace("-", "_")
            info = f"{package_dir}-{version}.dist-info"
            metadata = [f"Name: {name}", f"Version: {version}"]
            metadata += [f"Requires-Dist: {r}" for r in requires]
            files = [f"{package_dir}/__init__.py", f"{info}/METADATA", f"{info}/RECORD"]
            archive.writestr(files[0], "")
            archive.writestr(files[1], "\n".join(metadata) + "\n\nlong description: x\n")
            archive.writestr(files[2], "\n".join(f"{f},," for f in files) + "\n")
    return path


def test_the_runtime_sdk_and_what_only_it_needs_leave_the_zip(tmp_path):
    archive = write_dist_zip(
        tmp_path / "deployment.zip",
        {
            "aws-xray-sdk-2.15.0": ["wrapt", "botocore >=1.11.3"],
            "wrapt-2.5.2": [],
            "botocore-1.44.8": ["jmespath<2", "urllib3>=1.25.4", "python-dateutil<3"],
            "urllib3-2.8.0": [],
            "jmespath-1.1.0": [],
            "python-dateutil-2.9.0": ["six>=1.5"],
            "six-1.17.0": [],
            "aws-lambda-powertools-3.37.0": [
                "jmespath<2.0.0,>=1.0.1",
                "aws-xray-sdk<3.0.0,>=2.8.0; extra == 'tracer'",
                "urllib3<3.0.0,>=2.7.0; extra == 'jwt'",
            ],
        },
    )
    requirements = [
        package.Requirement(line)
        for line in ("aws-lambda-powertools[tracer]==3.37.0", "python-dateutil==2.9.0")
    ]

    sdk = package.runtime_sdk_in_zip(archive, requirements)

    assert sorted(sdk) == ["botocore", "urllib3"]  # jmespath and dateutil: others need them


def test_stripping_the_runtime_sdk_keeps_everything_else(tmp_path):
    archive = write_dist_zip(
        tmp_path / "deployment.zip",
        {"aws-xray-sdk-2.15.0": ["botocore"], "botocore-1.44.8": ["urllib3"], "urllib3-2.8.0": []},
    )
    with zipfile.ZipFile(archive) as before:
        names = set(before.namelist())

    removed = package.strip_runtime_sdk(archive)

    assert removed == ["botocore-1.44.8.dist-info", "urllib3-2.8.0.dist-info"]
    with zipfile.ZipFile(archive) as after:
        left = set(after.namelist())
    assert left == {n for n in names if not n.startswith(("botocore", "urllib3"))}
    assert "aws_xray_sdk/__init__.py" in left
    assert package.runtime_sdk_in_zip(archive) == {}


# --- the whole thing -----------------------------------------------------------------------


@pytest.mark.package
def test_full_chalice_package(tmp_path, logical_ids):
    """`chalice package` for prod, then every check `make package` runs (about 20 s)."""
    merge = package.write_merge_template(
        package.build_merge_template(logical_ids), tmp_path / "merge-template.json"
    )
    out_dir = tmp_path / "package"
    package.run_chalice_package("prod", merge, out_dir)
    assert "botocore-" in " ".join(package.strip_runtime_sdk(out_dir / "deployment.zip"))
    summary = package.check_package(out_dir)
    sam = summary["sam"]
    assert summary["functions"] == logical_ids["functions"]
    assert summary["cfn_lint"] == "clean"
    responses = sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == 404
    # chalice's own variables survive the merge next to the injected ones.
    variables = sam["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["JOBCOVER_STAGE"] == "prod"
    assert variables["JOBCOVER_BUCKET_NAME"] == {"Ref": "CertificateBucket"}
    assert sam["Resources"]["APIHandler"]["Properties"]["Tracing"] == "Active"
    # The outbox job: its own function on a one-minute schedule, with its own timeout.
    outbox = sam["Resources"]["Outbox"]["Properties"]
    assert outbox["Handler"] == "chalicelib.jobs.schedules.outbox"
    assert [event["Properties"]["Schedule"] for event in outbox["Events"].values()] == [
        "rate(1 minute)"
    ]
    assert outbox["Timeout"] == 120
    assert outbox["Environment"]["Variables"]["JOBCOVER_TABLE_NAME"] == {"Ref": "JobcoverTable"}
    # The term jobs: daily at 06:00 UTC, 300 s, reserved concurrency, logs kept 30 days.
    for function in TERM_JOBS:
        props = sam["Resources"][function]["Properties"]
        assert [e["Properties"]["Schedule"] for e in props["Events"].values()] == [
            "cron(0 6 * * ? *)"
        ]
        assert props["Timeout"] == 300
        assert props["ReservedConcurrentExecutions"] >= 1
        assert sam["Resources"][f"{function}LogGroup"]["Properties"]["RetentionInDays"] == 30
    worker = sam["Resources"]["JobWorker"]["Properties"]
    [source] = worker["Events"].values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    assert worker["Timeout"] == 300
    # The queue never asks for more workers than the function may run: no throttled message
    # waits out the visibility timeout (the outbox's and deliveries' 64 shards each, 4 x 8 due).
    limit = source["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert limit == worker["ReservedConcurrentExecutions"] >= 64 + 64 + 4 * DUE_SHARDS
    assert sam["Resources"]["JobsDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    # Tracing's SDK ships; the botocore it patches is the runtime's.
    with zipfile.ZipFile(out_dir / "deployment.zip") as archive:
        top = {name.split("/")[0] for name in archive.namelist()}
    assert "aws_xray_sdk" in top
    assert not {"botocore", "boto3", "urllib3"} & top


# --- the term jobs, their queue, and what operates them -------------------------------------

TERM_JOBS = ("Renewals", "Expirations", "Rescissions", "Audits")


def test_term_jobs_and_the_worker_are_functions_with_roles(logical_ids):
    for function in (*TERM_JOBS, "JobWorker"):
        assert function in logical_ids["functions"]
        assert f"{function}Role" in logical_ids["roles"]
    # The queue name follows the stage chalice packages (its environment is in place then).
    assert list(logical_ids["sqs_sources"]) == ["JobWorker"]
    assert logical_ids["sqs_sources"]["JobWorker"].startswith("jobcover-jobs-")


def test_operations_resources_are_merged(merge_template, logical_ids):
    resources = merge_template["Resources"]
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    for function in logical_ids["functions"]:
        for kind in ("Errors", "Throttles"):
            alarm = resources[f"{function}{kind}Alarm"]["Properties"]
            assert alarm["MetricName"] == kind
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
            assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    dlq = resources["JobsDeadLetterAlarm"]["Properties"]
    assert dlq["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert resources["Api5xxAlarm"]["Properties"]["MetricName"] == "5XXError"
    assert resources["CertificateRetriesExhaustedAlarm"]["Properties"]["Namespace"] == "Jobcover"
    api = resources["RestAPI"]["Properties"]
    assert api["MethodSettings"][0]["ThrottlingRateLimit"] > 0
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert resources["RestAPI"]["DependsOn"] == ["ApiGatewayAccount"]
    queue = resources["JobsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]
    }
    rules = resources["CertificateBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules and all(rule["Status"] == "Enabled" for rule in rules)


def test_chalice_deploys_data_stack_alarms_name_chalices_functions(logical_ids):
    stack = package.build_data_stack(logical_ids, "prod")
    resources = stack["Resources"]
    assert resources["RenewalsErrorsAlarm"]["Properties"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Fn::Sub": "jobcover-${Stage}-renewals"}}
    ]
    assert resources["APIHandlerErrorsAlarm"]["Properties"]["Dimensions"][0]["Value"] == {
        "Fn::Sub": "jobcover-${Stage}"
    }
    assert "JobsQueue" in resources and "JobcoverTable" in resources


def test_the_data_stack_passes_cfn_lint(tmp_path, logical_ids):
    path = tmp_path / "data-stack.json"
    path.write_text(json.dumps(package.build_data_stack(logical_ids, "prod")))
    code, output = package.run_cfn_lint(path)
    assert code == 0, output


def test_sqs_sources_are_wired_to_the_templates_queue():
    sam = {
        "Resources": {
            "JobWorker": {
                "Properties": {
                    "Events": {
                        "E": {
                            "Type": "SQS",
                            "Properties": {
                                "Queue": {
                                    "Fn::Sub": "arn:${AWS::Partition}:sqs:x:y:jobcover-jobs-prod"
                                }
                            },
                        }
                    }
                }
            }
        }
    }
    assert package.wire_sqs_sources(sam) == ["JobWorker"]
    queue = sam["Resources"]["JobWorker"]["Properties"]["Events"]["E"]["Properties"]["Queue"]
    assert queue == {"Fn::GetAtt": ["JobsQueue", "Arn"]}
