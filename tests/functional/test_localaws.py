"""devserver.localaws against moto's public behaviour: what a client sees must not change, only what
it costs (rollback per item, queries per partition, instances tracked weakly) and what threads see
(one request at a time).

The session fixture `_moto_at_scale` (conftest) has the scale patches installed for every
functional test; the tests here also pin the cost, with counters that moto alone would fail.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.model_instances import reset_model_data
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.s3.models import s3_backends
from moto.server import ThreadedMotoServer

from devserver import localaws
from devserver.localaws.objects import FileBody
from devserver.localaws.tracking import WeakInstances

TABLE = "localaws-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_table(client: Any, name: str = TABLE) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in ("pk", "sk", "g1pk", "g1sk")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "g1pk", "KeyType": "HASH"},
                    {"AttributeName": "g1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def item(pk: str, sk: str, group: str | None = None, **attributes: str) -> dict[str, Any]:
    body = {"pk": {"S": pk}, "sk": {"S": sk}}
    if group is not None:
        body.update({"g1pk": {"S": group}, "g1sk": {"S": sk}})
    body.update({name: {"S": value} for name, value in attributes.items()})
    return body


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_table(client)
        yield client


def everything(client: Any) -> dict[tuple[str, str], dict[str, Any]]:
    pages = client.get_paginator("scan").paginate(TableName=TABLE)
    return {(i["pk"]["S"], i["sk"]["S"]): i for page in pages for i in page["Items"]}


def query_keys(client: Any, **request: Any) -> list[tuple[str, str]]:
    pages = client.get_paginator("query").paginate(TableName=TABLE, **request)
    return [(i["pk"]["S"], i["sk"]["S"]) for page in pages for i in page["Items"]]


def in_group(client: Any, group: str, **request: Any) -> list[tuple[str, str]]:
    return query_keys(
        client,
        IndexName="gsi1",
        KeyConditionExpression="g1pk = :g",
        ExpressionAttributeValues={":g": {"S": group}},
        **request,
    )


def scanned_group(client: Any, group: str) -> list[tuple[str, str]]:
    """The GSI's answer computed the slow way (a Scan is not patched), in GSI order."""
    found = [i for i in everything(client).values() if i.get("g1pk", {}).get("S") == group]
    found.sort(key=lambda i: (i["g1sk"]["S"], i["pk"]["S"], i["sk"]["S"]))
    return [(i["pk"]["S"], i["sk"]["S"]) for i in found]


# --- rollback per item -----------------------------------------------------------------------


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=item("p", "updated", "g", note="before"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "deleted", "g"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "checked", status="open"))
    before = everything(dynamodb)
    assert in_group(dynamodb, "g") == [("p", "deleted"), ("p", "updated")]  # the GSI map exists

    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("p", "created", "g")}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("p", "updated"),
                        "UpdateExpression": "SET note = :n, g1pk = :h",
                        "ExpressionAttributeValues": {":n": {"S": "after"}, ":h": {"S": "h"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": key("p", "deleted")}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("p", "checked"),
                        "ConditionExpression": "#s = :closed",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":closed": {"S": "closed"}},
                    }
                },
            ]
        )

    error = cancelled.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in error["CancellationReasons"]] == [
        "None",
        "None",
        "None",
        "ConditionalCheckFailed",
    ]
    assert everything(dynamodb) == before
    assert in_group(dynamodb, "g") == [("p", "deleted"), ("p", "updated")]
    assert in_group(dynamodb, "h") == []


def test_a_transaction_naming_one_item_twice_writes_nothing(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=item("p", "kept", note="before"))
    before = everything(dynamodb)
    assert in_group(dynamodb, "g") == []

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("p", "new", "g")}},
                {"Put": {"TableName": TABLE, "Item": item("p", "kept", note="first")}},
                {"Delete": {"TableName": TABLE, "Key": key("p", "kept")}},
            ]
        )

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert everything(dynamodb) == before
    assert in_group(dynamodb, "g") == []


def test_a_committed_transaction_writes_every_item(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=item("p", "updated", note="before"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "deleted", "g"))

    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": item("p", "created", "g"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key("p", "updated"),
                    "UpdateExpression": "SET note = :n",
                    "ExpressionAttributeValues": {":n": {"S": "after"}},
                }
            },
            {"Delete": {"TableName": TABLE, "Key": key("p", "deleted")}},
        ]
    )

    stored = everything(dynamodb)
    assert set(stored) == {("p", "created"), ("p", "updated")}
    assert stored["p", "updated"]["note"] == {"S": "after"}
    assert in_group(dynamodb, "g") == [("p", "created")]


