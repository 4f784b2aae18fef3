"""Shapes for webhook endpoints, their delivery attempts and events (API.md "Webhooks",
"Events"), and the rendering of an outbox event as platforms receive it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.logging import Logger
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.api.schemas.assignments import AssignmentOut
from chalicelib.api.schemas.certificates import CertificateOut
from chalicelib.api.schemas.common import (
    Cursor,
    Instant,
    ObjectId,
    QueryModel,
    RequestModel,
    ResponseModel,
)
from chalicelib.api.schemas.policies import PaymentOut, PolicyOut
from chalicelib.api.schemas.quotes import QuoteOut, ReferralOut
from chalicelib.domain.events import EVENT_TYPES
from chalicelib.domain.webhooks.urls import MAX_URL_LENGTH

if TYPE_CHECKING:
    from chalicelib.domain.events import OutboxEvent
    from chalicelib.domain.webhooks import DeliveryAttempt, RecordedEvent, WebhookEndpoint

logger = Logger(service="jobcover")


def _known_event(name: str) -> str:
    if name not in EVENT_TYPES:
        raise ValueError(f"unknown event type {name!r}")
    return name


EventName = Annotated[
    str,
    AfterValidator(_known_event),
    Field(json_schema_extra={"enum": sorted(EVENT_TYPES)}),
]
Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
Events = Annotated[list[EventName], Field(min_length=1, max_length=len(EVENT_TYPES))]


def _distinct(names: list[str] | None) -> list[str] | None:
    if names is not None and len(set(names)) != len(names):
        raise ValueError("each event at most once")
    return names


class WebhookEndpointCreate(RequestModel):
    url: Url = Field(
        description="https with a public address; local and test stages also "
        "http://127.0.0.1:<port>."
    )
    events: Events
    """The event types to deliver; unknown names are 422."""

    _events = field_validator("events")(_distinct)


class WebhookEndpointPatch(RequestModel):
    url: Url | None = None
    """A new URL. Omitted: unchanged."""
    events: Events | None = None
    """A new set of event types. Omitted: unchanged."""
    disabled: bool | None = Field(default=None, strict=True)
    """`true` pauses deliveries, `false` resumes them. Omitted: unchanged."""

    _events = field_validator("events")(_distinct)

    @model_validator(mode="after")
    def _something(self) -> WebhookEndpointPatch:
        if self.url is None and self.events is None and self.disabled is None:
            raise ValueError("give at least one of url, events, disabled")
        return self


class WebhookEndpointOut(ResponseModel):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    """Where events are POSTed."""
    events: list[str]
    """The event types delivered."""
    disabled: bool
    """Whether deliveries are paused."""
    disabled_reason: Literal["requested", "failing"] | None = Field(
        description="`failing`: no delivery succeeded for 5 days."
    )
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success."
    )
    secret_rotated_at: datetime | None = Field(
        description="When the current secret was made by a rotation (null: the first secret)."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until then the previous secret signs too (two signatures per delivery)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookEndpointOut:
        current, *previous = endpoint.secrets
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            events=endpoint.events,
            disabled=endpoint.disabled,
            disabled_reason=endpoint.disabled_reason,
            failing_since=endpoint.failing_since,
            secret_rotated_at=current.created_at if previous else None,
            previous_secret_expires_at=previous[0].expires_at if previous else None,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str | None = Field(
        description="`whsec_` + base64: shown once (null on an idempotent replay; rotate to "
        "get a new one)."
    )

    @classmethod
    def with_secret(
        cls, endpoint: WebhookEndpoint, secret: str | None
    ) -> WebhookEndpointWithSecret:
        return cls.model_validate(
            {**WebhookEndpointOut.of(endpoint).model_dump(), "secret": secret}
        )


class WebhookEndpointDeleted(ResponseModel):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    deleted: Literal[True] = True
    """Always `true`."""


class DeliveryAttemptOut(ResponseModel):
    id: str
    object: Literal["webhook_delivery_attempt"] = "webhook_delivery_attempt"
    endpoint: str
    """The endpoint (`whe_...`)."""
    event: str
    """The event delivered (`evt_...`)."""
    type: str
    """The event's type."""
    attempt: int = Field(description="1 for the first try; 8 at most.")
    status: Literal["succeeded", "failed"]
    """This attempt's outcome."""
    delivery_status: Literal["succeeded", "retrying", "failed"]
    """The delivery's status after this attempt: `retrying` until it succeeds or the 8 attempts
    are spent."""
    response_code: int | None = Field(description="null when no answer came (see `error`).")
    error: str | None = Field(
        description="timeout, connection_refused, connection_error, tls_error, "
        "invalid_response, address_not_allowed, dns_error... (an open set)."
    )
    latency_ms: int
    """How long the receiver took to answer, in milliseconds."""
    next_retry_at: datetime | None
    """When the next attempt is due; null when none is."""
    created_at: datetime

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> DeliveryAttemptOut:
        return cls(
            id=attempt.id,
            endpoint=attempt.endpoint,
            event=attempt.event,
            type=attempt.event_type,
            attempt=attempt.attempt,
            status=attempt.status,
            delivery_status=attempt.delivery_status,
            response_code=attempt.response_code,
            error=attempt.error,
            latency_ms=attempt.latency_ms,
            next_retry_at=attempt.next_retry_at,
            created_at=attempt.created_at,
        )


