"""`make package`: a CloudFormation (SAM) package of the prod stage, checked before it leaves.

Steps:
1. Build `build/merge-template.json` = infra/resources.json (data resources) + infra/wiring.json
   (environment injection, the functions' least-privilege policy, API gateway responses). The
   environment wiring written for `APIHandler` is copied to every Lambda function chalice will
   generate (schedules included), found from chalice's own application graph.
2. `chalice package --stage prod --merge-template build/merge-template.json build/package`.
3. cfn-lint on build/package/sam.json (fails on errors).
4. Every `*.dist-info/WHEEL` in deployment.zip must not be tagged bare `linux_x86_64` (a wheel
   built from source against this host's libraries, not portable to Lambda).
5. No IAM statement anywhere may allow `dynamodb:Scan`; every generated function carries the
   injected environment.
6. deployment.zip ships no AWS SDK of its own: the Lambda runtime provides boto3 and botocore,
   and aws-xray-sdk's requirement on botocore would otherwise pack 21 MB of a second, shadowing
   botocore (and urllib3, which only it needs). They are removed from the zip after
   `chalice package`; X-Ray tracing keeps working (the SDK patches the runtime's botocore).

`--template-only` stops after step 1 (the tests use it). `--write-policies` regenerates
`.chalice/policy*.json` (for `chalice deploy`) from the same statements; without it the script
fails when those files have drifted from infra/wiring.json.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # run as `python scripts/package.py`, or imported as `scripts.package` by the tests
    from scripts.operations import operations_resources, rest_api_settings
except ModuleNotFoundError:  # pragma: no cover - the script's own directory is on sys.path
    from operations import operations_resources, rest_api_settings  # type: ignore[no-redef,import-not-found]
from packaging.requirements import Requirement

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESOURCES = PROJECT_DIR / "infra" / "resources.json"
WIRING = PROJECT_DIR / "infra" / "wiring.json"
BUILD_DIR = PROJECT_DIR / "build"
MERGE_TEMPLATE = BUILD_DIR / "merge-template.json"
DATA_STACK = BUILD_DIR / "data-stack.json"
JOBS_QUEUE = "JobsQueue"
JOBS_QUEUE_PREFIX = "jobcover-jobs-"
PACKAGE_DIR = BUILD_DIR / "package"
CHALICE_DIR = PROJECT_DIR / ".chalice"
DEFAULT_REGION = "us-east-1"
WIRED_FUNCTION = "APIHandler"
# wiring.json's role fragment, merged into every IAM role chalice generates.
ROLE_FRAGMENT = "FunctionRole"
STAGES = ("dev", "test", "prod")
# `.chalice/policy.json` is what config.json names today; it is the dev policy (fails closed
# for any other stage) until each stage points at its own `policy-<stage>.json`.
DEFAULT_POLICY_STAGE = "dev"

Json = dict[str, Any]


class PackageError(Exception):
    """A check failed; the message says which and why."""


def load_json(path: Path) -> Json:
    return dict(json.loads(path.read_text()))


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


# --- 1. the merge template ------------------------------------------------------------------


def chalice_logical_ids(project_dir: Path = PROJECT_DIR, stage: str = "prod") -> dict[str, Any]:
    """Logical ids chalice's SAM generator will use, from chalice's own application graph.

    Returns {"functions": [...], "roles": [...], "rest_api": bool}. Same naming as
    chalice.package.SAMTemplateGenerator: CamelCased resource names, the API handler renamed
    `APIHandler`. Loading the config imports app.py (no packaging, no network).
    """
    from chalice.cli.factory import CLIFactory
    from chalice.deploy import models
    from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
    from chalice.utils import to_cfn_resource_name

    factory = CLIFactory(str(project_dir), environ=dict(os.environ))
    config = factory.create_config_obj(chalice_stage_name=stage)
    application = ApplicationGraphBuilder().build(config, stage)
    ordered = DependencyBuilder().build_dependencies(application)
    functions: list[str] = []
    function_names: dict[str, str] = {}
    roles: list[str] = []
    sqs_sources: dict[str, str] = {}
    log_groups: list[str] = []
    api_handler: str | None = None
    api_stage: str | None = None
    for resource in ordered:
        if isinstance(resource, models.RestAPI):
            api_handler = to_cfn_resource_name(resource.lambda_function.resource_name)
            api_stage = resource.api_gateway_stage
    for resource in ordered:
        if isinstance(resource, models.LambdaFunction):
            name = to_cfn_resource_name(resource.resource_name)
            logical_id = WIRED_FUNCTION if name == api_handler else name
            functions.append(logical_id)
            function_names[logical_id] = resource.function_name
            if resource.log_group is not None:
                log_groups.append(to_cfn_resource_name(resource.log_group.resource_name))
        elif isinstance(resource, models.ManagedIAMRole):
            roles.append(to_cfn_resource_name(resource.resource_name))
        elif isinstance(resource, models.SQSEventSource):
            function = to_cfn_resource_name(resource.lambda_function.resource_name)
            sqs_sources[function] = str(resource.queue)
    return {
        "functions": functions,
        "function_names": function_names,
        "roles": roles,
        "rest_api": api_handler is not None,
        "api_stage": api_stage,
        "sqs_sources": sqs_sources,
        "log_groups": log_groups,
    }


def function_environment(wiring: Json) -> Json:
    """The variables infra/wiring.json injects into every function."""
    props = wiring["Resources"][WIRED_FUNCTION]["Properties"]
    return dict(props["Environment"]["Variables"])


def build_merge_template(
    logical_ids: dict[str, Any],
    resources: Json | None = None,
    wiring: Json | None = None,
) -> Json:
    """infra/resources.json + infra/wiring.json, wired to the functions chalice generates."""
    resources = copy.deepcopy(resources if resources is not None else load_json(RESOURCES))
    wiring = copy.deepcopy(wiring if wiring is not None else load_json(WIRING))
    template: Json = {key: value for key, value in resources.items() if key != "Resources"}
    merged: Json = dict(resources["Resources"])
    environment = function_environment(wiring)
    fragments = dict(wiring["Resources"])
    fragments.pop(WIRED_FUNCTION)
    role_fragment = fragments.pop(ROLE_FRAGMENT)
    api_fragment = fragments.pop("RestAPI")
    for logical_id, fragment in fragments.items():  # anything else in wiring.json: as written
        merged[logical_id] = fragment
    for function in logical_ids["functions"]:
        merged[function] = {
            "Properties": {"Environment": {"Variables": copy.deepcopy(environment)}}
        }
    for role in logical_ids["roles"]:
        merged[role] = copy.deepcopy(role_fragment)
    if logical_ids["rest_api"] and "ApiHandlerLogGroup" in logical_ids.get("log_groups", []):
        # chalice names the API handler's log group after `${ApiHandler}`, a logical id it
        # does not generate (the function is `APIHandler`).
        merged["ApiHandlerLogGroup"] = {
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${APIHandler}"}}
        }
    if logical_ids["rest_api"]:
        settings = rest_api_settings()
        api_fragment["Properties"].update(settings["Properties"])
        merged["RestAPI"] = {**api_fragment, "DependsOn": settings["DependsOn"]}
    merged.update(
        operations_resources(
            {function: {"Ref": function} for function in logical_ids["functions"]},
            logical_ids.get("api_stage") or "v1",
        )
    )
    clashes = set(resources["Resources"]) & (
        set(logical_ids["functions"]) | set(logical_ids["roles"]) | {"RestAPI"}
    )
    if clashes:
        raise PackageError(f"infra/resources.json reuses chalice's logical ids: {sorted(clashes)}")
    template["Resources"] = merged
    return template


def build_data_stack(
    logical_ids: dict[str, Any], stage: str, resources: Json | None = None
) -> Json:
    """`chalice deploy`'s data stack: infra/resources.json plus the operations resources, the
    alarms naming the functions as chalice deploy names them (`jobcover-<stage>[-<name>]`)."""
    template = copy.deepcopy(resources if resources is not None else load_json(RESOURCES))
    prefix = f"jobcover-{stage}"
    names = {
        logical_id: {"Fn::Sub": "jobcover-${Stage}" + name[len(prefix) :]}
        for logical_id, name in logical_ids["function_names"].items()
        if name.startswith(prefix)
    }
    template["Resources"].update(operations_resources(names, logical_ids.get("api_stage") or "v1"))
    template["Description"] = (
        "Jobcover data stack for `chalice deploy`: the data resources, the jobs queues, and the "
        "alarms (SNS topic), API access log group and API Gateway logging role."
    )
    return template


def write_merge_template(template: Json, path: Path = MERGE_TEMPLATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_json(template))
    return path


# --- policies for `chalice deploy` (no Refs possible: stage-named ARNs) -----------------------


def _sub(text: str, names: dict[str, str]) -> str:
    return re.sub(r"\$\{([^}]+)\}", lambda m: names[m.group(1)], text)


def stage_policy(stage: str, resources: Json | None = None, wiring: Json | None = None) -> Json:
    """The wiring's role policy with each stage's physical names in place of Refs.

    Names follow infra/resources.json for the stage (unknown account and region: `*`); the TIN
    key's id is unknown before deploy, so its statement matches keys by alias
    (`kms:ResourceAliases`). Chalice deploy names functions `<app>-<stage>[-<name>]`, so logs are
    narrowed to those log groups.
    """
    resources = resources if resources is not None else load_json(RESOURCES)
    wiring = wiring if wiring is not None else load_json(WIRING)
    base = {"Stage": stage, "AWS::Partition": "aws", "AWS::Region": "*", "AWS::AccountId": "*"}
    arns: dict[str, str] = {}
    key_aliases: dict[str, str] = {}
    for logical_id, resource in resources["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            arns[logical_id] = (
                f"arn:aws:dynamodb:*:*:table/{_sub(props['TableName']['Fn::Sub'], base)}"
            )
        elif kind == "AWS::S3::Bucket":
            arns[logical_id] = f"arn:aws:s3:::{_sub(props['BucketName']['Fn::Sub'], base)}"
        elif kind == "AWS::KMS::Key":
            arns[logical_id] = "arn:aws:kms:*:*:key/*"
        elif kind == "AWS::SQS::Queue":
            arns[logical_id] = f"arn:aws:sqs:*:*:{_sub(props['QueueName']['Fn::Sub'], base)}"
        elif kind == "AWS::KMS::Alias":
            key_aliases[props["TargetKeyId"]["Ref"]] = _sub(props["AliasName"]["Fn::Sub"], base)
    names = dict(base, **{f"{logical_id}.Arn": arn for logical_id, arn in arns.items()})

    def resolve(value: Any) -> tuple[str, str | None]:
        """(ARN, logical id of a KMS key it names, if any)."""
        if isinstance(value, str):
            return value, None
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return names[f"{logical_id}.{attribute}"], (
                logical_id if logical_id in key_aliases else None
            )
        return _sub(value["Fn::Sub"], names), None

    role = wiring["Resources"][ROLE_FRAGMENT]["Properties"]["Policies"][0]["PolicyDocument"]
    statements: list[Json] = []
    for statement in role["Statement"]:
        out = copy.deepcopy(statement)
        raw = statement["Resource"]
        resolved = [resolve(item) for item in (raw if isinstance(raw, list) else [raw])]
        keys = {key for _, key in resolved if key}
        if statement.get("Sid") == "Logs":
            resolved = [(f"arn:aws:logs:*:*:log-group:/aws/lambda/jobcover-{stage}*", None)]
        arn_list = [arn for arn, _ in resolved]
        out["Resource"] = arn_list if isinstance(raw, list) else arn_list[0]
        if keys:
            aliases = sorted(key_aliases[key] for key in keys)
            out["Condition"] = {
                "ForAnyValue:StringEquals": {
                    "kms:ResourceAliases": aliases if len(aliases) > 1 else aliases[0]
                }
            }
        statements.append(out)
    return {"Version": role["Version"], "Statement": statements}


def policy_files() -> dict[Path, Json]:
    """Every `.chalice/policy*.json` this script owns, with the content it should have."""
    files = {CHALICE_DIR / f"policy-{stage}.json": stage_policy(stage) for stage in STAGES}
    files[CHALICE_DIR / "policy.json"] = stage_policy(DEFAULT_POLICY_STAGE)
    return files


def check_policy_files(write: bool) -> list[str]:
    """Write (or verify) the chalice deploy policy files; returns the ones out of date."""
    stale: list[str] = []
    for path, policy in policy_files().items():
        text = dump_json(policy)
        if write:
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(str(path.relative_to(PROJECT_DIR)))
    return stale


# --- checks ----------------------------------------------------------------------------------


def iter_actions(node: Any) -> Iterator[str]:
    """Every IAM action string anywhere in a template or policy (Action and NotAction)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"Action", "NotAction"}:
                yield from (
                    [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
                )
            else:
                yield from iter_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_actions(item)


def scan_grants(node: Any) -> list[str]:
    """Actions that would allow dynamodb:Scan (wildcards included)."""
    return [
        action
        for action in iter_actions(node)
        if fnmatch.fnmatchcase("dynamodb:scan", action.lower())
    ]


def bare_linux_wheels(zip_path: Path) -> list[str]:
    """`*.dist-info/WHEEL` files tagged bare `linux_*` (built from source on this host)."""
    bad: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if not re.search(r"\.dist-info/WHEEL$", name):
                continue
            for line in archive.read(name).decode("utf-8", "replace").splitlines():
                if line.startswith("Tag:"):
                    platform = line.split(":", 1)[1].strip().split("-")[-1]
                    if platform.startswith("linux_"):
                        bad.append(f"{name}: {line.strip()}")
    return bad


def unwired_functions(sam: Json, environment: Json) -> list[str]:
    """Generated functions missing any injected variable (or carrying another value)."""
    missing: list[str] = []
    for logical_id, resource in sam.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        if any(variables.get(name) != value for name, value in environment.items()):
            missing.append(logical_id)
    return missing


# --- the runtime's AWS SDK, out of the zip ----------------------------------------------------

RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})  # the Lambda Python runtime's
REQUIREMENTS = PROJECT_DIR / "requirements.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path = REQUIREMENTS) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


