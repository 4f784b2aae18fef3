"""A short soak of `make run`'s stack with bench/soak.py's driver: concurrent clients dispatching
distinct jobs, then parallel sends of one job. Every answer as expected, every job bound once."""

from __future__ import annotations

import pytest

from bench.soak import Soak, call, process_group_rss, set_up

pytestmark = pytest.mark.acceptance


def test_four_clients_dispatching_300_jobs_bind_each_exactly_once(stack):
    setup = set_up(lambda *request: call(stack.port, *request), stack.admin_key)
    soak = Soak(stack.port, setup, rss=lambda: process_group_rss(stack.process.pid))

    soak.concurrent(clients=4, per_client=75)
    repeated_binds = soak.repeated(sends=10)

    assert soak.errors == []
    assert repeated_binds == 1
    assert len(soak.dispatches) == 310
    assert soak.check_one_bind_per_job() == []