def counting_deep_copies(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"items": 0}
    original = Item.__deepcopy__

    def deepcopy(self: Item, memo: dict[int, Any]) -> Item:
        counts["items"] += 1
        return original(self, memo)

    def no_table_copies(self: Table, memo: dict[int, Any]) -> Table:
        raise AssertionError("a transaction deep-copied a whole table")

    monkeypatch.setattr(Item, "__deepcopy__", deepcopy)
    monkeypatch.setattr(Table, "__deepcopy__", no_table_copies, raising=False)
    return counts


def test_a_transaction_copies_only_the_items_it_names(dynamodb, monkeypatch):
    for number in range(300):
        dynamodb.put_item(TableName=TABLE, Item=item("bulk", f"{number:04d}", "bulk"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "checked", status="open"))
    counts = counting_deep_copies(monkeypatch)

    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": TABLE, "Item": item("p", "one")}}]
    )
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("p", "two")}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("p", "checked"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    assert counts["items"] <= 2  # the one existing item named, never the 300 others
    assert len(everything(dynamodb)) == 302


# --- queries per partition -------------------------------------------------------------------


def test_gsi_queries_follow_every_kind_of_write(dynamodb):
    put = dynamodb.put_item
    for number in range(6):
        put(TableName=TABLE, Item=item("p", f"{number}", "a" if number % 2 else "b"))
    assert in_group(dynamodb, "a") == scanned_group(dynamodb, "a")  # first query builds the map

    put(TableName=TABLE, Item=item("p", "1", "b"))  # a replace moves it
    dynamodb.update_item(
        TableName=TABLE,
        Key=key("p", "3"),
        UpdateExpression="SET g1pk = :b",
        ExpressionAttributeValues={":b": {"S": "b"}},
    )
    dynamodb.update_item(TableName=TABLE, Key=key("p", "5"), UpdateExpression="REMOVE g1pk")
    dynamodb.update_item(  # an update that creates the item
        TableName=TABLE,
        Key=key("q", "9"),
        UpdateExpression="SET g1pk = :a, g1sk = :s",
        ExpressionAttributeValues={":a": {"S": "a"}, ":s": {"S": "9"}},
    )
    dynamodb.delete_item(TableName=TABLE, Key=key("p", "0"))
    dynamodb.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": item("r", "7", "a")}},
                {"DeleteRequest": {"Key": key("p", "2")}},
            ]
        }
    )
    dynamodb.execute_statement(Statement=f"UPDATE \"{TABLE}\" SET g1pk='a' WHERE pk='p' AND sk='4'")

    for group in ("a", "b"):
        assert in_group(dynamodb, group) == scanned_group(dynamodb, group)
    assert in_group(dynamodb, "a") == [("p", "4"), ("r", "7"), ("q", "9")]
    assert in_group(dynamodb, "b") == [("p", "1"), ("p", "3")]


