"""Running a named job: `POST /v1/admin/jobs/{name}`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.api.schemas.common import (
    CalendarDate,
    Instant,
    ObjectId,
    RequestModel,
    ResponseModel,
)


class JobRunCreate(RequestModel):
    """Every field optional: an empty body runs the job for today."""

    as_of: CalendarDate | None = Field(
        default=None, description="Business date, YYYY-MM-DD (default: today, UTC)."
    )
    now: Instant | None = Field(
        default=None,
        description="The instant the run reads as now; local and test stages only. Its UTC date "
        "must equal `as_of` (which defaults to it).",
    )
    platform: ObjectId | None = Field(default=None, description="Limit the run to one platform.")


class JobRunOut(ResponseModel):
    """A finished run: the job, its business date, how many items it processed, and whatever
    else the job reports (the outbox: `retried`, `skipped`, `more`, `now`, `failures`)."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="allow")

    job: str
    """The job that ran."""
    as_of: CalendarDate
    """The business date it ran for."""
    processed: int
    """How many items it processed."""


class JobRunStarted(ResponseModel):
    """A run fanned out to workers (202): follow it at `GET /v1/admin/jobs/runs/{run}`."""

    run: str
    """The run's ID: follow it at `GET /v1/admin/jobs/runs/{run_id}`."""
    job: str
    """The job started."""
    as_of: CalendarDate
    """The business date it runs for."""


class JobRunProgress(ResponseModel):
    id: str
    object: Literal["job_run"] = "job_run"
    job: str
    """The job."""
    as_of: CalendarDate
    """The business date."""
    platform: str | None
    """The platform the run is limited to, if any."""
    status: Literal["running", "completed"]
    """`running` until every shard is done."""
    shards: int
    """How many shards the run fanned out to."""
    shards_done: int
    """How many have finished."""
    processed: int
    """Items processed so far."""
    skipped: int
    """Items skipped (nothing to do)."""
    failed: int
    """Items that failed (retried by the next run)."""
    started_at: Instant
    """When the run started."""
