"""After `chalice deploy`: what the packaged template gives the API, for the API chalice deployed.

    .venv/bin/python scripts/api_settings.py --stage prod

`chalice deploy` has no place for API Gateway's gateway responses, stage throttling or access
logs, so this applies them to the REST API it recorded in `.chalice/deployed/<stage>.json`:
the gateway responses of infra/wiring.json (an unknown route answers the contract's 404
`not_found`; API Gateway's other 4xx/5xx answers carry the error shape), the same throttling and
JSON access-log format as the template (scripts/operations.py; the log group and API Gateway's
logging role come from the data stack), then a new deployment of the stage so they take effect.
Running it again changes nothing. Needs the AWS credentials `chalice deploy` used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from scripts.operations import (  # noqa: E402
    ACCESS_LOG_FORMAT,
    THROTTLE_BURST,
    THROTTLE_RATE_PER_SECOND,
)


def deployed_api(stage: str, project_dir: Path = PROJECT_DIR) -> tuple[str, str]:
    """(rest_api_id, api gateway stage) of the stage's `chalice deploy`."""
    record = json.loads((project_dir / ".chalice" / "deployed" / f"{stage}.json").read_text())
    for resource in record["resources"]:
        if resource.get("resource_type") == "rest_api":
            config = json.loads((project_dir / ".chalice" / "config.json").read_text())
            api_stage = config["stages"][stage].get("api_gateway_stage", "api")
            return str(resource["rest_api_id"]), str(api_stage)
    raise SystemExit(f"no rest_api in .chalice/deployed/{stage}.json: run chalice deploy first")


def gateway_responses(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    wiring = json.loads((project_dir / "infra" / "wiring.json").read_text())
    body = wiring["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    return dict(body["x-amazon-apigateway-gateway-responses"])


def apply(client: Any, rest_api_id: str, api_stage: str, access_log_arn: str) -> list[str]:
    """Put every gateway response, set the stage's throttling and access logs, redeploy."""
    done: list[str] = []
    for response_type, response in gateway_responses().items():
        request: dict[str, Any] = {
            "restApiId": rest_api_id,
            "responseType": response_type,
            "responseTemplates": response["responseTemplates"],
        }
        if "statusCode" in response:
            request["statusCode"] = str(response["statusCode"])
        client.put_gateway_response(**request)
        done.append(response_type)
    client.update_stage(
        restApiId=rest_api_id,
        stageName=api_stage,
        patchOperations=[
            {
                "op": "replace",
                "path": "/*/*/throttling/rateLimit",
                "value": str(THROTTLE_RATE_PER_SECOND),
            },
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(THROTTLE_BURST)},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": access_log_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_LOG_FORMAT},
        ],
    )
    client.create_deployment(restApiId=rest_api_id, stageName=api_stage)
    return done


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    rest_api_id, api_stage = deployed_api(args.stage)
    session = boto3.session.Session()
    account = session.client("sts").get_caller_identity()["Account"]
    region = session.region_name
    log_arn = (
        f"arn:aws:logs:{region}:{account}:log-group:/aws/apigateway/jobcover-{args.stage}-access"
    )
    done = apply(session.client("apigateway"), rest_api_id, api_stage, log_arn)
    print(
        f"{rest_api_id}/{api_stage}: gateway responses {', '.join(done)}; throttling "
        f"{THROTTLE_RATE_PER_SECOND}/s (burst {THROTTLE_BURST}); access logs to {log_arn}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