def test_queries_page_and_order_as_before(dynamodb):
    for number in range(25):
        dynamodb.put_item(TableName=TABLE, Item=item("p", f"{number:02d}", "g"))
        dynamodb.put_item(TableName=TABLE, Item=item("other", f"{number:02d}", "h"))
    expected = [("p", f"{number:02d}") for number in range(25)]

    assert in_group(dynamodb, "g", Limit=4) == expected
    assert in_group(dynamodb, "g", Limit=7, ScanIndexForward=False) == expected[::-1]
    table_query = {
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "p"}, ":a": {"S": "05"}, ":b": {"S": "14"}},
    }
    assert query_keys(dynamodb, Limit=3, **table_query) == expected[5:15]
    assert query_keys(dynamodb, ScanIndexForward=False, **table_query) == expected[5:15][::-1]
    assert (
        query_keys(
            dynamodb,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "nobody"}},
        )
        == []
    )


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each Query started from (`Table.all_items`, which the patch scopes)."""
    counts: list[int] = []
    patched = Table.all_items

    def all_items(self: Table) -> list[Item]:
        items = patched(self)
        counts.append(len(items))
        return items

    monkeypatch.setattr(Table, "all_items", all_items)
    return counts


def test_a_query_reads_its_partition_not_the_table(dynamodb, read):
    for number in range(300):
        dynamodb.put_item(TableName=TABLE, Item=item("bulk", f"{number:04d}", "bulk"))
    for number in range(3):
        dynamodb.put_item(TableName=TABLE, Item=item("p", f"{number}", "g"))

    assert len(in_group(dynamodb, "g")) == 3
    assert (
        len(
            query_keys(
                dynamodb,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "p"}},
            )
        )
        == 3
    )
    assert read == [3, 3]  # moto alone reads all 303 items for each


def test_a_query_reads_its_page_not_its_partition(dynamodb, read):
    for number in range(300):
        dynamodb.put_item(TableName=TABLE, Item=item("p", f"{number:04d}", "g"))
    between = {":a": {"S": "0100"}, ":b": {"S": "0199"}}

    page = dynamodb.query(
        TableName=TABLE,
        IndexName="gsi1",
        KeyConditionExpression="g1pk = :g AND g1sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":g": {"S": "g"}, **between},
        ScanIndexForward=False,
        Limit=5,
    )
    following = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":p": {"S": "p"}, **between},
        ExclusiveStartKey=page["LastEvaluatedKey"],
        ScanIndexForward=False,
        Limit=5,
    )

    assert [i["sk"]["S"] for i in page["Items"]] == ["0199", "0198", "0197", "0196", "0195"]
    assert [i["sk"]["S"] for i in following["Items"]] == ["0194", "0193", "0192", "0191", "0190"]
    assert read == [6, 6]  # the page and the item after it; moto alone sorts all 300 for each


COMPARISONS = {
    "=": lambda value, low, high: value == low,
    "<": lambda value, low, high: value < low,
    "<=": lambda value, low, high: value <= low,
    ">": lambda value, low, high: value > low,
    ">=": lambda value, low, high: value >= low,
    "BETWEEN": lambda value, low, high: low <= value <= high,
    "begins_with": lambda value, low, high: value.startswith(low),
}
KEYS = st.text(alphabet="abc", min_size=0, max_size=3)


def key_condition(attribute: str, comparison: str) -> str:
    if comparison == "BETWEEN":
        return f"{attribute} BETWEEN :low AND :high"
    if comparison == "begins_with":
        return f"begins_with({attribute}, :low)"
    return f"{attribute} {comparison} :low"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from("ppq"), KEYS, st.sampled_from("ggh"), KEYS),
        min_size=8,
        max_size=40,
    ),
    on_index=st.booleans(),
    comparison=st.sampled_from([None, *COMPARISONS]),
    bounds=st.tuples(*[st.text(alphabet="abc", min_size=1, max_size=3)] * 2),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=7)),
    forward=st.booleans(),
)
def test_queries_answer_as_moto_over_the_whole_table(
    rows, on_index, comparison, bounds, limit, forward
):
    """Any key condition, direction and page size: the pages are the reference's, in order."""
    with mock_aws():
        client = boto3.client("dynamodb")
        create_table(client)
        stored_rows = {}
        for pk, sk, group, group_key in rows:
            sk = sk or "0"
            body = {"pk": {"S": pk}, "sk": {"S": sk}, "g1pk": {"S": group}}
            if group_key:
                body["g1sk"] = {"S": group_key}  # else: not in the index
            client.put_item(TableName=TABLE, Item=body)
            stored_rows[(pk, sk)] = (group, group_key)
        low, high = sorted(bounds)
        if on_index:
            partition, range_attribute = "g1pk = :part", "g1sk"
            values = {":part": {"S": "g"}}
            request: dict[str, Any] = {"IndexName": "gsi1"}
            members = [
                (group_key, pk, sk)
                for (pk, sk), (group, group_key) in stored_rows.items()
                if group == "g" and group_key
            ]
        else:
            partition, range_attribute = "pk = :part", "sk"
            values = {":part": {"S": "p"}}
            request = {}
            members = [(sk, pk, sk) for (pk, sk) in stored_rows if pk == "p"]
        condition = partition
        if comparison is not None:
            condition += " AND " + key_condition(range_attribute, comparison)
            values[":low"] = {"S": low}
            if comparison == "BETWEEN":
                values[":high"] = {"S": high}
            members = [m for m in members if COMPARISONS[comparison](m[0], low, high)]
        expected = [(pk, sk) for _, pk, sk in sorted(members, reverse=not forward)]
        if limit is not None:
            request["PaginationConfig"] = {"PageSize": limit}

        pages = client.get_paginator("query").paginate(
            TableName=TABLE,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=forward,
            **request,
        )
        answered = [[(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]] for page in pages]

    assert [row for page in answered for row in page] == expected
    if limit is not None:
        assert all(len(page) == limit for page in answered[:-1] if page)


