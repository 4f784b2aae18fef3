"""One settings model, parsed from the environment (set per stage in .chalice/config.json)."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable. Names come from `JOBCOVER_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="JOBCOVER_", frozen=True, extra="ignore")

    stage: Literal["dev", "test", "prod"] = "dev"
    table_name: str = "jobcover-dev"
    idempotency_table_name: str = "jobcover-idempotency-dev"
    bucket_name: str = "jobcover-certificates-dev"
    # Where the API is reached from outside: printed on certificates as their verify address.
    public_url: str = "http://127.0.0.1:8000"
    tin_key_id: str = "alias/jobcover-tin-dev"
    # Local stages read the admin key from the environment; in AWS from SSM Parameter Store.
    admin_key: str | None = None
    admin_key_parameter: str | None = None
    # The jobs queue a large term-job run fans out to: a URL (the packaged template injects it)
    # or a name (`chalice deploy`); neither: worked in-process (local and test stages).
    jobs_queue_url: str | None = None
    jobs_queue_name: str | None = None
    # How many due records (term jobs) and outbox events one invocation settles before a run
    # fans out.
    jobs_batch: int = 200
    outbox_batch: int = 500
    webhooks_batch: int = 200  # delivery tasks a round takes
    max_body_bytes: int = 256 * 1024
    idempotency_ttl_seconds: int = 24 * 60 * 60
    # How long an Idempotency-Key stays "in progress" when its run cannot say (outside Lambda, or
    # a run that died): API Gateway gives up after 29 s, so a run older than this is gone.
    idempotency_lease_seconds: float = 30.0
    # Webhooks: a delivery's timeout; `loopback` confines deliveries to http://127.0.0.1 (test
    # stacks on machines that must send nothing elsewhere), whatever the endpoints' URLs.
    webhook_timeout_seconds: float = 10.0
    webhook_egress: Literal["public", "loopback"] = "public"

    @property
    def allows_loopback_webhooks(self) -> bool:
        """Local and test stages accept http://127.0.0.1 webhook URLs; production never does."""
        return self.stage != "prod"

    @property
    def allows_clock_override(self) -> bool:
        """Local and test stages run jobs for a future `as_of` or at a given `now`; production
        never moves the clock (API.md "Scheduled functions")."""
        return self.stage in {"dev", "test"}


def load_settings() -> Settings:
    """Parse the environment now (chalice's test client sets it per request, so never at import)."""
    return Settings()
