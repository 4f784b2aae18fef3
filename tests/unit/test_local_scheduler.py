"""`make run`'s scheduler (devserver/scheduler.py): cadences read from the app, a clean stop."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from chalice.app import Chalice, Cron, Rate

from devserver.scheduler import LocalScheduler, app_schedules, parse_schedule


@pytest.mark.parametrize(
    ("expression", "period", "daily_at"),
    [
        ("rate(1 minute)", 60, None),
        ("rate(5 minutes)", 300, None),
        ("rate(2 hours)", 7200, None),
        ("rate(1 day)", 86400, None),
        ("cron(0 6 * * ? *)", None, (6, 0)),
        ("cron(15 6 ? * MON *)", None, None),  # not run locally
    ],
)
def test_schedule_expressions_become_local_cadences(expression, period, daily_at):
    schedule = parse_schedule("job", expression, None)
    assert (schedule.period_seconds, schedule.daily_at) == (period, daily_at)


def test_the_interval_override_applies_to_every_schedule():
    assert parse_schedule("job", "cron(0 6 * * ? *)", 1.5).period_seconds == 1.5


def test_the_override_must_be_positive():
    with pytest.raises(ValueError, match="JOBCOVER_LOCAL_SCHEDULE_SECONDS"):
        LocalScheduler(Chalice(app_name="x"), override_seconds=0)


def test_a_daily_job_waits_for_its_next_utc_time():
    daily = parse_schedule("renewals", "cron(0 6 * * ? *)", None)
    assert daily.seconds_until_next(datetime(2026, 5, 1, 5, 0, tzinfo=UTC)) == 3600
    assert daily.seconds_until_next(datetime(2026, 5, 1, 6, 0, tzinfo=UTC)) == 86400
    assert (
        parse_schedule("x", "cron(0/5 * * * ? *)", None).seconds_until_next(
            datetime(2026, 5, 1, tzinfo=UTC)
        )
        is None
    )


def test_the_apps_schedules_are_found():
    from app import app

    assert [s.describe() for s in app_schedules(app)] == [
        "outbox every 60 s",
        "renewals daily at 06:00 UTC",
        "expirations daily at 06:00 UTC",
        "rescissions daily at 06:00 UTC",
        "audits daily at 06:00 UTC",
    ]


def test_the_thread_calls_each_schedule_and_stops_promptly():
    app = Chalice(app_name="scheduled")
    calls: list[tuple[str, str]] = []

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def often(event):
        calls.append(("often", event.detail_type))

    @app.schedule(Cron(0, 6, "*", "*", "?", "*"))
    def daily(event):
        raise RuntimeError("a failing job does not stop the scheduler")

    logged: list[str] = []
    scheduler = LocalScheduler(app, override_seconds=0.02, log=logged.append)
    scheduler.start()
    deadline = time.monotonic() + 5
    while min(scheduler.runs.values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    assert scheduler.stop(timeout=2)
    assert time.monotonic() - started < 1
    assert scheduler.runs["often"] >= 3 and scheduler.runs["daily"] >= 3
    assert set(calls) == {("often", "Scheduled Event")}
    assert "daily failed" in logged[0] and "RuntimeError" in logged[0]