@dataclass(frozen=True)
class Distribution:
    """One installed distribution in the zip: its dist-info directory, requirements, files."""

    dist_info: str
    requires: tuple[Requirement, ...]
    files: frozenset[str]


def zipped_distributions(archive: zipfile.ZipFile) -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    for name in archive.namelist():
        match = re.fullmatch(r"([^/]+\.dist-info)/METADATA", name)
        if not match:
            continue
        dist_info = match.group(1)
        metadata = archive.read(name).decode("utf-8", "replace").split("\n\n", 1)[0]
        fields = [line.split(":", 1) for line in metadata.splitlines() if ":" in line]
        project = next(value.strip() for key, value in fields if key == "Name")
        requires = tuple(Requirement(value) for key, value in fields if key == "Requires-Dist")
        record = f"{dist_info}/RECORD"
        listed = archive.read(record).decode() if record in archive.namelist() else ""
        files = {line.rsplit(",", 2)[0] for line in listed.splitlines() if line}
        files |= {n for n in archive.namelist() if n.startswith(f"{dist_info}/")}
        found[_canonical(project)] = Distribution(dist_info, requires, frozenset(files))
    return found


def runtime_sdk_in_zip(
    zip_path: Path, requirements: list[Requirement] | None = None
) -> dict[str, Distribution]:
    """Distributions in the zip that only the runtime's SDK needs: the SDK itself, and whatever
    no requirement reaches without passing through it."""
    with zipfile.ZipFile(zip_path) as archive:
        zipped = zipped_distributions(archive)
    needed: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in requirements or _requirements()]
    while pending:
        requirement, extras = pending.pop()
        name = _canonical(requirement.name)
        if name in needed or name in RUNTIME_PROVIDED or name not in zipped:
            continue
        needed.add(name)
        for dependency in zipped[name].requires:
            marker = dependency.marker
            wanted = marker is None or any(
                marker.evaluate({"extra": extra, "python_version": "3.11"})
                for extra in extras | {""}
            )
            if wanted:
                pending.append((dependency, frozenset(dependency.extras)))
    return {name: dist for name, dist in zipped.items() if name not in needed}


