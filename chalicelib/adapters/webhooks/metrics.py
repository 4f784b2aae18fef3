"""The delivery job's counts as CloudWatch metrics (EMF, namespace `Jobcover`):
`WebhookDeliveriesFailed` (a delivery out of attempts) and `WebhookEndpointsDisabled` carry the
alarm in infra/resources.json; attempts succeeded and failed show the trend."""

from __future__ import annotations

from aws_lambda_powertools.metrics import Metrics, MetricUnit

_metrics = Metrics(namespace="Jobcover", service="jobcover")


def emit_counts(counts: dict[str, int]) -> None:
    published = {name: value for name, value in counts.items() if value}
    if not published:
        return
    for name, value in published.items():
        _metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    _metrics.flush_metrics()
