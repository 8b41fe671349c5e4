"""The worker against the real mini-DNS: a reachable nameserver makes zones ACTIVE, an
unreachable one leaves them PENDING, then ERROR, with the nameserver named as the reason."""

from __future__ import annotations

import asyncio
import socket

from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import Status
from zonekeeper.service import context, pools, propagation, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


async def until_settled(worker: Worker, env: ServiceEnv, zone_id: str, rounds: int = 50) -> None:
    """Run the worker until the zone is neither due nor in flight."""
    for _ in range(rounds):
        await worker.run_once()
        await asyncio.sleep(0.05)
        zone = await zones.get(ADMIN, env, zone_id)
        if zone.status is not Status.PENDING and not worker.busy:
            return


async def test_zone_and_recordset_become_active(env: ServiceEnv) -> None:
    mini_dns = MiniDns(env.db, env.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    host, port = await mini_dns.start()
    try:
        await pools.ensure_default_pool(env, [(host, port)])
        worker = Worker(env)
        zone = await zones.create(ADMIN, env, {"name": "w.example.", "email": "a@w.example"})
        rs = await recordsets.create(
            ADMIN, env, zone.id, {"name": "www.w.example.", "type": "A", "records": ["192.0.2.1"]}
        )
        await until_settled(worker, env, zone.id)
        active = await zones.get(ADMIN, env, zone.id)
        assert active.status is Status.ACTIVE and active.serial == rs.serial
        assert (await recordsets.get(ADMIN, env, zone.id, rs.id)).status is Status.ACTIVE
        state = await propagation.sync(ADMIN, env, zone.id)
        assert [(n.host, n.port, n.served_serial, n.status) for n in state.nameservers] == [
            (host, port, rs.serial, "ACTIVE")
        ]
        assert [(t.target, t.status) for t in state.targets] == [("embedded", "ACTIVE")]
    finally:
        await mini_dns.stop()


async def test_unreachable_nameserver_is_named_and_zone_turns_error(env: ServiceEnv) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))  # bound but never read: queries time out
        port = sock.getsockname()[1]
        await pools.ensure_default_pool(env, [("127.0.0.1", port)])
        worker = Worker(env)
        zone = await zones.create(ADMIN, env, {"name": "x.example.", "email": "a@x.example"})
        for _ in range(env.settings.worker.max_attempts):
            await worker.reconcile(await zones.get(ADMIN, env, zone.id))
    failed = await zones.get(ADMIN, env, zone.id)
    assert failed.status is Status.ERROR
    assert failed.last_error == f"127.0.0.1:{port} timeout"
    state = await propagation.sync(ADMIN, env, zone.id)
    assert [(n.port, n.status, n.reason) for n in state.nameservers] == [
        (port, "PENDING", "timeout")
    ]


async def test_worker_sleeps_only_until_the_next_retry(env: ServiceEnv) -> None:
    await pools.ensure_default_pool(env, [("127.0.0.1", 9)])
    worker = Worker(env)
    assert await worker._idle_time() == env.settings.worker.sweep_interval  # nothing waiting
    await zones.create(ADMIN, env, {"name": "soon.example.", "email": "a@soon.example"})
    assert await worker._idle_time() <= 0.01  # due now


async def test_a_newer_change_supersedes_the_attempt_in_flight(env: ServiceEnv) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))  # never answers: the first attempt keeps polling
        await pools.ensure_default_pool(env, [("127.0.0.1", sock.getsockname()[1])])
        worker = Worker(env)
        zone = await zones.create(ADMIN, env, {"name": "s.example.", "email": "a@s.example"})
        assert await worker.run_once() == 1
        first = worker.attempt(zone.id)
        assert first is not None
        assert await worker.run_once() == 0 and not first.superseded.is_set()  # same serial

        rs = await recordsets.create(
            ADMIN, env, zone.id, {"name": "a.s.example.", "type": "A", "records": ["192.0.2.1"]}
        )
        assert await worker.run_once() == 0 and first.superseded.is_set()
        # Its polls of a silent server alone would take over 10 s (8 polls of a 1 s timeout,
        # with backoff); superseded, it gives up at its next wait.
        await asyncio.wait_for(first.task, 5.0)
        assert (await zones.get(ADMIN, env, zone.id)).attempts == 0  # nothing recorded
        assert await worker.run_once() == 1
        second = worker.attempt(zone.id)
        assert second is not None and second.zone.serial == rs.serial
        await worker.cancel_attempts()
