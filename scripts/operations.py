"""What the deployed service needs to be operated: alarms on an SNS topic, API access logs and
stage throttling, and the API Gateway account role those logs need.

Both deploy ways use the same resources (docs/deploy.md): `make package` merges them into the
one stack, naming each function's alarm dimension by `{"Ref": <function>}`; the data stack of
`chalice deploy` (`scripts/package.py --data-stack`) carries them with the function names chalice
deploy gives (`jobcover-<stage>[-<function>]`).
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
API_NAME = "jobcover"
# API Gateway stage throttling (every method): steady requests per second and burst.
THROTTLE_RATE_PER_SECOND = 100
THROTTLE_BURST = 200
ACCESS_LOG_FORMAT = (
    '{"request_id":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"time":"$context.requestTime","method":"$context.httpMethod",'
    '"path":"$context.resourcePath","status":"$context.status",'
    '"latency_ms":"$context.responseLatency","length":"$context.responseLength",'
    '"error":"$context.error.messageString"}'
)
PERIOD_SECONDS = 300


def _alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: list[Json],
    *,
    threshold: float = 1,
    statistic: str = "Sum",
) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


def operations_resources(functions: dict[str, Any], api_stage: str) -> Json:
    """Alarms for `functions` (logical id -> the FunctionName dimension: a Ref or a name), the
    jobs dead-letter queue, the API's 5xx answers and exhausted certificate retries; the topic
    they notify; the API's access log group and the account role API Gateway logs with."""
    resources: Json = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": {"Fn::Sub": "jobcover-alarms-${Stage}"},
                "KmsMasterKeyId": "alias/aws/sns",
            },
        },
        "JobsDeadLetterAlarm": _alarm(
            "Jobs queue messages failed 5 times and wait in the dead-letter queue",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}],
            statistic="Maximum",
        ),
        "Api5xxAlarm": _alarm(
            "The API answered 5xx (a bug: 500, or a dependency failing: 503)",
            "AWS/ApiGateway",
            "5XXError",
            [{"Name": "ApiName", "Value": API_NAME}, {"Name": "Stage", "Value": api_stage}],
            threshold=5,
        ),
        "CertificateRetriesExhaustedAlarm": _alarm(
            "A pending certificate ran out of issuing retries (the outbox job's consumer)",
            "Jobcover",
            "CertificateRetriesExhausted",
            [{"Name": "service", "Value": "jobcover"}],
        ),
        "ApiAccessLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/apigateway/jobcover-${Stage}-access"},
                "RetentionInDays": 30,
            },
        },
        "ApiGatewayLoggingRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AmazonAPIGatewayPushToCloudWatchLogs"
                    }
                ],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}},
        },
    }
    for logical_id, dimension in functions.items():
        by_function = [{"Name": "FunctionName", "Value": dimension}]
        resources[f"{logical_id}ErrorsAlarm"] = _alarm(
            f"{logical_id}: invocations ended in an error",
            "AWS/Lambda",
            "Errors",
            by_function,
        )
        resources[f"{logical_id}ThrottlesAlarm"] = _alarm(
            f"{logical_id}: invocations throttled (reserved concurrency or account limit)",
            "AWS/Lambda",
            "Throttles",
            by_function,
        )
    return resources


def rest_api_settings() -> Json:
    """The API's stage throttling and JSON access logs (merged into chalice's RestAPI)."""
    return {
        "DependsOn": ["ApiGatewayAccount"],
        "Properties": {
            "Name": API_NAME,
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": THROTTLE_RATE_PER_SECOND,
                    "ThrottlingBurstLimit": THROTTLE_BURST,
                    "MetricsEnabled": True,
                }
            ],
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                "Format": ACCESS_LOG_FORMAT,
            },
        },
    }
