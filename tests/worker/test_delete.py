"""The worker's delete path against real mini-DNS servers: a deleted zone is purged (every row
of it, the serial remembered as the floor for its name) only once no nameserver serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import dns.asyncquery
import dns.message
import dns.rcode
import pytest
from sqlalchemy import func, select

from tests.worker.conftest import make_env, start_dns
from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, Status, Zone
from zonekeeper.service import context, pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import tables
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")
PER_ZONE = ("recordsets", "records", "zone_changes", "nameserver_states", "target_states")


@pytest.fixture
async def other(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    """A second database: the nameserver it feeds serves what it holds, not ours."""
    env = await make_env(tmp_path / "other.sqlite", poll_retry_interval=0.01)
    yield env
    await env.db.close()


async def active_zone(env: ServiceEnv, name: str) -> Zone:
    zone = await zones.create(ADMIN, env, {"name": name, "email": f"a@{name.rstrip('.')}"})
    fields = {"name": f"www.{name}", "type": "A", "records": ["192.0.2.1"]}
    await recordsets.create(ADMIN, env, zone.id, fields)
    await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
    active = await zones.get(ADMIN, env, zone.id)
    assert active.status is Status.ACTIVE
    return active


async def rows_of(env: ServiceEnv, zone_id: str) -> dict[str, int]:
    async with env.db.read() as conn:
        return {
            name: (
                await conn.execute(
                    select(func.count()).where(getattr(tables, name).c.zone_id == zone_id)
                )
            ).scalar_one()
            for name in PER_ZONE
        }


async def soa_rcode(address: tuple[str, int], name: str) -> int:
    query = dns.message.make_query(name, "SOA")
    reply = await dns.asyncquery.udp(query, address[0], port=address[1], timeout=2)
    return reply.rcode()


async def test_a_deleted_zone_is_purged_with_every_row(env: ServiceEnv) -> None:
    server, address = await start_dns(env)
    try:
        await pools.ensure_default_pool(env, [address])
        zone = await active_zone(env, "gone.example.")
        assert (await rows_of(env, zone.id))["records"] > 0

        deleting = await zones.delete(ADMIN, env, zone.id)
        assert (deleting.action, deleting.status) == (Action.DELETE, Status.PENDING)
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))

        with pytest.raises(errors.ZoneNotFound):
            await zones.get(ADMIN, env, zone.id)
        assert await rows_of(env, zone.id) == dict.fromkeys(PER_ZONE, 0)
        assert await soa_rcode(address, "gone.example.") == dns.rcode.REFUSED
        again = await zones.create(ADMIN, env, {"name": "gone.example.", "email": "a@b.c"})
        assert again.serial > zone.serial  # the purged zone's serial is the name's floor
    finally:
        await server.stop()


async def test_a_nameserver_still_serving_the_zone_holds_the_purge(
    env: ServiceEnv, other: ServiceEnv
) -> None:
    ours, our_address = await start_dns(env)
    stale, stale_address = await start_dns(other)
    try:
        await pools.ensure_default_pool(other, [stale_address])
        await pools.ensure_default_pool(env, [our_address])
        zone = await active_zone(env, "held.example.")
        stale_copy = await zones.create(ADMIN, other, {"name": "held.example.", "email": "a@h.e"})
        await pools.ensure_default_pool(env, [our_address, stale_address])

        await zones.delete(ADMIN, env, zone.id)
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
        held = await zones.get(ADMIN, env, zone.id)
        assert held.action is Action.DELETE and held.status in (Status.PENDING, Status.ERROR)
        assert held.last_error == f"{stale_address[0]}:{stale_address[1]} still_served"
        assert (await rows_of(env, zone.id))["records"] > 0

        await zones.delete(ADMIN, other, stale_copy.id)  # the stale server stops serving it
        await Worker(env).reconcile(await zones.get(ADMIN, env, zone.id))
        with pytest.raises(errors.ZoneNotFound):
            await zones.get(ADMIN, env, zone.id)
    finally:
        await ours.stop()
        await stale.stop()
