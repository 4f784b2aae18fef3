"""Which AWS failures are the dependency's (503) and which are ours (500), and how a cancelled
transaction is read."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from chalicelib.adapters.dynamodb.table import DynamoTable, map_client_error
from chalicelib.adapters.faults import dependency, is_dependency_fault
from chalicelib.api.errors import headers_for, status_for
from chalicelib.domain.errors import Conflict, DependencyUnavailable, Throttled, WriteConflict

URL = "https://dynamodb.invalid"


def client_error(code: str, status: int = 400, **extra) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, "Op")


@pytest.mark.parametrize(
    "exc",
    [
        client_error("ProvisionedThroughputExceededException"),
        client_error("ThrottlingException"),
        client_error("RequestLimitExceeded"),
        client_error("InternalServerError", 500),
        client_error("ServiceUnavailable", 503),
        client_error("SomethingNew", 502),
        EndpointConnectionError(endpoint_url=URL),
        ConnectionClosedError(endpoint_url=URL),
        ReadTimeoutError(endpoint_url=URL),
        ConnectTimeoutError(endpoint_url=URL),
    ],
)
def test_dependency_faults_become_503_with_retry_after(exc):
    assert is_dependency_fault(exc)
    mapped = map_client_error(exc, conflict_message="x")
    assert isinstance(mapped, DependencyUnavailable)
    assert status_for(mapped) == 503
    assert headers_for(mapped)["Retry-After"] in {"1", "2"}


def test_condition_failure_is_a_conflict_and_a_bad_request_stays_a_bug():
    assert (
        type(
            map_client_error(client_error("ConditionalCheckFailedException"), conflict_message="c")
        )
        is Conflict
    )
    bug = client_error("ValidationException")
    assert not is_dependency_fault(bug)
    assert map_client_error(bug, conflict_message="c") is bug


class FailingClient:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def transact_write_items(self, **kwargs):
        raise self.exc


def cancelled(*codes: str) -> ClientError:
    return client_error(
        "TransactionCanceledException", CancellationReasons=[{"Code": code} for code in codes]
    )


@pytest.mark.parametrize(
    "reasons",
    [
        ("None", "ThrottlingError"),
        ("ProvisionedThroughputExceeded",),
        ("RequestLimitExceeded", "None"),
    ],
)
def test_a_transaction_cancelled_by_throttling_is_503_not_409(reasons):
    table = DynamoTable(FailingClient(cancelled(*reasons)), "t")
    with pytest.raises(DependencyUnavailable) as caught:
        table.transact([{"Put": {"Item": {}}}], conflict_message="c")
    assert caught.value.retry_after_seconds == 1


def test_a_transaction_cancelled_by_conditions_is_a_write_conflict():
    table = DynamoTable(FailingClient(cancelled("None", "ConditionalCheckFailed")), "t")
    with pytest.raises(WriteConflict) as caught:
        table.transact([{"Put": {}}, {"Put": {}}], conflict_message="c")
    assert caught.value.failed == frozenset({1})
    table = DynamoTable(FailingClient(cancelled("TransactionConflict", "None")), "t")
    with pytest.raises(WriteConflict):
        table.transact([{"Put": {}}, {"Put": {}}], conflict_message="c")


def test_a_lost_connection_during_a_transaction_is_503():
    table = DynamoTable(FailingClient(ReadTimeoutError(endpoint_url=URL)), "t")
    with pytest.raises(DependencyUnavailable):
        table.transact([{"Put": {}}], conflict_message="c")


def test_every_kms_ssm_s3_error_is_503_but_our_malformed_request():
    for exc in [client_error("AccessDeniedException"), client_error("DisabledException")]:
        with pytest.raises(DependencyUnavailable), dependency("KMS"):
            raise exc
    with pytest.raises(ParamValidationError), dependency("KMS"):
        raise ParamValidationError(report="missing KeyId")


def test_429_is_the_callers_own_rate_limit():
    limited = Throttled("Slow down.", retry_after_seconds=7)
    assert (status_for(limited), limited.code) == (429, "rate_limited")
    assert headers_for(limited) == {"Retry-After": "7"}
