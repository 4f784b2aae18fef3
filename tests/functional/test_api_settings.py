"""`chalice deploy`'s path gets the API settings the packaged template has: gateway responses,
stage throttling and access logs (scripts/api_settings.py), here against moto's API Gateway."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto import mock_aws

from scripts import api_settings
from scripts.operations import THROTTLE_BURST, THROTTLE_RATE_PER_SECOND


class StageRecorder:
    """moto's API Gateway, recording `update_stage` (moto accepts but ignores method settings
    and access logs, so the test reads what was asked)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.patches: list[dict[str, str]] = []

    def update_stage(self, **request: Any) -> Any:
        self.patches += request["patchOperations"]
        return self.client.update_stage(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_gateway_responses_throttling_and_access_logs_are_applied():
    with mock_aws():
        moto_client = boto3.client("apigateway", region_name="us-east-1")
        client = StageRecorder(moto_client)
        api = client.create_rest_api(name="jobcover")["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        client.put_method(
            restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE"
        )
        client.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        client.create_deployment(restApiId=api, stageName="v1")
        log_arn = (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/jobcover-prod-access"
        )
        applied = api_settings.apply(client, api, "v1", log_arn)
        assert "MISSING_AUTHENTICATION_TOKEN" in applied
        unknown_route = client.get_gateway_response(
            restApiId=api, responseType="MISSING_AUTHENTICATION_TOKEN"
        )
        assert unknown_route["statusCode"] == "404"
        body = json.loads(unknown_route["responseTemplates"]["application/json"])
        assert body["error"]["code"] == "not_found"
        asked = {patch["path"]: patch["value"] for patch in client.patches}
        assert asked["/*/*/throttling/rateLimit"] == str(THROTTLE_RATE_PER_SECOND)
        assert asked["/*/*/throttling/burstLimit"] == str(THROTTLE_BURST)
        assert asked["/accessLogSettings/destinationArn"] == log_arn
        assert json.loads(asked["/accessLogSettings/format"])["status"] == "$context.status"
        deployments = moto_client.get_deployments(restApiId=api)["items"]
        assert len(deployments) == 2  # redeployed so the responses take effect
        # Again: the same settings, nothing added.
        assert api_settings.apply(client, api, "v1", log_arn) == applied


def test_the_deployed_api_is_read_from_chalices_record(tmp_path):
    (tmp_path / ".chalice" / "deployed").mkdir(parents=True)
    (tmp_path / ".chalice" / "config.json").write_text(
        json.dumps({"stages": {"prod": {"api_gateway_stage": "v1"}}})
    )
    (tmp_path / ".chalice" / "deployed" / "prod.json").write_text(
        json.dumps(
            {"resources": [{"name": "rest_api", "resource_type": "rest_api", "rest_api_id": "abc"}]}
        )
    )
    assert api_settings.deployed_api("prod", tmp_path) == ("abc", "v1")
