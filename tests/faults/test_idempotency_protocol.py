"""The idempotency table's protocol on its own, with a clock the test moves: leases, takeovers,
and a slow first run that cannot overwrite or delete the record of the run that took over."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.faults.conftest import IDEMPOTENCY_TABLE, items


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def executor(aws, clock):
    from chalicelib.adapters.idempotency import IdempotentExecutor

    return IdempotentExecutor(
        boto3.client("dynamodb"),
        IDEMPOTENCY_TABLE,
        ttl_seconds=86_400,
        lease_seconds=30,
        clock=clock,
    )


def final(body: str = '{"id": "cus_1"}', status: int = 201):
    from chalicelib.adapters.idempotency import Result

    return Result(status, body, kept=body)


def test_without_a_lambda_context_the_lease_is_the_setting(executor, clock):
    from chalicelib.domain.errors import Conflict

    def first():
        (record,) = items(IDEMPOTENCY_TABLE)
        assert record["status"]["S"] == "INPROGRESS"
        assert int(record["in_progress_expiration"]["N"]) == int((clock.now + 30) * 1000)
        clock.now += 29
        with pytest.raises(Conflict) as caught:
            executor.run(scope="s", fingerprint="f", action=final)
        assert caught.value.code == "idempotency_in_progress"
        return final()

    assert executor.run(scope="s", fingerprint="f", action=first).result.status == 201


def test_an_exception_even_a_process_exit_releases_the_key(executor):
    def dies():
        raise SystemExit

    with pytest.raises(SystemExit):
        executor.run(scope="s", fingerprint="f", action=dies)
    assert items(IDEMPOTENCY_TABLE) == []


def test_a_lapsed_lease_is_taken_over_and_the_slow_run_cannot_clobber_it(executor, clock):
    """Run A claims and is slow; its lease lapses; run B takes over and completes. When A
    finishes, it neither overwrites B's stored outcome nor deletes it."""
    outcomes = {}

    def slow_a():
        clock.now += 31  # past A's lease
        outcomes["b"] = executor.run(scope="s", fingerprint="f", action=lambda: final('{"by":"b"}'))
        return final('{"by":"a"}')

    outcomes["a"] = executor.run(scope="s", fingerprint="f", action=slow_a)
    assert not outcomes["b"].replayed and outcomes["b"].result.body == '{"by":"b"}'
    (record,) = items(IDEMPOTENCY_TABLE)
    assert record["status"]["S"] == "COMPLETED"
    assert json.loads(record["data"]["S"])["body"] == '{"by":"b"}'
    replay = executor.run(scope="s", fingerprint="f", action=lambda: final('{"by":"c"}'))
    assert replay.replayed and replay.result.body == '{"by":"b"}'


def test_an_expired_record_runs_again(executor, clock):
    executor.run(scope="s", fingerprint="f", action=final)
    clock.now += 86_401
    again = executor.run(scope="s", fingerprint="other body is fine now", action=final)
    assert not again.replayed


def test_not_final_results_release_the_key(executor):
    from chalicelib.adapters.idempotency import Result

    busy = executor.run(scope="s", fingerprint="f", action=lambda: Result(503, "{}", kept=None))
    assert busy.result.status == 503 and items(IDEMPOTENCY_TABLE) == []
    done = executor.run(scope="s", fingerprint="f", action=final)
    assert not done.replayed and done.result.status == 201
