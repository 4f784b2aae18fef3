"""Webhooks: endpoints and their secrets, recorded events, deliveries and their retries, and
which URLs a delivery may reach."""

from chalicelib.domain.webhooks.deliveries import (
    MAX_ATTEMPTS,
    DeliveryAttempt,
    DeliveryTask,
    RecordedEvent,
    SendOutcome,
    attempt_outcome,
    retry_delay,
)
from chalicelib.domain.webhooks.endpoints import (
    MAX_ENDPOINTS_PER_PLATFORM,
    SealedSecret,
    WebhookEndpoint,
)
from chalicelib.domain.webhooks.urls import (
    DeliveryRefused,
    EndpointUrl,
    address_allowed,
    parse_endpoint_url,
)

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_ENDPOINTS_PER_PLATFORM",
    "DeliveryAttempt",
    "DeliveryRefused",
    "DeliveryTask",
    "EndpointUrl",
    "RecordedEvent",
    "SealedSecret",
    "SendOutcome",
    "WebhookEndpoint",
    "address_allowed",
    "attempt_outcome",
    "parse_endpoint_url",
    "retry_delay",
]
