"""The jobs harness without AWS: run validation, the runner, the outbox job over a fake outbox."""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.parties import Platform
from chalicelib.jobs.fanout import FanOut, InProcessQueue, ShardWork, work
from chalicelib.jobs.outbox import LEASE, OutboxJob, retry_delay, run_instant
from chalicelib.jobs.registry import JobRequest, JobRunner, job_request
from chalicelib.ports import OutboxEntry

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class FakePlatforms:
    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)

    def add_platform(self, platform: Platform, first_key: object) -> None:
        self.ids.add(platform.id)

    def get_platform(self, platform_id: str) -> Platform | None:
        if platform_id not in self.ids:
            return None
        return Platform(id=platform_id, name="P", created_at=NOW)


class FakeOutbox:
    """In memory, with the adapter's rules: an entry is settled only where it was read."""

    shards = 4

    def __init__(self) -> None:
        self.entries: dict[str, OutboxEntry] = {}
        self.calls: list[str] = []

    def add(self, event: OutboxEvent) -> None:
        self.entries[event.id] = OutboxEntry(event)

    @classmethod
    def shard_of(cls, entry: OutboxEntry) -> int:
        return zlib.crc32(entry.event.id.encode()) % cls.shards

    def due(self, now, limit, *, platform=None, shard=None):
        self.calls.append("due" if shard is None else f"due shard {shard}")
        found = [
            entry
            for entry in self.entries.values()
            if entry.event.due_at <= now
            and platform in (None, entry.event.platform)
            and shard in (None, self.shard_of(entry))
        ]
        return sorted(found, key=lambda e: (e.event.due_at, e.event.id))[:limit]

    def _current(self, entry: OutboxEntry) -> OutboxEntry:
        stored = self.entries.get(entry.event.id)
        if stored is None or stored.event.due_at != entry.event.due_at:
            raise Conflict("settled meanwhile")
        return stored

    def claim(self, entry, until):
        self.calls.append(f"claim {entry.event.id}")
        stored = self._current(entry)
        moved = replace(
            stored, event=replace(stored.event, due_at=until, attempts=stored.event.attempts + 1)
        )
        self.entries[entry.event.id] = moved
        return moved

    def retry(self, entry, due_at, *, handled_by=frozenset()):
        self.calls.append(f"retry {entry.event.id}")
        stored = self._current(entry)
        moved = OutboxEntry(
            replace(stored.event, due_at=due_at), stored.handled_by | handled_by, stored.extra
        )
        self.entries[entry.event.id] = moved
        return moved

    def done(self, entry):
        self.calls.append(f"done {entry.event.id}")
        self._current(entry)
        del self.entries[entry.event.id]


class Recorder:
    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.seen: list[str] = []
        self.fail_on = fail_on if fail_on is not None else set()

    def handle(self, event: OutboxEvent) -> None:
        self.seen.append(event.id)
        if event.id in self.fail_on:
            raise RuntimeError("receiver down")


def event(number: int, *, due: datetime = NOW - timedelta(minutes=1), platform: str = "plt_a"):
    return OutboxEvent(
        id=f"evt_{number:02d}",
        type="assignment.bound",
        platform=platform,
        object_type="assignment",
        object_id=f"asg_{number:02d}",
        data={"id": f"asg_{number:02d}"},
        created_at=due,
        due_at=due,
    )


def request(**kw) -> JobRequest:
    return JobRequest(as_of=kw.pop("as_of", TODAY), **kw)


# --- the run request -----------------------------------------------------------------------


def make(as_of=None, now=None, platform=None, *, override=False):
    return job_request(
        as_of=as_of, now=now, platform=platform, today=TODAY, clock_override_allowed=override
    )


def test_as_of_defaults_to_today_and_now_to_none():
    assert make() == JobRequest(as_of=TODAY, now=None, platform=None)


def test_without_as_of_a_given_now_sets_the_business_date():
    later = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
    assert make(now=later, override=True) == JobRequest(as_of=date(2027, 1, 5), now=later)


def test_production_refuses_any_now_even_today():
    with pytest.raises(ValidationFailed) as caught:
        make(as_of=TODAY, now=NOW)
    assert caught.value.details[0]["loc"] == ["body", "now"]


def test_production_refuses_a_future_as_of_but_runs_past_ones():
    with pytest.raises(ValidationFailed) as caught:
        make(as_of=TODAY + timedelta(days=1))
    assert caught.value.details[0]["loc"] == ["body", "as_of"]
    assert make(as_of=TODAY - timedelta(days=3)).as_of == TODAY - timedelta(days=3)


def test_local_and_test_stages_move_the_clock():
    future = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    assert make(as_of=date(2027, 3, 1), now=future, override=True).now == future


