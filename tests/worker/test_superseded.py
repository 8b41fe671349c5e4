"""Attempts overtaken by a newer change: the claim never hides that change behind a lease, and
what the attempt already did on the targets is kept, so the next one does not do it again."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from tests.worker.memory_backend import MemoryBackend, memory_pool, registered
from zonekeeper.service import context, propagation, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")
WWW = {"name": "www.s.example.", "type": "A", "records": ["192.0.2.1"]}


@pytest.fixture
def silent_socket() -> Iterator[socket.socket]:
    """A UDP socket that never answers: SOA polls time out, attempts keep polling. Reading it
    shows that an attempt has got as far as polling."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        yield sock


@pytest.fixture
def silent_nameserver(silent_socket: socket.socket) -> tuple[str, int]:
    host, port = silent_socket.getsockname()
    return host, port


async def polled(sock: socket.socket) -> None:
    """Wait (generously) for the next SOA query an attempt sends to the silent nameserver."""
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.sock_recv(sock, 512), 10)


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryBackend]:
    with registered(monkeypatch) as backend:
        yield backend


async def test_a_change_between_the_read_and_the_claim_stays_due(
    env: ServiceEnv, silent_nameserver: tuple[str, int], memory: MemoryBackend
) -> None:
    await memory_pool(env, [silent_nameserver])
    worker = Worker(env)
    zone = await zones.create(ADMIN, env, {"name": "s.example.", "email": "a@s.example"})
    async with env.db.read() as conn:
        (stale,) = await changes.due_zones(conn, env.now(), 10)
    rs = await recordsets.create(ADMIN, env, zone.id, WWW)  # commits after the worker's read

    assert not await worker._claim(stale)
    async with env.db.read() as conn:
        due = await changes.due_zones(conn, env.now(), 10)
    # Still due at once, at the new serial: not pushed a lease (15 s) ahead.
    assert [(z.id, z.serial) for z in due] == [(zone.id, rs.serial)]
    assert await worker._claim(due[0])


async def test_a_superseded_attempt_keeps_what_it_provisioned(
    env: ServiceEnv,
    silent_socket: socket.socket,
    silent_nameserver: tuple[str, int],
    memory: MemoryBackend,
) -> None:
    await memory_pool(env, [silent_nameserver])
    worker = Worker(env)
    zone = await zones.create(ADMIN, env, {"name": "s.example.", "email": "a@s.example"})
    assert await worker.run_once() == 1
    first = worker.attempt(zone.id)
    assert first is not None
    await polled(silent_socket)  # provisioned, and polling the silent nameserver
    assert memory.calls["create_zone"] == 1

    await recordsets.create(ADMIN, env, zone.id, WWW)
    await worker.run_once()
    # Superseded, it stops at its next wait (its polls alone would take over 10 s) and
    # records no verdict.
    await asyncio.wait_for(first.task, 5.0)
    state = await propagation.sync(ADMIN, env, zone.id)
    assert [(t.target, t.status) for t in state.targets] == [("memory", "ACTIVE")]

    assert await worker.run_once() == 1
    await polled(silent_socket)  # the next attempt is polling too
    assert memory.calls["create_zone"] == 1  # not provisioned a second time
    await worker.cancel_attempts()
