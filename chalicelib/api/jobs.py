"""Routes: running a scheduled job on demand (admin).

Runs are synchronous: the answer is the finished run's result. None of today's jobs fans out to
workers, so `202 {"run"}` and `GET /v1/admin/jobs/runs/{id}` (API.md) are not needed yet.
"""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.api.schemas.jobs import JobRunCreate, JobRunOut
from chalicelib.domain.parties import Role

bp = Blueprint(__name__)
ADMIN = {Role.ADMIN}


@operation(
    bp,
    "/v1/admin/jobs/{name}",
    method="POST",
    summary="Run a scheduled job now (outbox, ...) and answer its result",
    roles=ADMIN,
    body=JobRunCreate,
    response=JobRunOut,
    tag="Jobs",
    errors=(404, 422),
)
def run_job(ctx: RequestContext, name: str, body: JobRunCreate) -> JobRunOut:
    result = ctx.app.jobs.run(name, as_of=body.as_of, now=body.now, platform=body.platform)
    return JobRunOut.model_validate(result)
