"""Create the deploy template's data resources (infra/resources.json) on moto.

No import side effects: the run script and the tests share this.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


def load_template() -> dict[str, Any]:
    return dict(json.loads(TEMPLATE.read_text()))


def _resolve(value: Any, names: dict[str, str]) -> str:
    """Resolve the template's `Fn::Sub` names for a stage (the only intrinsic used for names)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = str(value["Fn::Sub"])
        for name, replacement in names.items():
            text = text.replace("${" + name + "}", replacement)
        return text
    return str(value)


def create_resources(session: Any, *, stage: str, names: dict[str, str]) -> dict[str, str]:
    """Create every table, the bucket and the TIN key; return logical id -> physical name/id.

    `names` overrides physical names by logical id (the stage's config wins over the template).
    """
    template = load_template()
    subs = {"Stage": stage, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    dynamodb = session.client("dynamodb")
    created: dict[str, str] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = names.get(logical_id) or _resolve(props["TableName"], subs)
            request = {key: props[key] for key in _TABLE_KEYS if key in props}
            dynamodb.create_table(TableName=name, **request)
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            created[logical_id] = name
        elif resource["Type"] == "AWS::S3::Bucket":
            name = names.get(logical_id) or _resolve(props["BucketName"], subs)
            s3 = session.client("s3")
            region = session.region_name or "us-east-1"
            extra = (
                {}
                if region == "us-east-1"
                else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            )
            s3.create_bucket(Bucket=name, **extra)
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
            )
            created[logical_id] = name
        elif resource["Type"] == "AWS::SQS::Queue":
            name = names.get(logical_id) or _resolve(props["QueueName"], subs)
            url = session.client("sqs").create_queue(QueueName=name)["QueueUrl"]
            created[logical_id] = url
        elif resource["Type"] == "AWS::KMS::Key":
            kms = session.client("kms")
            key_id = kms.create_key(Description=props.get("Description", ""))["KeyMetadata"][
                "KeyId"
            ]
            created[logical_id] = key_id
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::KMS::Alias":
            props = resource["Properties"]
            alias = names.get(logical_id) or _resolve(props["AliasName"], subs)
            target = created[props["TargetKeyId"]["Ref"]]
            session.client("kms").create_alias(AliasName=alias, TargetKeyId=target)
            created[logical_id] = alias
    return created


def stage_names(environment: dict[str, str]) -> dict[str, str]:
    """Physical names from a stage's environment variables (.chalice/config.json)."""
    mapping = {
        "JobcoverTable": "JOBCOVER_TABLE_NAME",
        "IdempotencyTable": "JOBCOVER_IDEMPOTENCY_TABLE_NAME",
        "CertificateBucket": "JOBCOVER_BUCKET_NAME",
        "TinKeyAlias": "JOBCOVER_TIN_KEY_ID",
    }
    return {logical: environment[var] for logical, var in mapping.items() if var in environment}


def stage_environment(stage: str) -> dict[str, str]:
    """The merged environment variables chalice gives a stage's functions."""
    config = json.loads((TEMPLATE.parent.parent / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env
