"""Write-sharded collections read back in order: a scatter Query per shard, merged, with cursor
pagination that loses and repeats nothing (chalicelib/adapters/dynamodb/table.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dynamodb.keys import shard_of, sharded_partitions
from chalicelib.adapters.dynamodb.table import DynamoTable, to_attributes

PLATFORM = "plt_01scatter000000000000000"


@pytest.fixture
def table(aws: None) -> DynamoTable:
    """The stage's table on moto (the `aws` fixture sets the test stage's environment, so the
    least-privilege recorder attributes these calls to the right stage)."""
    from chalicelib.bootstrap import container

    return container().table


def _fill(table: DynamoTable, kind: str, ids: list[str], shards: int) -> None:
    for start in range(0, len(ids), 25):
        table.client.batch_write_item(
            RequestItems={
                table.name: [
                    {
                        "PutRequest": {
                            "Item": to_attributes(
                                {"pk": f"{PLATFORM}#{kind}#{shard_of(i, shards):02d}", "sk": i}
                            )
                        }
                    }
                    for i in ids[start : start + 25]
                ]
            }
        )


def _walk(
    table: DynamoTable, kind: str, shards: int, limit: int, at_least: str | None = None
) -> list[tuple[list[str], bool]]:
    pages: list[tuple[list[str], bool]] = []
    before: str | None = None
    for _ in range(100):  # more pages than the largest example's items: a cursor that repeats
        page = table.query_page_scatter(
            partitions=[("pk", p) for p in sharded_partitions(PLATFORM, kind, shards)],
            sort_key="sk",
            limit=limit,
            before=before,
            at_least=at_least,
        )
        ids = [str(item["sk"]) for item in page.items]
        pages.append((ids, page.has_more))
        if not page.has_more:
            return pages
        before = ids[-1]
    raise AssertionError(f"no last page after 100: {pages[-3:]}")


_counter = iter(range(10**9))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    count=st.integers(0, 60),
    shards=st.sampled_from([1, 3, 8, 16]),
    limit=st.integers(1, 25),
    skew=st.booleans(),
    floor=st.one_of(st.none(), st.integers(0, 60)),
)
def test_pages_of_a_sharded_collection_are_the_newest_first_list_without_gaps(
    table: DynamoTable, count: int, shards: int, limit: int, skew: bool, floor: int | None
) -> None:
    """Every item once, newest first, down to `at_least` (inclusive) when there is one."""
    kind = f"T{next(_counter)}"
    ids = [f"x_{n:08d}" for n in range(count)]
    if skew:  # most items in one shard: the shard reads on past its share
        ids = [i for i in ids if shard_of(i, shards) == 0] + ids[: count // 5]
        ids = sorted(set(ids))
    _fill(table, kind, ids, shards)

    at_least = None if floor is None else f"x_{floor:08d}"
    pages = _walk(table, kind, shards, limit, at_least)

    seen = [i for page, _ in pages for i in page]
    assert seen == sorted((i for i in ids if at_least is None or i >= at_least), reverse=True)
    assert all(len(page) == limit for page, more in pages if more)
    assert all(len(page) <= limit for page, _ in pages)
    assert not pages[-1][1]
