"""Audits: a nameserver that stops serving an ACTIVE zone is found and the zone re-queued;
the journal is trimmed to its newest entries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zonekeeper.config import Settings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import Status
from zonekeeper.service import context, pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import audits, migrate
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import zone_changes
from zonekeeper.worker import audit
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


async def make_env(path: Path) -> ServiceEnv:
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=path.parent)
    settings.worker.poll_timeout = 0.2
    settings.worker.threshold_percentage = 50
    return ServiceEnv(db=Database(url), settings=settings)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    env = await make_env(tmp_path / "zk.sqlite")
    yield env
    await env.db.close()


async def start_dns(env: ServiceEnv) -> tuple[MiniDns, tuple[str, int]]:
    server = MiniDns(env.db, env.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    return server, await server.start()


async def test_serial_audit_requeues_a_zone_a_nameserver_lost(
    env: ServiceEnv, tmp_path: Path
) -> None:
    # The second nameserver serves another (empty) database: it has "lost" every zone.
    other = await make_env(tmp_path / "other.sqlite")
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
