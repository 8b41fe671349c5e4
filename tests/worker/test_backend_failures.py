"""A target failing on its side (PowerDNS's HTTP 5xx) is tried again at once, and a failure
that remains is logged at WARNING naming the zone and the target."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.worker.memory_backend import MemoryBackend, memory_pool, registered
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import Status
from zonekeeper.service import context, propagation, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryBackend]:
    with registered(monkeypatch) as backend:
        yield backend


@pytest.fixture
async def worker(env: ServiceEnv, memory: MemoryBackend) -> AsyncIterator[Worker]:
    """A worker whose pool is the memory target, served (and polled) at a real mini-DNS."""
    mini_dns = MiniDns(env.db, env.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    await memory_pool(env, [await mini_dns.start()])
    try:
        yield Worker(env)
    finally:
        await mini_dns.stop()


async def test_one_transient_failure_is_retried_at_once(
    env: ServiceEnv, worker: Worker, memory: MemoryBackend, caplog: pytest.LogCaptureFixture
) -> None:
    zone = await zones.create(ADMIN, env, {"name": "t.example.", "email": "a@t.example"})
    memory.failures = 1

    await worker.reconcile(zone)

    assert memory.calls["create_zone"] == 2 and "t.example." in memory.zones
    assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE  # in this attempt
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_failure_that_remains_is_a_warning_naming_zone_and_target(
    env: ServiceEnv, worker: Worker, memory: MemoryBackend, caplog: pytest.LogCaptureFixture
) -> None:
    zone = await zones.create(ADMIN, env, {"name": "u.example.", "email": "a@u.example"})
    memory.failures = 2

    await worker.reconcile(zone)

    assert memory.calls["create_zone"] == 2  # once more, not in a loop
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"provisioning zone u.example. ({zone.id}) on memory failed: HTTP 500: database is locked"
    ]
    state = await propagation.sync(ADMIN, env, zone.id)
    assert [(t.target, t.status) for t in state.targets] == [("memory", "ERROR")]
    assert (await zones.get(ADMIN, env, zone.id)).status is Status.PENDING


async def test_a_refresh_is_retried_at_once_and_a_remaining_failure_is_a_warning(
    env: ServiceEnv, worker: Worker, memory: MemoryBackend, caplog: pytest.LogCaptureFixture
) -> None:
    zone = await zones.create(ADMIN, env, {"name": "v.example.", "email": "a@v.example"})
    await worker.reconcile(zone)  # provisioned: later changes are refreshed
    memory.failures = 1
    await worker.reconcile(zone)
    assert memory.calls["refresh_zone"] == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    memory.failures = 2
    await worker.reconcile(zone)
    assert memory.calls["refresh_zone"] == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"refreshing zone v.example. ({zone.id}) on memory failed: HTTP 500: database is locked"
    ]
