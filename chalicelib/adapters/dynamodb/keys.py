"""Key builders for the single-table design (docs/data-model.md is the written version).

Tenant-owned entities live at `pk = "<platform>#<KIND>"`, `sk = <id>`: the platform is part of the
key, so a platform can only ever address its own partitions, and sortable IDs make a Query on the
partition a newest-first list.
"""

from __future__ import annotations

PLATFORMS_PK = "PLATFORMS"


def platform_key(platform_id: str) -> tuple[str, str]:
    return PLATFORMS_PK, platform_id


def api_key_key(key_hash: str) -> tuple[str, str]:
    """API keys are found by the SHA-256 of the secret, before the tenant is known."""
    return f"KEY#{key_hash}", "KEY"


def tenant_partition(platform_id: str, kind: str) -> str:
    return f"{platform_id}#{kind}"


def tenant_key(platform_id: str, kind: str, entity_id: str) -> tuple[str, str]:
    return tenant_partition(platform_id, kind), entity_id


def api_keys_by_platform(platform_id: str) -> str:
    """GSI1 partition listing a platform's keys."""
    return f"{platform_id}#KEYS"
