"""API keys: listed (never the key itself), revoked at once, rotated by a platform itself."""

from __future__ import annotations

from tests.functional.conftest import ADMIN_KEY, Api


def own_id(api: Api, key: str) -> str:
    """The id of the key making the call (the platform's keys list shows its last four)."""
    _, page = api.json("GET", "/v1/api-keys", key)
    (mine,) = [k for k in page["data"] if k["last4"] == key[-4:]]
    return str(mine["id"])


def test_a_platform_rotates_its_key_without_an_admin(api: Api, platform_key: str) -> None:
    old_id = own_id(api, platform_key)
    status, created = api.json("POST", "/v1/api-keys", platform_key, {"role": "platform"})
    assert status == 201, created
    new_key = created["api_key"]
    assert new_key.startswith("jcp_") and created["last4"] == new_key[-4:]
    assert created["revoked_at"] is None
    assert api.json("GET", "/v1/customers", new_key)[0] == 200

    _, page = api.json("GET", "/v1/api-keys", new_key)
    assert {k["id"] for k in page["data"]} == {old_id, created["id"]}
    assert all("api_key" not in k and set(k) >= {"last4", "created_at"} for k in page["data"])
    assert platform_key not in str(page) and new_key not in str(page)

    status, revoked = api.json("DELETE", f"/v1/api-keys/{old_id}", new_key)
    assert (status, revoked["id"]) == (200, old_id)
    assert revoked["revoked_at"] is not None
    # The very next request with the old key is refused; the new one works.
    status, error = api.json("GET", "/v1/customers", platform_key)
    assert (status, error["error"]["code"]) == (401, "unauthenticated")
    assert api.json("GET", "/v1/customers", new_key)[0] == 200
    # Revoking again changes nothing.
    again = api.json("DELETE", f"/v1/api-keys/{old_id}", new_key)
    assert again == (200, revoked)
    listed = {k["id"]: k for k in api.json("GET", "/v1/api-keys", new_key)[1]["data"]}
    assert listed[old_id]["revoked_at"] == revoked["revoked_at"]
    assert listed[created["id"]]["revoked_at"] is None


def test_a_platform_manages_only_its_own_platform_keys(
    api: Api, platform_key: str, other_platform_key: str
) -> None:
    status, _ = api.json("POST", "/v1/api-keys", platform_key, {"role": "underwriter"})
    assert status == 403
    other_id = own_id(api, other_platform_key)
    _, platforms = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Third"})
    status, _ = api.json(
        "POST", "/v1/api-keys", platform_key, {"role": "platform", "platform": platforms["id"]}
    )
    assert status == 404
    assert api.json("DELETE", f"/v1/api-keys/{other_id}", platform_key)[0] == 404
    _, underwriter = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})
    assert api.json("DELETE", f"/v1/api-keys/{underwriter['id']}", platform_key)[0] == 404
    assert api.json("GET", "/v1/customers", other_platform_key)[0] == 200
    _, page = api.json("GET", "/v1/api-keys", platform_key)
    assert other_id not in {k["id"] for k in page["data"]}


def test_an_admin_lists_and_revokes_every_key(api: Api, platform_key: str) -> None:
    _, underwriter = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})
    assert underwriter["role"] == "underwriter" and underwriter["platform"] is None
    platform_id = own_id(api, platform_key)
    _, page = api.json("GET", "/v1/api-keys?limit=100", ADMIN_KEY)
    assert {underwriter["id"], platform_id} <= {k["id"] for k in page["data"]}
    status, revoked = api.json("DELETE", f"/v1/api-keys/{underwriter['id']}", ADMIN_KEY)
    assert status == 200 and revoked["revoked_at"]
    assert api.json("GET", "/v1/referrals", underwriter["api_key"])[0] == 401
    assert api.json("DELETE", "/v1/api-keys/key_00000000000000000000000000", ADMIN_KEY)[0] == 404
    _, first = api.json("GET", "/v1/api-keys?limit=1", ADMIN_KEY)
    assert first["has_more"] is True
    _, rest = api.json(
        "GET", f"/v1/api-keys?limit=100&starting_after={first['data'][0]['id']}", ADMIN_KEY
    )
    assert first["data"][0]["id"] not in {k["id"] for k in rest["data"]}
    assert len(rest["data"]) == len(page["data"]) - 1


def test_a_replayed_key_creation_shows_no_key(api: Api, platform_key: str) -> None:
    headers = {"Idempotency-Key": "rotate-1"}
    body = {"role": "platform"}
    status, first = api.json("POST", "/v1/api-keys", platform_key, body, headers=headers)
    assert status == 201 and first["api_key"]
    status, replay = api.json("POST", "/v1/api-keys", platform_key, body, headers=headers)
    assert status == 201 and replay["api_key"] is None and replay["id"] == first["id"]


def test_revoking_a_key_right_after_creating_it_reads_no_index(api: Api, platform_key: str):
    """The key's directory item is written with it, so revocation reads it consistently (a gsi3
    entry may lag a key created a moment ago; DynamoDB's global indexes are eventual)."""
    from chalicelib.bootstrap import container

    status, created = api.json("POST", "/v1/api-keys", platform_key, {"role": "platform"})
    assert status == 201, created
    queries: list[str] = []

    def record(params: dict[str, object], **_: object) -> None:
        queries.append(str(params.get("IndexName")))

    client = container().dynamodb
    client.meta.events.register("provide-client-params.dynamodb.Query", record)
    try:
        status, revoked = api.json("DELETE", f"/v1/api-keys/{created['id']}", platform_key)
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.Query", record)
    assert (status, revoked["revoked_at"] is not None) == (200, True)
    assert queries == []


def test_a_key_stored_before_directory_items_is_still_found_by_id(
    api: Api, platform_key: str
) -> None:
    from chalicelib.adapters.dynamodb.parties import api_key_directory
    from chalicelib.bootstrap import container

    status, created = api.json("POST", "/v1/api-keys", platform_key, {"role": "platform"})
    assert status == 201, created
    app = container()
    app.table.client.delete_item(  # as a key written before this change was stored
        TableName=app.table.name,
        Key={"pk": {"S": api_key_directory(created["id"])}, "sk": {"S": "KEY"}},
    )

    status, revoked = api.json("DELETE", f"/v1/api-keys/{created['id']}", platform_key)

    assert (status, revoked["id"]) == (200, created["id"])
    assert api.json("GET", "/v1/customers", created["api_key"])[0] == 401