def test_now_must_fall_on_as_of_in_utc():
    # 01:00 at +05:00 on Dec 1 is still Nov 30 in UTC.
    east = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    assert make(as_of=date(2026, 11, 30), now=east, override=True).now == east.astimezone(UTC)
    with pytest.raises(ValidationFailed) as caught:
        make(as_of=date(2026, 12, 1), now=east, override=True)
    assert caught.value.details[0]["loc"] == ["body", "now"]


# --- the runner ----------------------------------------------------------------------------


def runner(jobs, *platforms: str) -> JobRunner:
    return JobRunner(
        jobs, clock=FixedClock(), platforms=FakePlatforms(*platforms), clock_override_allowed=False
    )


def test_runner_answers_the_job_and_its_date_with_what_the_job_reports():
    seen: list[JobRequest] = []

    def nightly(req: JobRequest):
        seen.append(req)
        return {"processed": 3, "extra": "x"}

    result = runner({"nightly": nightly}, "plt_a").run("nightly", platform="plt_a")
    assert result == {"job": "nightly", "as_of": TODAY.isoformat(), "processed": 3, "extra": "x"}
    assert seen == [JobRequest(as_of=TODAY, platform="plt_a")]


def test_unknown_job_and_unknown_platform_are_not_found():
    jobs = runner({"nightly": lambda req: {"processed": 0}})
    with pytest.raises(NotFound, match="nightly"):
        jobs.run("renewals")
    with pytest.raises(NotFound):
        jobs.run("nightly", platform="plt_missing")


def test_validation_runs_before_the_job():
    called: list[JobRequest] = []
    jobs = runner({"nightly": lambda req: called.append(req) or {"processed": 0}})
    with pytest.raises(ValidationFailed):
        jobs.run("nightly", now=NOW)
    assert called == []


def test_a_job_that_does_not_report_processed_is_a_bug():
    with pytest.raises(TypeError):
        runner({"broken": lambda req: {}}).run("broken")


# --- the outbox job ------------------------------------------------------------------------


def outbox_job(outbox, consumers, clock=None, **kw) -> OutboxJob:
    return OutboxJob(outbox, consumers, clock or FixedClock(), **kw)


def test_due_events_go_to_every_consumer_once_and_are_removed():
    outbox = FakeOutbox()
    for number in (1, 2):
        outbox.add(event(number))
    outbox.add(event(3, due=NOW + timedelta(seconds=1)))
    first, second = Recorder(), Recorder()
    job = outbox_job(outbox, {"first": first, "second": second})

    result = job(request())
    again = job(request())

    assert first.seen == second.seen == ["evt_01", "evt_02"]
    assert (result["processed"], result["retried"], result["more"]) == (2, 0, False)
    assert again["processed"] == 0
    assert list(outbox.entries) == ["evt_03"]
    assert outbox.calls[1:4] == ["claim evt_01", "done evt_01", "claim evt_02"]


def test_a_failing_consumer_retries_the_event_later_and_spares_the_rest():
    outbox = FakeOutbox()
    for number in (1, 2, 3):
        outbox.add(event(number))
    steady, flaky = Recorder(), Recorder(fail_on={"evt_02"})
    clock = FixedClock()
    job = outbox_job(outbox, {"steady": steady, "flaky": flaky}, clock)

    result = job(request())

    assert (result["processed"], result["retried"]) == (2, 1)
    assert result["failures"][0] | {"next_attempt": "-"} == {
        "event": "evt_02",
        "consumer": "flaky",
        "error": "RuntimeError",
        "attempts": "1",
        "next_attempt": "-",
    }
    assert steady.seen == flaky.seen == ["evt_01", "evt_02", "evt_03"]
    kept = outbox.entries["evt_02"]
    assert kept.event.due_at == NOW + retry_delay(1) and kept.event.attempts == 1
    assert kept.handled_by == {"steady"}

    # Not due before its backoff; afterwards only the consumer that failed sees it again.
    assert job(request())["processed"] == 0
    flaky.fail_on.clear()
    clock.current = NOW + retry_delay(1)
    assert job(request())["processed"] == 1
    assert steady.seen.count("evt_02") == 1 and flaky.seen.count("evt_02") == 2
    assert outbox.entries == {}


def test_an_event_another_run_took_is_skipped_not_handled():
    outbox = FakeOutbox()
    outbox.add(event(1))
    outbox.add(event(2))
    snapshot = outbox.due(NOW, 10)
    outbox.claim(snapshot[0], NOW + LEASE)  # a concurrent run's claim
    recorder = Recorder()

    class Stale(FakeOutbox):
        def due(self, now, limit, *, platform=None, shard=None):
            return snapshot

    stale = Stale()
    stale.entries = outbox.entries
    result = outbox_job(stale, {"r": recorder})(request())
    assert (result["processed"], result["skipped"]) == (1, 1)
    assert recorder.seen == ["evt_02"]


