"""Composition root: builds the adapters and services once per process, lazily.

Nothing here runs at import time: Chalice's test client only sets the stage's environment during
a request, and moto must be active before the first boto3 client exists.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.adapters.dynamodb.assignments import DynamoAssignments
from chalicelib.adapters.dynamodb.due import DynamoDueIndex, DynamoRecords
from chalicelib.adapters.dynamodb.ledger import DynamoLedger
from chalicelib.adapters.dynamodb.listings import DynamoListings
from chalicelib.adapters.dynamodb.outbox import DynamoOutbox
from chalicelib.adapters.dynamodb.parties import DynamoApiKeys, DynamoParties, DynamoPlatforms
from chalicelib.adapters.dynamodb.policies import DynamoPolicies
from chalicelib.adapters.dynamodb.quotes import DynamoQuotes
from chalicelib.adapters.dynamodb.runs import DynamoRuns
from chalicelib.adapters.dynamodb.table import DynamoTable
from chalicelib.adapters.dynamodb.unit_of_work import DynamoUnitOfWork
from chalicelib.adapters.dynamodb.webhook_deliveries import DynamoDeliveries
from chalicelib.adapters.dynamodb.webhook_endpoints import DynamoWebhookEndpoints
from chalicelib.adapters.dynamodb.webhook_events import DynamoWebhookEvents
from chalicelib.adapters.idempotency import IdempotentExecutor
from chalicelib.adapters.secrets import EnvironmentAdminKey, SsmAdminKey
from chalicelib.adapters.sqs import SqsWorkQueue
from chalicelib.adapters.system import RandomIds, SystemClock
from chalicelib.adapters.tin_vault import KmsTinVault
from chalicelib.adapters.webhooks.addresses import AddressGuard
from chalicelib.adapters.webhooks.secrets import KmsWebhookSecrets
from chalicelib.domain.policies import Policy
from chalicelib.jobs import fanout, term
from chalicelib.jobs.fanout import InProcessQueue, ShardWork, WorkQueue
from chalicelib.jobs.outbox import SHARD_THREADS, Consumers, MarkerConsumer, OutboxJob
from chalicelib.jobs.registry import JobResult, JobRunner
from chalicelib.jobs.term import TermJob
from chalicelib.jobs.webhooks import WebhookDeliveryJob, then_deliver
from chalicelib.ports import AdminKeySource
from chalicelib.services.assignments import AssignmentServices
from chalicelib.services.auth import Authenticator, KeyIssuer
from chalicelib.services.certificates import CertificateServices
from chalicelib.services.parties import PartyServices
from chalicelib.services.policies import PolicyServices
from chalicelib.services.quotes import QuoteServices
from chalicelib.services.referrals import ReferralServices
from chalicelib.services.renewals import RenewalServices
from chalicelib.services.term import TermServices
from chalicelib.services.webhooks.endpoints import WebhookEndpointServices
from chalicelib.services.webhooks.events import EventServices, WebhookEventConsumer
from chalicelib.settings import Settings


@dataclass(frozen=True)
class WebhookStore:
    """The webhook adapters, built together (one table, one KMS client, one address guard)."""

    endpoints: DynamoWebhookEndpoints
    events: DynamoWebhookEvents
    deliveries: DynamoDeliveries
    secrets: KmsWebhookSecrets
    guard: AddressGuard


# 50 connections: a fanned-out outbox worker hands over 8 events at once while reads scatter
# over 16 shards (botocore's default pool of 10 would open and drop connections).
_BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=50,
)
# S3: Signature V4, so presigned certificate links carry their expiry (at most 15 min); one retry
# only: a bind waits for its certificate's PUT, and the outbox retries it later.
_S3_CONFIG = _BOTO_CONFIG.merge(
    Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 2})
)


class Container:
    """Everything a request or job needs, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    def client(self, service: str) -> Any:
        """One boto3 client per service (the fault tier hooks its events on this instance)."""
        with self._clients_lock:
            if service not in self._clients:
                config = _S3_CONFIG if service == "s3" else _BOTO_CONFIG
                self._clients[service] = self._session.client(service, config=config)
            return self._clients[service]

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def s3(self) -> Any:
        return self.client("s3")

    @cached_property
    def table(self) -> DynamoTable:
        return DynamoTable(self.dynamodb, self.settings.table_name)

    @cached_property
    def clock(self) -> SystemClock:
        return SystemClock()

    @cached_property
    def ids(self) -> RandomIds:
        return RandomIds(self.clock)

    def unit_of_work(self) -> DynamoUnitOfWork:
        """A fresh unit of work in the current request's write scope."""
        return DynamoUnitOfWork(self.table, self.clock, self.ids)

    @cached_property
    def admin_key_source(self) -> AdminKeySource:
        if self.settings.admin_key_parameter:
            return SsmAdminKey(self.client("ssm"), self.settings.admin_key_parameter)
        return EnvironmentAdminKey(self.settings.admin_key)

    @cached_property
    def api_keys(self) -> DynamoApiKeys:
        return DynamoApiKeys(self.table)

    @cached_property
    def auth(self) -> Authenticator:
        return Authenticator(self.api_keys, self.admin_key_source)

    @cached_property
    def parties(self) -> PartyServices:
        return PartyServices(
            platforms=DynamoPlatforms(self.table),
            parties=DynamoParties(self.table),
            keys=KeyIssuer(self.api_keys, self.ids, self.clock),
            tins=KmsTinVault(self.client("kms"), self.settings.tin_key_id),
            ids=self.ids,
            clock=self.clock,
            uow=self.unit_of_work,
            api_keys=self.api_keys,
        )

    @cached_property
    def quotes(self) -> QuoteServices:
        from chalicelib.reference_data import load_reference_data
        from chalicelib.underwriting_rules import load_rulebook, trade_profile

        return QuoteServices(
            parties=self.parties,
            quotes=DynamoQuotes(self.table),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def policies(self) -> PolicyServices:
        from chalicelib.reference_data import load_reference_data

        return PolicyServices(
            quotes=self.quotes,
            policies=DynamoPolicies(self.table),
            uow=self.unit_of_work,
            reference=load_reference_data,
            ids=self.ids,
            clock=self.clock,
            certificates=self.certificates,
        )

    @cached_property
    def assignments(self) -> AssignmentServices:
        from chalicelib.reference_data import load_reference_data
        from chalicelib.underwriting_rules import load_rulebook, trade_profile

        return AssignmentServices(
            assignments=DynamoAssignments(self.table),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
            certificates=self.certificates,
        )

    @cached_property
    def certificates(self) -> CertificateServices:
        """Certificates: the table, the bucket, the renderer (fpdf2 loads on first render)."""
        from chalicelib.adapters.certificates.numbers import certificate_number
        from chalicelib.adapters.certificates.s3_store import S3CertificateStore
        from chalicelib.adapters.dynamodb.certificates import DynamoCertificates
        from chalicelib.certificate_data import load_certificate_terms, renderer
        from chalicelib.jobs.certificates import count_pending

        return CertificateServices(
            certificates=DynamoCertificates(self.table),
            store=S3CertificateStore(self.s3, self.settings.bucket_name),
            renderer=renderer,
            uow=self.unit_of_work,
            terms=load_certificate_terms,
            ids=self.ids,
            clock=self.clock,
            numbers=certificate_number,
            public_url=self.settings.public_url,
            on_failure=count_pending,
            policy_of_quote=DynamoPolicies(self.table).policy_for_quote,
            assignment_of=DynamoAssignments(self.table).get,
            policy_of=DynamoPolicies(self.table).get_policy,
        )

    @cached_property
    def referrals(self) -> ReferralServices:
        return ReferralServices(
            quotes=self.quotes,
            assignments=self.assignments,
            policies=self.policies,
            uow=self.unit_of_work,
            ids=self.ids,
            clock=self.clock,
            renewals=self.renewals,
        )

    @cached_property
    def renewals(self) -> RenewalServices:
        from chalicelib.reference_data import load_reference_data
        from chalicelib.term_rules import load_term_rules

        return RenewalServices(
            quotes=self.quotes,
            policies=DynamoPolicies(self.table),
            reference=load_reference_data,
            rules=load_term_rules,
        )

    @cached_property
    def term(self) -> TermServices:
        """The policy term by request: cancel, reinstate, final audit (chalicelib/services/term)."""
        from chalicelib.reference_data import load_reference_data
        from chalicelib.term_rules import load_term_rules

        return TermServices(
            policies=DynamoPolicies(self.table),
            assignments=DynamoAssignments(self.table),
            quotes=DynamoQuotes(self.table),
            uow=self.unit_of_work,
            reference=load_reference_data,
            rules=load_term_rules,
            ids=self.ids,
            clock=self.clock,
            cancellations=self.assignments.cancel_for_policy,
        )

    @cached_property
    def ledger(self) -> DynamoLedger:
        return DynamoLedger(self.table)

    @cached_property
    def listings(self) -> DynamoListings:
        """Reads by date and place (the portal's filters)."""
        return DynamoListings(self.table)

    @cached_property
    def idempotency(self) -> IdempotentExecutor:
        return IdempotentExecutor(
            self.dynamodb,
            self.settings.idempotency_table_name,
            ttl_seconds=self.settings.idempotency_ttl_seconds,
            lease_seconds=self.settings.idempotency_lease_seconds,
        )

    # --- scheduled jobs (chalicelib/jobs): the outbox reader, its consumers, the job runner ------

    @cached_property
    def outbox(self) -> DynamoOutbox:
        return DynamoOutbox(self.table)

    @cached_property
    def outbox_consumers(self) -> Consumers:
        """Every consumer of outbox events, by a stable name (the outbox records which consumers
        handled an event, so a retry calls only the others). Certificates and webhooks add
        theirs here, e.g. `"webhooks": self.webhooks`."""
        from chalicelib.jobs.certificates import CertificateConsumer

        return {
            "marker": MarkerConsumer(),
            "certificates": CertificateConsumer(lambda: self.certificates),
            "webhooks": self.webhook_events,
        }

    @cached_property
    def term_jobs(self) -> dict[str, TermJob]:
        """`renewals`, `expirations`, `rescissions`, `audits`: each reads the due index."""
        from chalicelib.reference_data import load_reference_data
        from chalicelib.term_rules import load_term_rules

        def physical_threshold(policy: Policy) -> int | None:
            thresholds = [
                load_reference_data().program(line.program).term.final_audit.physical_min_eap_cents
                for line in policy.lines.values()
                if line.estimated_annual_premium_cents is not None
            ]
            known = [t for t in thresholds if t is not None]
            return min(known) if known else None

        handlers = {
            "renewals": self.renewals.handle,
            "expirations": term.expiration(self.term.cancel_upcoming),
            "rescissions": term.rescission(load_term_rules),
            "audits": term.audit(load_term_rules, physical_threshold),
        }
        return {
            name: term.TermJob(
                name,
                handler,
                due=DynamoDueIndex(self.table),
                loader=DynamoRecords(self.table),
                uow=self.unit_of_work,
                ids=self.ids,
                clock=self.clock,
                batch=self.settings.jobs_batch,
                fanout=self.job_fanout,
            )
            for name, handler in handlers.items()
        }

    @cached_property
    def job_fanout(self) -> fanout.FanOut:
        """Where a run too large for one invocation goes (term jobs, outbox, deliveries)."""
        return fanout.FanOut(self.work_queue, self.runs, self.ids)

    @cached_property
    def runs(self) -> DynamoRuns:
        return DynamoRuns(self.table)

    @cached_property
    def work_queue(self) -> WorkQueue:
        """SQS when the stage names a queue; otherwise the work is done in-process."""
        settings = self.settings
        if settings.jobs_queue_url or settings.jobs_queue_name:
            return SqsWorkQueue(
                self.client("sqs"), url=settings.jobs_queue_url, name=settings.jobs_queue_name
            )
        queue = InProcessQueue()
        queue.worker = self.work
        return queue

    def work(self, message: ShardWork) -> JobResult:
        """A worker's turn on one shard of a fanned-out run."""
        workers: dict[str, fanout.ShardWorker] = {
            **self.term_jobs,
            OutboxJob.name: self.outbox_job,
            WebhookDeliveryJob.name: self.webhook_deliveries,
        }
        return fanout.work(message, workers, self.work_queue, self.runs)

    @cached_property
    def outbox_job(self) -> OutboxJob:
        """`outbox`: due events to their consumers; a large run fans out by outbox shard."""
        return OutboxJob(
            self.outbox,
            self.outbox_consumers,
            self.clock,
            batch=self.settings.outbox_batch,
            fanout=self.job_fanout,
            shard_threads=SHARD_THREADS,
        )

    @cached_property
    def jobs(self) -> JobRunner:
        """The named jobs (`POST /v1/admin/jobs/{name}`, the schedules)."""
        return JobRunner(
            {
                OutboxJob.name: then_deliver(self.outbox_job, self.webhook_deliveries),
                "webhooks": self.webhook_deliveries,
                **self.term_jobs,
            },
            clock=self.clock,
            platforms=DynamoPlatforms(self.table),
            clock_override_allowed=self.settings.allows_clock_override,
        )

    # --- webhooks (chalicelib/services/webhooks, chalicelib/jobs/webhooks.py) ---------------

    @cached_property
    def webhook_store(self) -> WebhookStore:
        settings = self.settings
        return WebhookStore(
            endpoints=DynamoWebhookEndpoints(self.table),
            events=DynamoWebhookEvents(self.table),
            deliveries=DynamoDeliveries(self.table),
            # Sealed with the stage's KMS key (the TIN key); the encryption context binds each
            # secret to its platform and endpoint.
            secrets=KmsWebhookSecrets(self.client("kms"), settings.tin_key_id),
            guard=AddressGuard(
                loopback_allowed=settings.allows_loopback_webhooks,
                unresolved_allowed=settings.stage != "prod",
                egress=settings.webhook_egress,
            ),
        )

    @cached_property
    def webhooks(self) -> WebhookEndpointServices:
        store = self.webhook_store
        return WebhookEndpointServices(
            endpoints=store.endpoints,
            deliveries=store.deliveries,
            uow=self.unit_of_work,
            secrets=store.secrets,
            guard=store.guard,
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def events(self) -> EventServices:
        store = self.webhook_store
        return EventServices(store.events, store.endpoints, store.deliveries, self.ids, self.clock)

    @cached_property
    def webhook_events(self) -> WebhookEventConsumer:
        from chalicelib.api.schemas.webhooks import render_event

        store = self.webhook_store
        return WebhookEventConsumer(
            store.endpoints, store.events, render_event, self.ids, self.clock
        )

    @cached_property
    def webhook_deliveries(self) -> WebhookDeliveryJob:
        from chalicelib.adapters.webhooks.metrics import emit_counts
        from chalicelib.adapters.webhooks.sender import HttpSender, signature_headers

        store = self.webhook_store
        return WebhookDeliveryJob(
            deliveries=store.deliveries,
            events=store.events,
            endpoints=store.endpoints,
            uow=self.unit_of_work,
            secrets=store.secrets,
            guard=store.guard,
            sender=HttpSender(self.settings.webhook_timeout_seconds),
            sign=signature_headers,
            ids=self.ids,
            clock=self.clock,
            metrics=emit_counts,
            batch=self.settings.webhooks_batch,
            fanout=self.job_fanout,
        )
