"""The outbox consumer that issues what a request could not: a certificate left `pending`.

A request renders and stores its certificate right after its commit; if that fails (S3 down, the
renderer raising) the subject's change still stands and its event is in the outbox. This consumer
handles the events that can leave a certificate pending (the subject's own and a referral's
decision) by issuing the subject's certificate if it is still pending: raising hands the event
back to the outbox, retried with its backoff (1 min, 5 min, 30 min, 2 h, 5 h). From attempt
`MAX_ATTEMPTS` on it gives up: an alarm metric (`CertificateIssueAbandoned`) and an error log; the
certificate stays `pending` and visible as such.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.events import OutboxEvent
from chalicelib.services.certificates import CertificateServices

MAX_ATTEMPTS = 6
ALARM_METRIC = "CertificateIssueAbandoned"
logger = Logger(service="jobcover")


def raise_alarm(event: OutboxEvent, error: Exception) -> None:
    """The alarm: an EMF metric (a CloudWatch alarm watches it) and an error log line."""
    logger.error(
        "certificate still pending after the last retry; an operator must look",
        extra={"event": event.id, "object": event.object_id, "error": repr(error)},
    )
    with single_metric(
        name=ALARM_METRIC, unit=MetricUnit.Count, value=1, namespace="Jobcover"
    ) as metric:
        metric.add_dimension(name="service", value="jobcover")


def count_pending(name: str, certificate: Certificate, error: Exception) -> None:
    """A request left its certificate pending: counted (`CertificatePending`), not alarmed (the
    outbox retries it)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace="Jobcover") as metric:
        metric.add_dimension(name="service", value="jobcover")


class CertificateConsumer:
    """`certificates`: issue the pending certificate of the event's assignment or policy."""

    def __init__(
        self,
        services: Callable[[], CertificateServices],
        *,
        max_attempts: int = MAX_ATTEMPTS,
        alarm: Callable[[OutboxEvent, Exception], None] = raise_alarm,
    ) -> None:
        self._services = services
        self._max_attempts = max_attempts
        self._alarm = alarm

    @staticmethod
    def subject(event: OutboxEvent) -> str | None:
        """The assignment or policy whose certificate the event may have left pending (for a
        referral, its dispatch or its quote: the service finds the quote's policy)."""
        if event.object_type in {"assignment", "policy"}:
            return event.object_id
        if event.object_type == "referral":
            for field in ("assignment", "quote"):
                value = event.data.get(field)
                if isinstance(value, str):
                    return value
        return None

    def handle(self, event: OutboxEvent) -> None:
        subject = self.subject(event)
        if subject is None:
            return
        try:
            self._services().settle(event.platform, subject)
        except Exception as error:
            if event.attempts >= self._max_attempts:
                self._alarm(event, error)
                return
            raise