def test_a_claimed_event_comes_back_when_the_lease_ends():
    outbox = FakeOutbox()
    outbox.add(event(1))
    outbox.claim(outbox.due(NOW, 10)[0], NOW + LEASE)  # a run that died after claiming
    recorder = Recorder()
    clock = FixedClock()
    job = outbox_job(outbox, {"r": recorder}, clock)
    assert job(request())["processed"] == 0
    clock.current = NOW + LEASE
    assert job(request())["processed"] == 1
    assert recorder.seen == ["evt_01"]


def test_a_run_for_a_past_date_still_leases_from_the_real_clock():
    outbox = FakeOutbox()
    outbox.add(event(1, due=NOW - timedelta(days=2)))
    claims: list[datetime] = []

    class Watching(FakeOutbox):
        def claim(self, entry, until):
            claims.append(until)
            raise Conflict("watched only")

    watching = Watching()
    watching.entries = outbox.entries
    outbox_job(watching, {})(request(as_of=TODAY - timedelta(days=1)))
    assert claims == [NOW + LEASE]


def test_platform_limits_the_run():
    outbox = FakeOutbox()
    outbox.add(event(1, platform="plt_a"))
    outbox.add(event(2, platform="plt_b"))
    recorder = Recorder()
    outbox_job(outbox, {"r": recorder})(request(platform="plt_b"))
    assert recorder.seen == ["evt_02"]
    assert list(outbox.entries) == ["evt_01"]


def test_a_run_stops_at_its_batch_or_budget_and_says_more():
    outbox = FakeOutbox()
    for number in range(1, 6):
        outbox.add(event(number))
    recorder = Recorder()
    result = outbox_job(outbox, {"r": recorder}, batch=2)(request())
    assert (result["processed"], result["more"]) == (2, True)

    ticks = iter([0.0, 0.0, 0.5, 99.0, 99.0])
    result = outbox_job(outbox, {"r": recorder}, budget_seconds=1, monotonic=lambda: next(ticks))(
        request()
    )
    assert (result["processed"], result["more"]) == (2, True)
    assert len(outbox.entries) == 1


class FakeRuns:
    """The run records, as `DynamoRuns` keeps them (counters per run)."""

    def __init__(self) -> None:
        self.runs: dict[str, dict[str, int]] = {}

    def start(self, run, job, request, shards, at):
        self.runs[run] = {"shards": shards, "shards_done": 0, "processed": 0, "failed": 0}

    def add(self, run, *, processed, skipped, failed, shard_done):
        record = self.runs[run]
        record["processed"] += processed
        record["failed"] += failed
        record["shards_done"] += int(shard_done)

    def get(self, run):
        return self.runs.get(run)


class CountingIds:
    def __init__(self) -> None:
        self.made = 0

    def new(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix}_{self.made}"


