"""The foundation over HTTP against `make run`'s stack."""

from __future__ import annotations

import socket
import threading

import pytest

pytestmark = pytest.mark.acceptance


def contractor(**overrides):
    body = {
        "legal_name": "Sam Ortiz",
        "entity_type": "llc",
        "tin_type": "fein",
        "tin": "12-3456789",
        "has_employees": True,
        "employee_count": 2,
        "email": "sam@example.com",
        "address": {"line1": "5 Elm", "city": "Austin", "state": "TX", "postal_code": "78701"},
        "years_in_business": 3.5,
    }
    body.update(overrides)
    return body


def test_health_and_reference_pages(stack):
    assert stack.call("GET", "/v1/health").json() == {"status": "ok"}
    spec = stack.call("GET", "/openapi.json").json()
    assert "/v1/platforms" in spec["paths"]
    assert "text/html" in stack.call("GET", "/docs").headers["Content-Type"]


def test_printed_keys_work_and_platforms_are_created_by_admin(stack):
    assert stack.call("GET", "/v1/contractors", stack.platform_key).status_code == 200
    created = stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Other"})
    assert created.status_code == 201
    key = created.json()["api_key"]
    assert stack.call("GET", "/v1/contractors", key).json() == {"data": [], "has_more": False}


def test_contractor_with_employees_needs_fein(stack):
    answer = stack.call(
        "POST",
        "/v1/contractors",
        stack.platform_key,
        json=contractor(tin_type="ssn", tin="123456789"),
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "fein_required"


def test_contractor_round_trip_hides_tin(stack):
    created = stack.call("POST", "/v1/contractors", stack.platform_key, json=contractor())
    assert created.status_code == 201
    body = created.json()
    assert body["tin_last4"] == "6789" and "tin" not in body
    assert "123456789" not in created.text and "12-3456789" not in created.text
    assert body["years_in_business"] == 3.5 and body["experience_mod"] == "1.00"


def test_unknown_route_and_malformed_json(stack):
    missing = stack.call("GET", "/v1/nowhere", stack.platform_key)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    broken = stack.call(
        "POST",
        "/v1/customers",
        stack.platform_key,
        data="{oops",
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed_json"


def test_eight_concurrent_retries_with_one_key_create_one_customer(stack):
    created = stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Race"})
    key = created.json()["api_key"]
    body = {
        "name": "Race Property",
        "address": {"line1": "1 A", "city": "Reno", "state": "NV", "postal_code": "89501"},
    }
    barrier = threading.Barrier(8)
    answers = []

    def post():
        barrier.wait()
        answers.append(
            stack.call(
                "POST", "/v1/customers", key, json=body, headers={"Idempotency-Key": "race-1"}
            )
        )

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert all(
        a.json()["error"]["code"] == "idempotency_in_progress"
        for a in answers
        if a.status_code == 409
    )
    assert len(stack.call("GET", "/v1/customers", key).json()["data"]) == 1
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1


def test_sigterm_stops_cleanly_and_frees_the_port():
    from tests.acceptance.conftest import start_stack, stop_stack

    running = start_stack()
    assert running.call("GET", "/v1/health").status_code == 200
    assert stop_stack(running.process), "the stack needed SIGKILL or left a process behind"
    with socket.socket() as sock:
        # As a restarted server would: SO_REUSEADDR tolerates TIME_WAIT, never a live listener.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", running.port))  # fails if an orphan still listens there