def strip_runtime_sdk(zip_path: Path) -> list[str]:
    """Rewrite deployment.zip without the runtime's SDK; returns the dist-infos removed."""
    removed = runtime_sdk_in_zip(zip_path)
    if not removed:
        return []
    dropped = frozenset().union(*(dist.files for dist in removed.values()))
    stripped = zip_path.with_suffix(".stripped.zip")
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(stripped, "w") as target:
        for info in source.infolist():
            if info.filename not in dropped:
                target.writestr(info, source.read(info), compress_type=info.compress_type)
    stripped.replace(zip_path)
    return sorted(dist.dist_info for dist in removed.values())


def bin_path(tool: str) -> str:
    candidate = Path(sys.executable).parent / tool
    return str(candidate) if candidate.exists() else tool


def run_cfn_lint(template: Path) -> tuple[int, str]:
    """cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 a crash."""
    answer = subprocess.run(
        [bin_path("cfn-lint"), "--", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    return answer.returncode, (answer.stdout + answer.stderr).strip()


def cfn_lint_failed(code: int) -> bool:
    return code == 1 or bool(code & 2)


def wire_sqs_sources(sam: Json) -> list[str]:
    """Point each SQS event source on a `jobcover-jobs-*` queue at the template's own JobsQueue
    (chalice writes the queue's ARN from the name it had at packaging); returns the functions."""
    wired: list[str] = []
    for logical_id, resource in sam.get("Resources", {}).items():
        events = resource.get("Properties", {}).get("Events", {})
        for event in events.values():
            if event.get("Type") != "SQS":
                continue
            queue = json.dumps(event["Properties"].get("Queue"))
            if JOBS_QUEUE_PREFIX in queue:
                event["Properties"]["Queue"] = {"Fn::GetAtt": [JOBS_QUEUE, "Arn"]}
                wired.append(logical_id)
    return wired


def run_chalice_package(stage: str, merge_template: Path, out_dir: Path) -> None:
    """`chalice package` (needs a region, no credentials); replaces out_dir."""
    environ = dict(os.environ)
    environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    command = [bin_path("chalice"), "package", "--stage", stage]
    command += ["--merge-template", str(merge_template), str(out_dir)]
    print("$ chalice", " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=PROJECT_DIR, env=environ, check=True)
    sam_path = out_dir / "sam.json"
    sam = load_json(sam_path)
    if wire_sqs_sources(sam):
        sam_path.write_text(dump_json(sam))


def check_package(out_dir: Path) -> Json:
    """Steps 3-5 on a `chalice package` output; raises PackageError, returns a summary."""
    sam_path = out_dir / "sam.json"
    zip_path = out_dir / "deployment.zip"
    sam = load_json(sam_path)
    code, output = run_cfn_lint(sam_path)
    if output:
        print(output)
    if cfn_lint_failed(code):
        raise PackageError(f"cfn-lint found errors in {sam_path} (exit {code})")
    bad_wheels = bare_linux_wheels(zip_path)
    if bad_wheels:
        raise PackageError(
            "deployment.zip holds wheels built from source for this host (pin a version "
            "with manylinux wheels, e.g. pillow<12):\n  " + "\n  ".join(bad_wheels)
        )
    if scan_grants(sam):
        raise PackageError(f"sam.json allows dynamodb:Scan: {scan_grants(sam)}")
    sdk = runtime_sdk_in_zip(zip_path)
    if sdk:
        raise PackageError(
            "deployment.zip ships what the Lambda runtime provides: "
            f"{sorted(d.dist_info for d in sdk.values())}"
        )
    unwired = unwired_functions(sam, function_environment(load_json(WIRING)))
    if unwired:
        raise PackageError(f"functions without the injected environment: {unwired}")
    functions = [
        logical_id
        for logical_id, resource in sam["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    ]
    return {
        "sam": sam,
        "functions": functions,
        "resources": len(sam["Resources"]),
        "runtime": sam["Resources"][functions[0]]["Properties"].get("Runtime", "-"),
        "cfn_lint": "clean" if code == 0 else f"warnings only (exit {code})",
        "zip_bytes": zip_path.stat().st_size,
    }


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--template-only", action="store_true", help="stop after the template")
    parser.add_argument("--write-policies", action="store_true", help="rewrite .chalice/policy*")
    parser.add_argument(
        "--data-stack",
        action="store_true",
        help="write build/data-stack.json (for chalice deploy) and stop",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
    try:
        stale = check_policy_files(write=args.write_policies)
        if stale:
            raise PackageError(
                f"{', '.join(stale)} out of date with infra/wiring.json: run "
                "`.venv/bin/python scripts/package.py --write-policies --template-only`"
            )
        logical_ids = chalice_logical_ids(PROJECT_DIR, args.stage)
        if args.data_stack:
            DATA_STACK.parent.mkdir(parents=True, exist_ok=True)
            DATA_STACK.write_text(dump_json(build_data_stack(logical_ids, args.stage)))
            code, output = run_cfn_lint(DATA_STACK)
            if cfn_lint_failed(code):
                raise PackageError(f"cfn-lint found errors in {DATA_STACK}:\n{output}")
            print(f"wrote {DATA_STACK.relative_to(PROJECT_DIR)} (cfn-lint: exit {code})")
            return 0
        template = build_merge_template(logical_ids)
        if scan_grants(template):
            raise PackageError(f"merge template allows dynamodb:Scan: {scan_grants(template)}")
        write_merge_template(template)
        print(f"wrote {MERGE_TEMPLATE.relative_to(PROJECT_DIR)} for {logical_ids['functions']}")
        if args.template_only:
            return 0
        run_chalice_package(args.stage, MERGE_TEMPLATE, PACKAGE_DIR)
        removed = strip_runtime_sdk(PACKAGE_DIR / "deployment.zip")
        print(f"removed the runtime's AWS SDK from deployment.zip: {', '.join(removed) or '-'}")
        summary = check_package(PACKAGE_DIR)
    except PackageError as error:
        print(f"package: FAILED: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"package: FAILED: {' '.join(error.cmd)} exited {error.returncode}", file=sys.stderr)
        return 1
    print(
        "\npackage: OK\n"
        f"  template   build/package/sam.json ({summary['resources']} resources)\n"
        f"  functions  {', '.join(summary['functions'])} ({summary['runtime']}; "
        "environment injected)\n"
        f"  zip        build/package/deployment.zip ({summary['zip_bytes'] / 1e6:.1f} MB; "
        "no host-built wheels; no AWS SDK of its own)\n"
        f"  cfn-lint   {summary['cfn_lint']}\n"
        "  iam        no dynamodb:Scan\n"
        f"  took       {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
