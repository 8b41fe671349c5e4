"""Zones created on a shared database before any mini-DNS registered as the default pool's
nameserver (`zonekeeper api` started first): accepted, and pushed once one registers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.service.conftest import Clock, admin, member
from zonekeeper.domain.models import DEFAULT_POOL_ID, Status
from zonekeeper.service import pools, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import pools as pool_rows


async def test_zones_created_before_any_mini_dns_wait_and_are_pushed_once_one_registers(
    env: ServiceEnv, clock: Clock
) -> None:
    async with env.db.transaction() as conn:
        await pool_rows.delete_pool(conn, DEFAULT_POOL_ID)  # a fresh database

    # At once: on PostgreSQL the creates race to write the default pool.
    created = await asyncio.gather(
        *(
            zones.create(member(), env, {"name": f"z{n}.example.", "email": "a@example.org"})
            for n in range(4)
        )
    )
    assert {zone.status for zone in created} == {Status.PENDING}
    pool = await pools.get(admin(), env, DEFAULT_POOL_ID)
    assert pool.nameservers == () and pools.is_embedded(pool)
    assert [ns["hostname"] for ns in pool.ns_records] == [env.settings.nameserver_hostname]

    async with env.db.transaction() as conn:  # the worker found no nameserver to ask
        for zone in created:
            retry = clock.now() + timedelta(seconds=30)
            await change_rows.mark_attempt_failed(conn, zone.id, "no nameservers", retry, 10)
    clock.advance(1)
    await pools.ensure_default_pool(env, [("127.0.0.1", 5354)])

    async with env.db.read() as conn:  # due now, not in 29 s
        due = await change_rows.due_zones(conn, clock.now(), 10)
    assert {zone.id for zone in due} == {zone.id for zone in created}
    assert {zone.attempts for zone in due} == {0}
