"""`make run`'s scheduler: chalice's local server runs no schedules, so one background thread
calls each scheduled function's handler on its cadence, with the event EventBridge would send.

The schedules are read from the app (`@bp.schedule(...)`), so a new scheduled job runs locally
without changes here. `rate(...)` runs every period; `cron(M H * * ? *)` daily at H:M UTC; any
other cron is announced and not run. `JOBCOVER_LOCAL_SCHEDULE_SECONDS` runs every schedule at that
interval instead (tests use a second).
"""

from __future__ import annotations

import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Chalice, ScheduledEventConfig
from chalice.local import LambdaContext

INTERVAL_VARIABLE = "JOBCOVER_LOCAL_SCHEDULE_SECONDS"
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    period_seconds: float | None  # rate(...), or the override
    daily_at: tuple[int, int] | None  # cron(M H * * ? *): (hour, minute) UTC

    def describe(self) -> str:
        if self.period_seconds is not None:
            return f"{self.name} every {self.period_seconds:g} s"
        if self.daily_at is not None:
            return f"{self.name} daily at {self.daily_at[0]:02d}:{self.daily_at[1]:02d} UTC"
        return f"{self.name} not run locally ({self.expression})"

    def seconds_until_next(self, now: datetime) -> float | None:
        """From `now` to the next run (None: never)."""
        if self.period_seconds is not None:
            return self.period_seconds
        if self.daily_at is None:
            return None
        hour, minute = self.daily_at
        next_run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if next_run <= now:
            next_run += timedelta(days=1)
        return (next_run - now).total_seconds()


def parse_schedule(name: str, expression: str, override_seconds: float | None) -> Schedule:
    """A chalice schedule expression as a local cadence."""
    if override_seconds is not None:
        return Schedule(name, expression, override_seconds, None)
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if rate:
        return Schedule(name, expression, int(rate.group(1)) * _UNITS[rate.group(2)], None)
    cron = re.fullmatch(r"cron\((\d+) (\d+) \* \* \? \*\)", expression)
    if cron:
        return Schedule(name, expression, None, (int(cron.group(2)), int(cron.group(1))))
    return Schedule(name, expression, None, None)


def app_schedules(app: Chalice, override_seconds: float | None = None) -> list[Schedule]:
    found: list[Schedule] = []
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            found.append(parse_schedule(source.name, text, override_seconds))
    return found


def scheduled_event(name: str, at: datetime) -> dict[str, Any]:
    """The event EventBridge sends a scheduled function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/jobcover-dev-{name}"],
        "detail": {},
    }


class LocalScheduler:
    """One daemon thread running the app's schedules until `stop()`."""

    def __init__(
        self,
        app: Chalice,
        *,
        override_seconds: float | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if override_seconds is not None and not override_seconds > 0:
            raise ValueError(f"{INTERVAL_VARIABLE} must be a positive number of seconds")
        self.schedules = app_schedules(app, override_seconds)
        self._handlers = app.handler_map
        self._log = log
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-scheduler", daemon=True)
        self.runs: dict[str, int] = {schedule.name: 0 for schedule in self.schedules}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop after the job in progress, if any; True when the thread has ended."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        started = time.monotonic()
        now = datetime.now(UTC)
        due: dict[str, float] = {}
        for schedule in self.schedules:
            wait = schedule.seconds_until_next(now)
            if wait is not None:
                due[schedule.name] = started + wait
        by_name = {schedule.name: schedule for schedule in self.schedules}
        while due:
            name = min(due, key=due.__getitem__)
            if self._stopping.wait(max(0.0, due[name] - time.monotonic())):
                return
            self._run(name)
            wait = by_name[name].seconds_until_next(datetime.now(UTC))
            if wait is None:
                del due[name]
            else:
                due[name] = time.monotonic() + wait
        self._stopping.wait()

    def _run(self, name: str) -> None:
        context = LambdaContext(name, memory_size=1024, max_runtime_ms=120_000)
        try:
            self._handlers[name](scheduled_event(name, datetime.now(UTC)), context)
        except Exception:
            self._log(f"scheduler: {name} failed\n{traceback.format_exc()}")
        finally:
            self.runs[name] += 1