# --- instances tracked weakly ----------------------------------------------------------------


def stored_item(pk: str, sk: str) -> Item:
    table = dynamodb_backends["123456789012"]["us-east-1"].get_table(TABLE)
    found = table.get_item(DynamoType({"S": pk}), DynamoType({"S": sk}))
    assert found is not None
    return found


def test_an_item_moto_no_longer_stores_is_freed(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=item("p", "replaced", status="first"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "deleted"))
    replaced = weakref.ref(stored_item("p", "replaced"))
    deleted = weakref.ref(stored_item("p", "deleted"))

    dynamodb.put_item(TableName=TABLE, Item=item("p", "replaced", status="second"))
    dynamodb.delete_item(TableName=TABLE, Key=key("p", "deleted"))
    dynamodb.transact_write_items(  # moto and `rollback` copy the item; neither copy is kept
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key("p", "replaced"),
                    "UpdateExpression": "SET #s = :third",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":third": {"S": "third"}},
                }
            }
        ]
    )
    gc.collect()

    assert replaced() is None
    assert deleted() is None
    assert everything(dynamodb)["p", "replaced"]["status"] == {"S": "third"}


def test_moto_still_tracks_every_live_instance_in_order(dynamodb):
    reset_model_data()  # moto's reset: plain lists again, made weak on the next instance
    for number in range(3):
        dynamodb.put_item(TableName=TABLE, Item=item("p", f"{number}"))
    dynamodb.put_item(TableName=TABLE, Item=item("p", "1", status="replaced"))
    gc.collect()

    live = [stored_item("p", f"{number}") for number in range(3)]
    tracked = list(Item.instances_tracked)  # what moto's dashboard lists
    assert isinstance(Item.instances_tracked, WeakInstances)
    assert [i for i in tracked if any(i is stored for stored in live)] == [
        live[0],
        live[2],
        live[1],
    ]
    assert len(Item.instances_tracked) == len(tracked)


def test_an_instance_without_weak_references_is_held_as_moto_holds_it():
    class Slotted:
        __slots__ = ("name",)

    tracked = WeakInstances()
    kept = Slotted()
    tracked.append(kept)
    del kept
    gc.collect()

    assert len(tracked) == 1


# --- S3 bodies on disk -------------------------------------------------------------------------

BUCKET = "localaws-bodies"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def stored_key(name: str) -> Any:
    return s3_backends["123456789012"]["aws"].get_object(BUCKET, name)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_an_s3_body_is_a_file_on_disk_and_reads_back_the_same(s3):
    body = bytes(range(256)) * 100

    s3.put_object(Bucket=BUCKET, Key="certificate.pdf", Body=body)

    held = stored_key("certificate.pdf")._value_buffer
    assert isinstance(held, FileBody)
    assert held.path.read_bytes() == body
    answer = s3.get_object(Bucket=BUCKET, Key="certificate.pdf")
    assert answer["Body"].read() == body
    assert answer["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    ranged = s3.get_object(Bucket=BUCKET, Key="certificate.pdf", Range="bytes=10-19")
    assert ranged["Body"].read() == body[10:20]


def test_s3_bodies_hold_no_open_files(s3):
    s3.put_object(Bucket=BUCKET, Key="first", Body=b"x")
    before = open_descriptors()

    for number in range(100):
        s3.put_object(Bucket=BUCKET, Key=f"{number}", Body=b"%d" % number * 1000)

    assert open_descriptors() <= before
    assert s3.get_object(Bucket=BUCKET, Key="42")["Body"].read() == b"42" * 1000


def test_a_replaced_or_deleted_body_leaves_no_file(s3):
    s3.put_object(Bucket=BUCKET, Key="kept", Body=b"first")
    directory = stored_key("kept")._value_buffer.path.parent
    s3.put_object(Bucket=BUCKET, Key="kept", Body=b"second")
    s3.put_object(Bucket=BUCKET, Key="deleted", Body=b"gone")
    s3.delete_object(Bucket=BUCKET, Key="deleted")
    gc.collect()

    files = {path.read_bytes() for path in directory.iterdir()}

    assert b"second" in files
    assert not files & {b"first", b"gone"}
    assert s3.get_object(Bucket=BUCKET, Key="kept")["Body"].read() == b"second"


def test_copies_and_versions_keep_their_own_bodies(s3):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="revised", Body=b"revision 1")["VersionId"]
    s3.copy_object(Bucket=BUCKET, Key="copy", CopySource={"Bucket": BUCKET, "Key": "revised"})
    s3.put_object(Bucket=BUCKET, Key="revised", Body=b"revision 2")

    def read(name: str, **version: str) -> bytes:
        return bytes(s3.get_object(Bucket=BUCKET, Key=name, **version)["Body"].read())

    assert read("revised") == b"revision 2"
    assert read("revised", VersionId=first) == b"revision 1"
    assert read("copy") == b"revision 1"


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("write"), st.binary(max_size=40)),
            st.tuples(st.just("read"), st.integers(min_value=-1, max_value=50)),
            st.tuples(st.just("seek"), st.integers(min_value=0, max_value=60)),
            st.tuples(st.just("seek_end"), st.integers(min_value=-10, max_value=0)),
            st.tuples(st.just("truncate"), st.none() | st.integers(min_value=0, max_value=60)),
        ),
        max_size=25,
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_file_body_answers_as_an_in_memory_file(operations):
    with tempfile.TemporaryDirectory() as directory:
        body, reference = FileBody(Path(directory)), io.BytesIO()
        for name, argument in operations:
            if name == "write":
                assert body.write(argument) == reference.write(argument)
            elif name == "read":
                assert body.read(argument) == reference.read(argument)
            elif name == "seek":
                assert body.seek(argument) == reference.seek(argument)
            elif name == "seek_end":
                assert body.seek(argument, os.SEEK_END) == reference.seek(argument, os.SEEK_END)
            else:
                assert body.truncate(argument) == reference.truncate(argument)
            assert body.tell() == reference.tell()
        body.seek(0)
        assert body.read() == reference.getvalue()
        body.close()
        assert not body.path.exists()
        with pytest.raises(ValueError, match="closed file"):  # as a closed file says
            body.read()


