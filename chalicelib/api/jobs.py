"""Routes: running a scheduled job on demand (admin), and a fanned-out run's progress.

A run that one invocation can finish answers 200 with its result; a term job, the outbox or the
webhook deliveries with more due than that fan out to workers (chalicelib/jobs/fanout.py) and
answer `202 {"run"}`, whose progress `GET /v1/admin/jobs/runs/{id}` shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import Reply, RequestContext, operation
from chalicelib.domain.errors import NotFound
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import jobs as schemas
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.jobs")

bp = Blueprint(__name__)
ADMIN = {Role.ADMIN}


@operation(
    bp,
    "/v1/admin/jobs/{name}",
    method="POST",
    summary="Run a scheduled job now (outbox, ...) and answer its result",
    roles=ADMIN,
    tag="Jobs",
    errors=(404, 422),
)
def run_job(
    ctx: RequestContext, name: str, body: schemas.JobRunCreate
) -> schemas.JobRunOut | Reply:
    result = ctx.app.jobs.run(name, as_of=body.as_of, now=body.now, platform=body.platform)
    if "run" in result:
        started = schemas.JobRunStarted(run=result["run"], job=name, as_of=result["as_of"])
        return Reply(202, started)
    return schemas.JobRunOut.model_validate(result)


@operation(
    bp,
    "/v1/admin/jobs/runs/{run_id}",
    summary="A fanned-out job run's progress",
    roles=ADMIN,
    tag="Jobs",
    errors=(404,),
)
def get_run(ctx: RequestContext, run_id: str) -> schemas.JobRunProgress:
    found = ctx.app.runs.get(run_id) if run_id.startswith("run_") else None
    if found is None:
        raise NotFound(f"No job run {run_id}.")
    return schemas.JobRunProgress.model_validate(found)
