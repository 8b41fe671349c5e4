"""A `zonekeeper worker` process killed (SIGKILL) while it holds a zone: a second worker
process leaves the zone alone while the lease runs and takes it over once it has run out, on
PostgreSQL and on MariaDB."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import databases
from tests.e2e.serve import Serve
from zonekeeper.config import Settings
from zonekeeper.service import context, pools, zones
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import zones as zones_table
from zonekeeper.worker.reconciler import LEASE

pytestmark = pytest.mark.e2e

SWEEP = {"ZONEKEEPER_WORKER__SWEEP_INTERVAL": "0.2", "ZONEKEEPER_WORKER__POLL_TIMEOUT": "0.2"}


@pytest.fixture(params=["postgres", "mariadb"])
def shared_database(request: pytest.FixtureRequest) -> Iterator[str]:
    scratch = (
        databases.scratch_postgres if request.param == "postgres" else databases.scratch_mariadb
    )
    with scratch("zk_leases") as url:
        yield url


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A nameserver that never answers: a worker holding the zone keeps polling it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_killed_workers_zone_is_taken_over_after_its_lease(
    tmp_path: Path, shared_database: str, silent_port: int
) -> None:
    zone_id = asyncio.run(_zone_on_a_silent_pool(shared_database, tmp_path, silent_port))
    holder = Serve(tmp_path / "holder", database_url=shared_database, env=SWEEP, command="worker")
    heir: Serve | None = None
    try:
        lease_end = _wait_for_claim(shared_database, zone_id, after=None)
        holder.kill()  # mid-push: the lease stays in the database
        heir = Serve(tmp_path / "heir", database_url=shared_database, env=SWEEP, command="worker")
        time.sleep(max(0.0, (lease_end - utcnow()).total_seconds() - 2))
        assert _claimed_until(shared_database, zone_id) == lease_end  # untouched while it runs
        taken = _wait_for_claim(shared_database, zone_id, after=lease_end)
        assert taken > lease_end
    finally:
        for process in (holder, heir):
            if process is not None and process.process.poll() is None:
                process.terminate()


async def _zone_on_a_silent_pool(url: str, data_dir: Path, port: int) -> str:
    env = ServiceEnv(db=Database(url), settings=Settings(data_dir=data_dir))
    try:
        await pools.ensure_default_pool(env, [("127.0.0.1", port)])
        body = {"name": "held.example.", "email": "a@example.org"}
        return (await zones.create(context.internal("p1"), env, body)).id
    finally:
        await env.db.close()


def _wait_for_claim(url: str, zone_id: str, after: datetime | None) -> datetime:
    """When the zone's lease ends, once a worker has claimed it (past ``after``)."""
    deadline = time.monotonic() + LEASE.total_seconds() + 20
    until = None
    while time.monotonic() < deadline:
        until = _claimed_until(url, zone_id)
        if until is not None and until > utcnow() + LEASE / 2 and (after is None or until > after):
            return until
        time.sleep(0.1)
    raise AssertionError(f"no worker claimed the zone (lease until {until})")


def _claimed_until(url: str, zone_id: str) -> datetime | None:
    async def read() -> datetime | None:
        db = Database(url)
        try:
            stmt = select(zones_table.c.next_attempt_at).where(zones_table.c.id == zone_id)
            async with db.read() as conn:
                until: datetime | None = (await conn.execute(stmt)).scalar_one()
            return until
        finally:
            await db.close()

    return asyncio.run(read())
