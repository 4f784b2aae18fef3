from tests.functional.conftest import contractor_body


def test_health_needs_no_key(api):
    assert api.json("GET", "/v1/health") == (200, {"status": "ok"})


def test_contractor_round_trip(api, platform_key):
    status, created = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    assert status == 201, created
    assert created["tin_last4"] == "6789"
    assert "tin" not in created
    status, fetched = api.json("GET", f"/v1/contractors/{created['id']}", platform_key)
    assert status == 200
    assert fetched == created
