"""Key builders for the single-table design (docs/data-model.md is the written version).

Tenant-owned entities live at `pk = "<platform>#<KIND>"`, `sk = <id>`: the platform is part of the
key, so a platform can only ever address its own partitions, and sortable IDs make a Query on the
partition a newest-first list.
"""

from __future__ import annotations

import zlib

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


def shard_of(entity_id: str, shards: int) -> int:
    """The write shard of an entity: `crc32(id) % shards`, so its key is known from its id."""
    return zlib.crc32(entity_id.encode()) % shards


def sharded_partition(platform_id: str, kind: str, shard: int) -> str:
    """One shard of a platform-wide collection (`<platform>#<KIND>#<nn>`): a busy platform's
    writes spread over the shards instead of one partition (docs/data-model.md, capacity)."""
    return f"{platform_id}#{kind}#{shard:02d}"


def sharded_partitions(platform_id: str, kind: str, shards: int) -> list[str]:
    return [sharded_partition(platform_id, kind, shard) for shard in range(shards)]


def sharded_key(platform_id: str, kind: str, entity_id: str, shards: int) -> tuple[str, str]:
    return sharded_partition(platform_id, kind, shard_of(entity_id, shards)), entity_id


# A platform's assignments, their status lists (gsi2) and external-id claims are write-sharded
# this many ways (docs/data-model.md, capacity); a list reads one Query per shard, merged.
ASSIGNMENT_SHARDS = 16


def assignment_key(platform_id: str, assignment_id: str) -> tuple[str, str]:
    return sharded_key(platform_id, "ASG", assignment_id, ASSIGNMENT_SHARDS)
