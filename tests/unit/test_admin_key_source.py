"""The admin key from SSM: read only for `jca_` keys, cached, with a short negative cache."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.adapters.secrets import EnvironmentAdminKey, SsmAdminKey
from chalicelib.domain.errors import DependencyUnavailable

ADMIN = "jca_the_admin_key"


class FakeSsm:
    """get_parameter answering the value, or raising whatever `failure` holds."""

    def __init__(self) -> None:
        self.value = ADMIN
        self.failure: Exception | None = None
        self.calls = 0

    def get_parameter(self, *, Name: str, WithDecryption: bool) -> dict:
        self.calls += 1
        assert WithDecryption
        if self.failure is not None:
            raise self.failure
        return {"Parameter": {"Name": Name, "Value": self.value}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ssm() -> FakeSsm:
    return FakeSsm()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def source(ssm: FakeSsm, clock: Clock) -> SsmAdminKey:
    return SsmAdminKey(
        ssm, "/jobcover/prod/admin-key", ttl_seconds=300, retry_seconds=5, clock=clock
    )


def throttled() -> ClientError:
    return ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetParameter"
    )


def test_only_a_jca_key_reads_ssm(source, ssm):
    assert not source.matches("jcp_platform_key")
    assert not source.matches("jcu_underwriter_key")
    assert not source.matches(ADMIN[4:])
    assert ssm.calls == 0
    assert source.matches(ADMIN)
    assert not source.matches("jca_wrong")
    assert ssm.calls == 1


def test_the_value_is_cached_for_its_ttl_so_a_rotation_lands_within_it(source, ssm, clock):
    assert source.matches(ADMIN)
    ssm.value = "jca_rotated"
    clock.now += 299
    assert source.matches(ADMIN) and ssm.calls == 1
    clock.now += 2
    assert source.matches("jca_rotated") and not source.matches(ADMIN)
    assert ssm.calls == 2


@pytest.mark.parametrize(
    "failure", [throttled(), EndpointConnectionError(endpoint_url="https://ssm.invalid")]
)
def test_a_cold_failure_is_503_and_remembered_for_a_few_seconds(source, ssm, clock, failure):
    ssm.failure = failure
    with pytest.raises(DependencyUnavailable) as caught:
        source.matches(ADMIN)
    assert caught.value.code == "service_unavailable"
    assert 1 <= caught.value.retry_after_seconds <= 5
    clock.now += 3
    with pytest.raises(DependencyUnavailable) as again:
        source.matches(ADMIN)
    assert ssm.calls == 1  # the negative cache answered
    assert again.value.retry_after_seconds == 2
    ssm.failure = None
    clock.now += 2.5
    assert source.matches(ADMIN)
    assert ssm.calls == 2


def test_a_failed_refresh_keeps_serving_the_value_read_before(source, ssm, clock):
    assert source.matches(ADMIN)
    clock.now += 301
    ssm.failure = throttled()
    assert source.matches(ADMIN)  # stale, while SSM is down
    assert ssm.calls == 2
    clock.now += 1
    assert source.matches(ADMIN) and ssm.calls == 2  # not hammering SSM meanwhile
    clock.now += 5
    ssm.failure = None
    assert source.matches(ADMIN) and ssm.calls == 3


def test_the_environment_key_may_have_any_shape():
    assert EnvironmentAdminKey("chosen-by-the-operator").matches("chosen-by-the-operator")
    assert not EnvironmentAdminKey("chosen").matches("other")
    assert not EnvironmentAdminKey(None).matches("")
