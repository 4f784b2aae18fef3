"""Jobcover: wiring only. Routes live in chalicelib/api, schedules in chalicelib/jobs."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.api import (
    assignments,
    certificates,
    jobs,
    meta,
    parties,
    policies,
    portal,
    quotes,
    reads,
)
from chalicelib.api import webhooks as webhook_routes
from chalicelib.api.observability import http_middleware
from chalicelib.jobs import schedules, workers

app = Chalice(app_name="jobcover")
# Certificate PDFs (GET /v1/certificates/{id}/pdf) leave API Gateway as binary.
app.api.binary_types.append("application/pdf")
app.register_middleware(http_middleware, "http")
app.register_blueprint(meta.bp)
app.register_blueprint(parties.bp)
app.register_blueprint(quotes.bp)
app.register_blueprint(policies.bp)
app.register_blueprint(assignments.bp)
app.register_blueprint(certificates.bp)
app.register_blueprint(jobs.bp)
app.register_blueprint(webhook_routes.bp)
app.register_blueprint(reads.bp)
app.register_blueprint(portal.bp)
app.register_blueprint(schedules.bp)
app.register_blueprint(workers.bp)
