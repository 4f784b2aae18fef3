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
    as_of: CalendarDate
    processed: int


class JobRunStarted(ResponseModel):
    """A run fanned out to workers (202): follow it at `GET /v1/admin/jobs/runs/{run}`."""

    run: str
    job: str
    as_of: CalendarDate


class JobRunProgress(ResponseModel):
    id: str
    object: Literal["job_run"] = "job_run"
    job: str
    as_of: CalendarDate
    platform: str | None
    status: Literal["running", "completed"]
    shards: int
    shards_done: int
    processed: int
    skipped: int
    failed: int
    started_at: Instant