# --- one request at a time, across the threads of moto's server -----------------------------


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's threaded server, as `make run` runs it, with the semantics installed.

    Every item read returns 2 ms late, so that a request's check and its write lie far enough apart
    for another thread to write between them, unless the request holds the lock throughout.
    """
    localaws.DynamoSemantics().install(monkeypatch.setattr)
    read = Table.get_item

    def slow_get_item(self: Table, *args: Any, **kwargs: Any) -> Item | None:
        found = read(self, *args, **kwargs)
        time.sleep(0.002)  # before the caller acts on what it read
        return found

    monkeypatch.setattr(Table, "get_item", slow_get_item)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        create_table(client)
        yield client
    finally:
        requests.post(f"{endpoint}/moto-api/reset", timeout=10)
        server.stop()


def race(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(n)` for n in range(count), all released at once; exceptions are results."""
    start = threading.Barrier(count)

    def run(number: int) -> Any:
        start.wait()
        try:
            return action(number)
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_racing_conditional_writes_let_exactly_one_win(moto_server):
    outcomes = race(
        8,
        lambda n: moto_server.put_item(
            TableName=TABLE,
            Item=item("claim", "job-1", writer=str(n)),
            ConditionExpression="attribute_not_exists(pk)",
        ),
    )

    codes = [o for o in outcomes if isinstance(o, str)]
    assert codes == ["ConditionalCheckFailedException"] * 7


def test_racing_transactions_commit_or_roll_back_whole(moto_server):
    moto_server.put_item(TableName=TABLE, Item={**key("counter", "c"), "version": {"N": "0"}})

    def claim(number: int) -> str:
        for _ in range(40):  # optimistic locking: read the version, write under it, retry
            version = moto_server.get_item(TableName=TABLE, Key=key("counter", "c"))["Item"]
            try:
                moto_server.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": TABLE, "Item": item("job", f"{number}", "g")}},
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": key("counter", "c"),
                                "UpdateExpression": "SET version = version + :one",
                                "ConditionExpression": "version = :seen",
                                "ExpressionAttributeValues": {
                                    ":one": {"N": "1"},
                                    ":seen": version["version"],
                                },
                            }
                        },
                    ]
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    return error.response["Error"]["Code"]
                continue
            return "committed"
        return "gave up"

    outcomes = race(8, claim)

    stored = everything(moto_server)
    jobs = [k for k in stored if k[0] == "job"]
    assert int(stored["counter", "c"]["version"]["N"]) == outcomes.count("committed") == len(jobs)
    assert in_group(moto_server, "g") == sorted(jobs)
