"""Named jobs and how a run is asked for: `POST /v1/admin/jobs/{name}` and the schedules.

A job is a function of a `JobRequest` returning a JSON-ready result with at least `job`, `as_of`
and `processed`. The runner validates the request the same way for every job (API.md "Scheduled
functions"): `as_of` defaults to today (UTC); outside the local and test stages `as_of` may not
be later than today and `now` is refused, so nobody expires real policies by moving a clock;
`now`'s UTC date must equal `as_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.ports import Clock, PlatformRepository

JobResult = dict[str, Any]


@dataclass(frozen=True)
class JobRequest:
    """One run: the business date, an optional instant standing in for the clock (local and test
    stages only; its UTC date is `as_of`), and an optional tenant to limit the run to."""

    as_of: date
    now: datetime | None = None
    platform: str | None = None


Job = Callable[[JobRequest], JobResult]


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"loc": ["body", field], "msg": message}])


def job_request(
    *,
    as_of: date | None,
    now: datetime | None,
    platform: str | None,
    today: date,
    clock_override_allowed: bool,
) -> JobRequest:
    """The run a caller asked for, or ValidationFailed (422) naming the field that breaks a rule.

    Without `as_of`, `now`'s UTC date is the business date (else today).
    """
    if now is not None and not clock_override_allowed:
        raise _refused("now", "now is accepted only on the local and test stages.")
    now_date = utc_today(now) if now is not None else None
    if as_of is None:
        as_of = now_date or today
    if as_of > today and not clock_override_allowed:
        raise _refused(
            "as_of", f"as_of may not be later than today ({today.isoformat()}) on this stage."
        )
    if now_date is not None and now_date != as_of:
        raise _refused(
            "now",
            f"now's UTC date ({now_date.isoformat()}) must equal as_of ({as_of.isoformat()}).",
        )
    return JobRequest(as_of=as_of, now=now.astimezone(UTC) if now else None, platform=platform)


class JobRunner:
    """Runs a named job synchronously, after validating its request."""

    def __init__(
        self,
        jobs: Mapping[str, Job],
        *,
        clock: Clock,
        platforms: PlatformRepository,
        clock_override_allowed: bool,
    ) -> None:
        self._jobs = jobs
        self._clock = clock
        self._platforms = platforms
        self._clock_override_allowed = clock_override_allowed

    def names(self) -> list[str]:
        return sorted(self._jobs)

    def run(
        self,
        name: str,
        *,
        as_of: date | None = None,
        now: datetime | None = None,
        platform: str | None = None,
    ) -> JobResult:
        """Validate, run and answer the job's result. NotFound for an unknown job or platform."""
        job = self._jobs.get(name)
        if job is None:
            raise NotFound(f"No job named {name!r}; jobs: {', '.join(self.names())}.")
        request = job_request(
            as_of=as_of,
            now=now,
            platform=platform,
            today=utc_today(self._clock.now()),
            clock_override_allowed=self._clock_override_allowed,
        )
        if platform is not None and self._platforms.get_platform(platform) is None:
            raise NotFound(f"No platform {platform}.")
        result = {"job": name, "as_of": request.as_of.isoformat(), **job(request)}
        if not isinstance(result.get("processed"), int):
            raise TypeError(f"job {name!r} did not report how many it processed")
        return result
