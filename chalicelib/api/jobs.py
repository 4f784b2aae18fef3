"""Routes: running a scheduled job on demand (admin), and a fanned-out run's progress.

A run that one invocation can finish answers 200 with its result; a term job with more due than
that fans out to workers (chalicelib/jobs/fanout.py) and answers `202 {"run"}`, whose progress
`GET /v1/admin/jobs/runs/{id}` shows.
"""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.http import Reply, RequestContext, operation
from chalicelib.api.schemas.jobs import JobRunCreate, JobRunOut, JobRunProgress, JobRunStarted
from chalicelib.domain.errors import NotFound
from chalicelib.domain.roles import Role

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
def run_job(ctx: RequestContext, name: str, body: JobRunCreate) -> JobRunOut | Reply:
    result = ctx.app.jobs.run(name, as_of=body.as_of, now=body.now, platform=body.platform)
    if "run" in result:
        started = JobRunStarted(run=result["run"], job=name, as_of=result["as_of"])
        return Reply(202, started)
    return JobRunOut.model_validate(result)


@operation(
    bp,
    "/v1/admin/jobs/runs/{run_id}",
    summary="A fanned-out job run's progress",
    roles=ADMIN,
    response=JobRunProgress,
    tag="Jobs",
    errors=(404,),
)
def get_run(ctx: RequestContext, run_id: str) -> JobRunProgress:
    found = ctx.app.runs.get(run_id) if run_id.startswith("run_") else None
    if found is None:
        raise NotFound(f"No job run {run_id}.")
    return JobRunProgress.model_validate(found)