class SentQueue(InProcessQueue):
    """The in-process queue, remembering every message sent (continuations included)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[ShardWork] = []

    def send(self, work: ShardWork) -> None:
        self.sent.append(work)
        super().send(work)


def in_shard_zero(count: int) -> list[int]:
    """Event numbers whose events the fake outbox keeps in shard 0, in order."""
    found = (n for n in range(10_000) if FakeOutbox.shard_of(OutboxEntry(event(n))) == 0)
    return [next(found) for _ in range(count)]


def fanned_out(outbox, consumers, **kw):
    """An outbox job whose large runs fan out to an in-process queue, as on `make run`."""
    queue, runs = SentQueue(), FakeRuns()
    job = outbox_job(outbox, consumers, fanout=FanOut(queue, runs, CountingIds()), **kw)
    queue.worker = lambda message: work(message, {"outbox": job}, queue, runs)
    return job, queue, runs


def test_a_run_larger_than_its_batch_fans_out_by_shard_and_handles_each_event_once():
    outbox = FakeOutbox()
    for number in range(1, 10):
        outbox.add(event(number))
    recorder = Recorder()
    job, queue, runs = fanned_out(outbox, {"r": recorder}, batch=2)

    result = job(request())

    assert (result["run"], result["shards"], result["processed"]) == ("run_1", 4, 0)
    assert [message.shard for message in queue.sent] == [0, 1, 2, 3]
    assert sorted(recorder.seen) == [f"evt_{number:02d}" for number in range(1, 10)]
    assert outbox.entries == {}
    assert runs.get("run_1") == {"shards": 4, "shards_done": 4, "processed": 9, "failed": 0}
    # each worker read its own shard, page after page, never the whole outbox
    assert outbox.calls.count("due") == 1
    assert "due shard 3" in outbox.calls


def test_a_run_within_its_batch_settles_at_once_even_with_a_queue():
    outbox = FakeOutbox()
    for number in (1, 2):
        outbox.add(event(number))
    job, queue, _ = fanned_out(outbox, {"r": Recorder()}, batch=2)

    result = job(request())

    assert "run" not in result and result["processed"] == 2
    assert queue.sent == []


def test_a_shard_worker_stops_at_its_budget_and_leaves_the_rest_to_the_next_run():
    outbox = FakeOutbox()
    numbers = in_shard_zero(4)
    for number in numbers:
        outbox.add(event(number))
    ticks = iter([0.0, 0.0, 10.0, 99.0, 99.0])  # the run's start, then one per event
    job, queue, _ = fanned_out(
        outbox, {"r": Recorder()}, shard_budget_seconds=30, monotonic=lambda: next(ticks)
    )

    result, more = job.work_shard(request(), 0)

    assert (result["processed"], result["more"], more) == (2, True, False)
    assert sorted(outbox.entries) == [f"evt_{number:02d}" for number in numbers[2:]]
    assert queue.sent == []  # no continuation: the next minute's run takes the rest


class Overlapping(Recorder):
    """A consumer that takes a moment per event and notes how many it had at once."""

    def __init__(self, fail_on: set[str] | None = None) -> None:
        super().__init__(fail_on)
        self.now = self.most = 0
        self.lock = threading.Lock()

    def handle(self, event: OutboxEvent) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.005)
        with self.lock:
            self.now -= 1
        super().handle(event)


def test_a_shard_worker_delivers_events_concurrently_each_once():
    outbox = FakeOutbox()
    numbers = in_shard_zero(40)
    for number in numbers:
        outbox.add(event(number))
    failing = f"evt_{numbers[3]:02d}"
    steady, flaky = Overlapping(), Recorder(fail_on={failing})
    job, _, _ = fanned_out(outbox, {"steady": steady, "flaky": flaky}, batch=7, shard_threads=4)

    result, _ = job.work_shard(request(), 0)

    assert (result["processed"], result["retried"], result["more"]) == (39, 1, False)
    assert (
        sorted(steady.seen)
        == sorted(flaky.seen)
        == sorted(f"evt_{number:02d}" for number in numbers)
    )
    assert [failure["event"] for failure in result["failures"]] == [failing]
    assert list(outbox.entries) == [failing]  # retried later, by the next run
    assert 1 < steady.most <= 4


def test_an_event_the_outbox_cannot_settle_is_counted_and_the_turn_goes_on():
    class Throttled(FakeOutbox):
        def done(self, entry):
            if entry.event.id == stuck:
                raise RuntimeError("ProvisionedThroughputExceededException")
            super().done(entry)

    outbox = Throttled()
    numbers = in_shard_zero(10)
    for number in numbers:
        outbox.add(event(number))
    stuck = f"evt_{numbers[2]:02d}"
    recorder = Recorder()
    job, _, runs = fanned_out(outbox, {"r": recorder}, batch=3, shard_threads=3)

    result = job(request())  # more than the batch: fanned out, shard 0 holds all ten

    assert len(recorder.seen) == 10
    assert list(outbox.entries) == [stuck]  # claimed: due again when its lease ends
    assert outbox.entries[stuck].event.due_at == NOW + LEASE
    assert runs.get(str(result["run"])) == {
        "shards": 4,
        "shards_done": 4,
        "processed": 9,
        "failed": 1,
    }


def test_a_worker_that_raises_drops_what_the_in_process_queue_still_held():
    queue = SentQueue()
    worked: list[int] = []

    def worker(message: ShardWork) -> None:
        worked.append(message.shard)
        if message.shard == 0:
            queue.send(replace(message, shard=1))  # queued behind: dropped with the failure
            raise RuntimeError("a worker's bug")

    queue.worker = worker
    with pytest.raises(RuntimeError):
        queue.send(ShardWork("run_1", "outbox", 0, TODAY.isoformat(), None, None))
    queue.send(ShardWork("run_2", "outbox", 2, TODAY.isoformat(), None, None))
    assert worked == [0, 2]


def test_retry_delays_grow_then_repeat_forever():
    delays = [retry_delay(attempt) for attempt in range(1, 10)]
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
    assert delays == sorted(delays)
    assert delays[-1] == delays[-4] == timedelta(hours=10)


def test_run_instant_is_now_the_clock_or_the_end_of_as_of():
    clock = FixedClock()
    given = NOW + timedelta(hours=2)
    assert run_instant(request(now=given), clock) == given
    assert run_instant(request(), clock) == NOW
    yesterday = run_instant(request(as_of=TODAY - timedelta(days=1)), clock)
    assert yesterday < datetime(2026, 11, 25, tzinfo=UTC) < yesterday + timedelta(seconds=1)
