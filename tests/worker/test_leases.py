"""Leases between workers sharing one database (PostgreSQL, MariaDB): two workers, each on
its own engine as two processes would be, never reconcile one zone at the same time, and the
zone of a worker killed mid-push is taken over once its lease has run out."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import databases
from tests.service.conftest import Clock
from zonekeeper.config import Settings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import Status, Zone
from zonekeeper.service import context, pools, zones
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage.database import Database
from zonekeeper.worker import reconciler
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


@dataclass(frozen=True, slots=True)
class Push:
    """One reconcile of a zone by a worker, from start to end (monotonic seconds)."""

    zone_id: str
    worker: str
    start: float
    end: float


class WatchedWorker(Worker):
    """A real worker that notes each reconcile it runs, and whether it is running one."""

    def __init__(self, env: ServiceEnv, name: str, pushes: list[Push]) -> None:
        super().__init__(env)
        self.name, self.pushes = name, pushes
        self.started: asyncio.Event = asyncio.Event()

    async def reconcile(self, zone: Zone) -> None:
        start = time.monotonic()
        self.started.set()
        try:
            await super().reconcile(zone)
        finally:
            self.pushes.append(Push(zone.id, self.name, start, time.monotonic()))


@pytest.fixture(params=["postgres", "mariadb"])
def shared_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
async def envs(
    shared_url: str, clock: Clock, tmp_path: Path
) -> AsyncIterator[tuple[ServiceEnv, ServiceEnv]]:
    """Two ServiceEnvs on the shared database, each with its own engine (emptied first)."""
    settings = Settings(data_dir=tmp_path)
    settings.worker.poll_timeout = 0.2
    settings.quotas.zones = 100
    first, second = Database(shared_url), Database(shared_url)
    await databases.empty(first)
    try:
        yield (
            ServiceEnv(db=first, settings=settings, now=clock.now),
            ServiceEnv(db=second, settings=settings, now=clock.now),
        )
    finally:
        await first.close()
        await second.close()


@pytest.fixture
def silent_nameserver() -> Iterator[int]:
    """A UDP port bound but never read: SOA queries and NOTIFYs there time out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_two_workers_never_push_one_zone_at_once(
    envs: tuple[ServiceEnv, ServiceEnv],
) -> None:
    one, two = envs
    mini_dns = MiniDns(one.db, one.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    host, port = await mini_dns.start()
    pushes: list[Push] = []
    workers = [WatchedWorker(one, "one", pushes), WatchedWorker(two, "two", pushes)]
    try:
        await pools.ensure_default_pool(one, [(host, port)])
        made = [
            await zones.create(ADMIN, one, {"name": f"z{i}.example.", "email": "a@example.org"})
            for i in range(20)
        ]
        deadline = time.monotonic() + 60  # generous: the machine may be busy
        while time.monotonic() < deadline:
            await asyncio.gather(*(worker.run_once() for worker in workers))
            await asyncio.sleep(0.05)
            if await _all_active(one, made) and not any(w.busy for w in workers):
                break
    finally:
        await mini_dns.stop()
    assert await _all_active(one, made)
    assert {push.zone_id for push in pushes} == {zone.id for zone in made}
    for zone in made:
        mine = sorted((p for p in pushes if p.zone_id == zone.id), key=lambda p: p.start)
        for earlier, later in itertools.pairwise(mine):
            assert later.start >= earlier.end, (zone.name, earlier, later)


async def test_a_killed_workers_zone_is_taken_over_after_its_lease(
    envs: tuple[ServiceEnv, ServiceEnv], clock: Clock, silent_nameserver: int
) -> None:
    one, two = envs
    await pools.ensure_default_pool(one, [("127.0.0.1", silent_nameserver)])
    zone = await zones.create(ADMIN, one, {"name": "held.example.", "email": "a@example.org"})
    pushes: list[Push] = []
    holder, heir = WatchedWorker(one, "holder", pushes), WatchedWorker(two, "heir", pushes)

    running = asyncio.create_task(holder.run())
    await asyncio.wait_for(holder.started.wait(), 5)  # claimed, and polling a silent server
    running.cancel()  # killed mid-push: the lease stays in the database
    await asyncio.gather(running, return_exceptions=True)
    await one.db.close()

    assert await heir.run_once() == 0  # not due: the holder's lease still runs
    clock.advance(reconciler.LEASE.total_seconds() - 1)
    assert await heir.run_once() == 0
    clock.advance(2)
    assert await heir.run_once() == 1
    await asyncio.wait_for(heir.started.wait(), 5)
    assert [(p.worker, p.zone_id) for p in pushes] == [("holder", zone.id)]  # heir still at it
    await heir.cancel_attempts()
    assert [p.worker for p in pushes] == ["holder", "heir"]


async def _all_active(env: ServiceEnv, made: list[Zone]) -> bool:
    current = [await zones.get(ADMIN, env, zone.id) for zone in made]
    return all(zone.status is Status.ACTIVE for zone in current)