class EventOut(ResponseModel):
    """An event as delivered: the object as the API returns it, at the time of the change."""

    id: str
    """The event's ID (`evt_...`): stable across retries, for deduplication."""
    type: str
    """What changed, such as `assignment.bound`."""
    created_at: datetime
    """When the change happened."""
    data: dict[str, Any]
    """The object as the API returns it, at the time of the change (certificates without `url`)."""

    @classmethod
    def of(cls, event: RecordedEvent) -> EventOut:
        return cls.model_validate_json(event.body)


class EventQuery(QueryModel):
    type: EventName | None = None
    """Only events of this type."""
    since: Instant | None = Field(default=None, description="Events created at or after.")
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class RedeliverIn(RequestModel):
    endpoint: ObjectId | None = Field(
        default=None,
        description="Only to this endpoint (default: every endpoint subscribed to the type).",
    )


class RedeliveryOut(ResponseModel):
    event: str
    """The event queued again (`evt_...`)."""
    object: Literal["event_redelivery"] = "event_redelivery"
    endpoints: list[str] = Field(description="The endpoints it is queued for.")


# --- rendering an outbox event: the object as the API returns it ---------------------------


# Object type -> its domain record (as stored in the outbox) as the API shows it. A kind of
# object not named here is shown as recorded, less the fields no response carries.
def _record(module: str, name: str, data: dict[str, Any]) -> Any:
    """The domain record in an event's data (its module imported when an event first renders)."""
    return getattr(import_module(module), name).model_validate(data)


RENDERERS: dict[str, Callable[[dict[str, Any]], BaseModel]] = {
    "quote": lambda data: QuoteOut.of(_record("chalicelib.domain.quotes", "Quote", data)),
    "referral": lambda data: ReferralOut.of(_record("chalicelib.domain.quotes", "Referral", data)),
    "policy": lambda data: PolicyOut.of(_record("chalicelib.domain.policies", "Policy", data)),
    "payment": lambda data: PaymentOut.of(_record("chalicelib.domain.policies", "Payment", data)),
    "assignment": lambda data: AssignmentOut.of(
        _record("chalicelib.domain.assignments", "Assignment", data)
    ),
    # As `GET /v1/certificates/{id}` answers it, without a download link: a presigned URL lives
    # 10 minutes and an event is kept 30 days (fetch the certificate for a fresh one).
    "certificate": lambda data: CertificateOut.of(
        _record("chalicelib.domain.certificates", "Certificate", data), datetime.now(UTC), url=None
    ),
}
_INTERNAL_FIELDS = frozenset({"platform", "version", "request_id"})


def render_data(object_type: str, data: dict[str, Any]) -> dict[str, Any]:
    renderer = RENDERERS.get(object_type)
    if renderer is not None:
        try:
            rendered: dict[str, Any] = renderer(data).model_dump(mode="json")
            return rendered
        except ValidationError:
            # Never hold the event hostage: show it as recorded, and say so in the logs.
            logger.exception("event data does not render", extra={"object_type": object_type})
    return {key: value for key, value in data.items() if key not in _INTERNAL_FIELDS}


def render_event(event: OutboxEvent) -> str:
    """The body platforms receive: {"id", "type", "created_at", "data"} as compact JSON."""
    return EventOut(
        id=event.id,
        type=event.type,
        created_at=event.created_at,
        data=render_data(event.object_type, event.data),
    ).model_dump_json()
