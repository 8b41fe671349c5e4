"""Audits: a nameserver that stops serving an ACTIVE zone is found and the zone re-queued;
the journal is trimmed to its newest entries; the periodic audit survives a failing round."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.worker.conftest import make_env, start_dns
from zonekeeper.domain.models import DEFAULT_POOL_ID, Status, Zone
from zonekeeper.service import context, pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import audits, tables
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage.tables import zone_changes
from zonekeeper.worker import audit
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    env = await make_env(tmp_path / "zk.sqlite", threshold_percentage=50)
    yield env
    await env.db.close()


async def test_serial_audit_requeues_a_zone_a_nameserver_lost(
    env: ServiceEnv, tmp_path: Path
) -> None:
    # The second nameserver serves another (empty) database: it has "lost" every zone.
    other = await make_env(tmp_path / "other.sqlite", threshold_percentage=50)
    good, good_address = await start_dns(env)
    lost, lost_address = await start_dns(other)
    try:
        await pools.ensure_default_pool(env, [good_address, lost_address])
        zone = await zones.create(ADMIN, env, {"name": "a.example.", "email": "a@a.example"})
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE  # 50 % threshold

        report = await audit.serial_audit(env, repair=False)
        assert (report.zones, report.nameservers) == (1, {good_address, lost_address})
        assert [(r.zone_name, r.reasons) for r in report.lagging] == [
            ("a.example.", f"{lost_address[0]}:{lost_address[1]} refused")
        ]
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE  # report only

        await audit.serial_audit(env)
        requeued = await zones.get(ADMIN, env, zone.id)
        assert requeued.status is Status.PENDING
        assert requeued.last_error == f"serial audit: {lost_address[0]}:{lost_address[1]} refused"
    finally:
        await good.stop()
        await lost.stop()
        await other.db.close()


async def test_serial_audit_leaves_healthy_zones_alone(env: ServiceEnv) -> None:
    server, address = await start_dns(env)
    try:
        await pools.ensure_default_pool(env, [address])
        zone = await zones.create(ADMIN, env, {"name": "b.example.", "email": "a@b.example"})
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
        report = await audit.serial_audit(env)
        assert (report.lagging, report.zones, report.nameservers) == ([], 1, {address})
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE
    finally:
        await server.stop()


async def test_journal_is_trimmed_to_the_newest_entries(env: ServiceEnv) -> None:
    await pools.ensure_default_pool(env, [("127.0.0.1", 9)])
    keep_zone = await zones.create(ADMIN, env, {"name": "c.example.", "email": "a@c.example"})
    small_zone = await zones.create(ADMIN, env, {"name": "d.example.", "email": "a@d.example"})
    for i in range(5):
        fields = {"name": f"r{i}.c.example.", "type": "A", "records": ["192.0.2.1"]}
        await recordsets.create(ADMIN, env, keep_zone.id, fields)
    fields = {"name": "r.d.example.", "type": "A", "records": ["192.0.2.1"]}
    await recordsets.create(ADMIN, env, small_zone.id, fields)
    async with env.db.transaction() as conn:
        assert await audits.trim_journal(conn, 2) == 3
    async with env.db.read() as conn:
        rows = await conn.execute(
            select(zone_changes.c.zone_id, func.count()).group_by(zone_changes.c.zone_id)
        )
        counts = {zone_id: count for zone_id, count in rows}
    assert counts == {keep_zone.id: 2, small_zone.id: 1}


async def test_the_periodic_audit_repairs_and_survives_a_failing_round(
    env: ServiceEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What `serve` runs every `worker.audit_interval`: a round that raises is logged and the
    next round runs; a round re-queues a zone a nameserver lost."""
    other = await make_env(tmp_path / "other.sqlite", threshold_percentage=50)
    good, good_address = await start_dns(env)
    lost, lost_address = await start_dns(other)
    running: asyncio.Task[None] | None = None
    try:
        await pools.ensure_default_pool(env, [good_address, lost_address])
        zone = await zones.create(ADMIN, env, {"name": "e.example.", "email": "a@e.example"})
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE
        sound = (await pool_of(env)).nameservers
        await set_nameservers(env, [{"host": "127.0.0.1", "port": "not-a-port"}])

        running = asyncio.create_task(audit.periodic(env, 0.05))
        await until(lambda: "periodic audit failed" in caplog.text)
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE

        await set_nameservers(env, list(sound))
        requeued = await until_zone(env, zone.id, lambda z: z.status is Status.PENDING)
        assert requeued.last_error == f"serial audit: {lost_address[0]}:{lost_address[1]} refused"
        assert not running.done()
    finally:
        if running is not None:
            running.cancel()
        await good.stop()
        await lost.stop()
        await other.db.close()


async def pool_of(env: ServiceEnv) -> pool_rows.Pool:
    async with env.db.read() as conn:
        pool = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
    assert pool is not None
    return pool


async def set_nameservers(env: ServiceEnv, nameservers: list[dict[str, Any]]) -> None:
    """Write the default pool's nameservers as they are, bad ones too (a damaged row)."""
    async with env.db.transaction() as conn:
        statement = update(tables.pools).where(tables.pools.c.id == DEFAULT_POOL_ID)
        await conn.execute(statement.values(nameservers=nameservers))


async def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.02)


async def until_zone(
    env: ServiceEnv, zone_id: str, condition: Callable[[Zone], bool], timeout: float = 20
) -> Zone:
    deadline = time.monotonic() + timeout
    while not condition(zone := await zones.get(ADMIN, env, zone_id)):
        assert time.monotonic() < deadline, f"still {zone}"
        await asyncio.sleep(0.02)
    return zone
