"""KMS (TINs), SSM (the admin key) and S3 failing: 503 + Retry-After, nothing written, and an SSM
outage that only admin requests can notice."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from tests.faults.conftest import (
    URL,
    assert_unavailable,
    aws_error,
    contractor_body,
    raising,
)
from tests.functional.conftest import ADMIN_KEY

KMS_FAULTS = {
    "internal": aws_error("KMSInternalException", 500),
    "throttling": aws_error("ThrottlingException"),
    "dependency_timeout": aws_error("DependencyTimeoutException", 503),
    "key_unavailable": aws_error("KeyUnavailableException", 500),
    "disabled": aws_error("DisabledException"),
    "invalid_state": aws_error("KMSInvalidStateException"),
    "not_found": aws_error("NotFoundException"),
    "access_denied": aws_error("AccessDeniedException"),
    "endpoint_connection": raising(lambda: EndpointConnectionError(endpoint_url=URL)),
    "read_timeout": raising(lambda: ReadTimeoutError(endpoint_url=URL)),
}
SSM_FAULTS = {
    "internal": aws_error("InternalServerError", 500),
    "throttling": aws_error("ThrottlingException"),
    "parameter_not_found": aws_error("ParameterNotFound"),
    "endpoint_connection": raising(lambda: EndpointConnectionError(endpoint_url=URL)),
    "read_timeout": raising(lambda: ReadTimeoutError(endpoint_url=URL)),
}
PARAMETER = "/jobcover/test/admin-key"


def test_kms_faults_on_contractor_create_are_503_and_store_nothing(
    api, platform_key, faults, subtests
):
    for kind, fault in KMS_FAULTS.items():
        with subtests.test(kind):
            encrypts = faults.on("kms", "Encrypt", fault)
            assert_unavailable(api.call("POST", "/v1/contractors", platform_key, contractor_body()))
            assert encrypts.failed == 1
        faults.clear()
    assert api.json("GET", "/v1/contractors", platform_key)[1]["data"] == []


def test_kms_faults_on_tin_change_are_503_and_change_nothing(api, platform_key, faults, subtests):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]
    path = f"/v1/contractors/{contractor['id']}"
    for kind in ["internal", "access_denied", "endpoint_connection"]:
        with subtests.test(kind):
            faults.on("kms", "Encrypt", KMS_FAULTS[kind])
            change = {"tin": "987-65-4321", "legal_name": "Dana R. Reyes"}
            assert_unavailable(api.call("PATCH", path, platform_key, change))
        faults.clear()
    after = api.json("GET", path, platform_key)[1]
    assert (after["tin_last4"], after["legal_name"]) == ("6789", "Dana Reyes")


@pytest.fixture
def ssm_admin_key(aws, monkeypatch):
    """The admin key in SSM Parameter Store, as in AWS (the environment's is then ignored)."""
    boto3.client("ssm").put_parameter(
        Name=PARAMETER, Value=ADMIN_KEY, Type="SecureString", Overwrite=True
    )
    monkeypatch.setenv("JOBCOVER_ADMIN_KEY_PARAMETER", PARAMETER)


def test_admin_key_from_ssm_works(api, ssm_admin_key, faults):
    reads = faults.on("ssm", "GetParameter", None)
    assert api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "A"})[0] == 201
    assert api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "B"})[0] == 201
    assert len(reads.seen) == 1  # cached
    response = api.call("POST", "/v1/platforms", "jca_not_the_admin_key", {"name": "C"})
    assert response.status_code == 401


def test_ssm_faults_are_503_for_admin_requests_only(
    api, platform_key, ssm_admin_key, faults, subtests
):
    """The platform key was issued before SSM was configured; now SSM fails. Admin requests get
    503 (and SSM is not asked again within the negative cache); platform requests never read
    SSM at all. Each kind starts from a cold process (a fresh container)."""
    from chalicelib import bootstrap

    for kind, fault in SSM_FAULTS.items():
        with subtests.test(kind):
            bootstrap.reset()
            reads = faults.on("ssm", "GetParameter", fault)
            assert api.json("GET", "/v1/customers", platform_key)[0] == 200
            assert reads.seen == []
            assert_unavailable(api.call("POST", "/v1/platforms", ADMIN_KEY, {"name": "A"}))
            body = {"role": "underwriter"}
            assert_unavailable(api.call("POST", "/v1/api-keys", ADMIN_KEY, body))
            assert len(reads.seen) == 1  # the second admin request met the negative cache
            assert api.json("GET", "/v1/customers", platform_key)[0] == 200
        faults.clear()


def test_ssm_fault_with_a_platform_shaped_key_is_a_plain_401(api, ssm_admin_key, faults):
    reads = faults.on("ssm", "GetParameter", SSM_FAULTS["internal"])
    response = api.call("GET", "/v1/customers", "jcp_unknown")
    assert response.status_code == 401
    assert reads.seen == []


def test_s3_fault_is_dependency_unavailable(aws, faults):
    """Every S3 call goes through `dependency("S3")` (the certificate store will): its errors are
    503s, and a malformed request of ours is not."""
    from botocore.exceptions import ParamValidationError

    from chalicelib.adapters.faults import dependency
    from chalicelib.api.errors import headers_for, status_for
    from chalicelib.bootstrap import container
    from chalicelib.domain.errors import DependencyUnavailable

    s3 = container().client("s3")
    bucket = container().settings.bucket_name
    for fault in [
        aws_error("SlowDown", 503),
        aws_error("InternalError", 500),
        aws_error("AccessDenied", 403),
        raising(lambda: ReadTimeoutError(endpoint_url=URL)),
    ]:
        faults.on("s3", "PutObject", fault)
        with pytest.raises(DependencyUnavailable) as caught, dependency("S3"):
            s3.put_object(Bucket=bucket, Key="crt/x.pdf", Body=b"%PDF")
        assert status_for(caught.value) == 503
        assert headers_for(caught.value)["Retry-After"] in {"1", "2"}
        faults.clear()
    with pytest.raises(ParamValidationError), dependency("S3"):
        s3.put_object(Bucket=bucket)
