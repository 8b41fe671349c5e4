"""Serials, the journal, concurrency, and the worker-facing storage calls."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from tests.service.conftest import Clock, member
from tests.service.helpers import journal, make_recordset, make_zone, served, zone_column
from zonekeeper.domain.models import DEFAULT_POOL_ID, Action, ListQuery, Status
from zonekeeper.domain.serial import SERIAL_MODULUS, serial_gt
from zonekeeper.service import pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import zones as zone_rows


async def test_serial_rises_by_one_per_change_within_a_second(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    serials = [zone.serial]
    for i in range(50):
        rs = await make_recordset(member(), env, zone, f"h{i}.example.org.")
        serials.append(rs.serial)
    assert serials == list(range(zone.serial, zone.serial + 51))
    assert (await zones.get(member(), env, zone.id)).serial == serials[-1]


async def test_serial_follows_the_clock_but_never_goes_back(env: ServiceEnv, clock: Clock) -> None:
    zone = await make_zone(member(), env)
    clock.advance(1000)
    later = await zones.update(member(), env, zone.id, {"description": "a"})
    assert later.serial == zone.serial + 1000
    clock.advance(-5000)
    earlier = await zones.update(member(), env, zone.id, {"description": "b"})
    assert earlier.serial == later.serial + 1


async def test_journal_replays_onto_the_final_rows(env: ServiceEnv, clock: Clock) -> None:
    zone = await make_zone(member(), env, ttl=300)
    initial = await served(env, zone.id)
    www = await make_recordset(member(), env, zone, "www.example.org.", records=["192.0.2.1"])
    fixed = await make_recordset(member(), env, zone, "f.example.org.", "TXT", ['"x"'], ttl=60)
    await recordsets.create(
        member(), env, zone.id, {"name": "e.example.org.", "type": "A", "records": []}
    )
    clock.advance(3)
    await recordsets.update(member(), env, zone.id, www.id, {"records": ["192.0.2.1", "192.0.2.2"]})
    await zones.update(member(), env, zone.id, {"ttl": 900, "email": "dns@example.org"})
    await recordsets.update(member(), env, zone.id, www.id, {"ttl": 120})
    await recordsets.update(member(), env, zone.id, fixed.id, {"description": "no dns change"})
    await recordsets.delete(member(), env, zone.id, fixed.id)
    await zones.update(member(), env, zone.id, {"ttl": 1800})

    state = set(initial)
    entries = await journal(env, zone.id)
    serial = zone.serial
    for entry in entries:
        assert entry.from_serial == serial and serial_gt(entry.to_serial, serial)
        assert entry.removed[0][1] == entry.added[0][1] == "SOA"
        assert entry.removed[0] in state, "removed[0] is the SOA being replaced"
        assert set(entry.removed) <= state and not set(entry.added) & (state - set(entry.removed))
        state = (state - set(entry.removed)) | set(entry.added)
        serial = entry.to_serial
    assert len(entries) == 9
    assert state == await served(env, zone.id)
    assert serial == (await zones.get(member(), env, zone.id)).serial
    assert ("www.example.org.", "A", 120, "192.0.2.2") in state
    ttl_change = entries[4]
    assert ("example.org.", "NS", 300, "ns1.zonekeeper.test.") in ttl_change.removed
    assert ("example.org.", "NS", 900, "ns1.zonekeeper.test.") in ttl_change.added
    assert not any(rr[0] == "f.example.org." for rr in ttl_change.removed)  # has its own TTL


async def test_delete_then_recreate_starts_above_the_old_serial(
    env: ServiceEnv, clock: Clock
) -> None:
    zone = await make_zone(member(), env)
    for i in range(5):
        await make_recordset(member(), env, zone, f"h{i}.example.org.")
    last = (await zones.delete(member(), env, zone.id)).serial
    async with env.db.transaction() as conn:
        await change_rows.purge_zone(conn, zone.id)
        await change_rows.purge_zone(conn, zone.id)  # idempotent
    assert await served(env, zone.id) == set()
    assert await journal(env, zone.id) == []
    clock.advance(-60)  # a clock behind the old serial
    again = await make_zone(member(), env)
    assert again.id != zone.id and again.serial == last + 1


async def test_serials_wrap_within_32_bits(env: ServiceEnv, clock: Clock) -> None:
    zone = await make_zone(member(), env)
    async with env.db.transaction() as conn:
        await zone_rows.update_zone(conn, zone.id, {"serial": SERIAL_MODULUS - 1})
    clock.moment = datetime(1970, 1, 1) + timedelta(seconds=SERIAL_MODULUS - 100)  # in 2106
    rs = await make_recordset(member(), env, zone, "w.example.org.")
    assert rs.serial == 0 and serial_gt(rs.serial, SERIAL_MODULUS - 1)
    soa = next(rr for rr in await served(env, zone.id) if rr[1] == "SOA")
    assert soa[3].split()[2] == "0"
    async with env.db.transaction() as conn:
        assert await change_rows.mark_propagated(conn, zone.id, 0, env.now())


async def test_concurrent_creates_serialize_on_the_zone(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    created = await asyncio.gather(
        *(make_recordset(member(), env, zone, f"c{i}.example.org.") for i in range(20))
    )
    serials = sorted(rs.serial for rs in created)
    assert serials == list(range(zone.serial + 1, zone.serial + 21))
    entries = await journal(env, zone.id)
    assert [(e.from_serial, e.to_serial) for e in entries] == [
        (s - 1, s) for s in range(zone.serial + 1, zone.serial + 21)
    ]
    page = await recordsets.list(member(), env, zone.id, ListQuery(limit=100))
    assert page.total_count == 22


async def test_mark_propagated_refuses_a_stale_serial(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    rs = await make_recordset(member(), env, zone, "www.example.org.")
    async with env.db.transaction() as conn:
        assert not await change_rows.mark_propagated(conn, zone.id, zone.serial, env.now())
    assert (await zones.get(member(), env, zone.id)).status is Status.PENDING
    async with env.db.transaction() as conn:
        assert await change_rows.mark_propagated(conn, zone.id, rs.serial, env.now())
    active = await zones.get(member(), env, zone.id)
    assert (active.status, active.action) == (Status.ACTIVE, Action.NONE)
    assert await zone_column(env, zone.id, "next_attempt_at") is None
    page = await recordsets.list(member(), env, zone.id, ListQuery())
    assert {(r.status, r.action) for r in page.items} == {(Status.ACTIVE, Action.NONE)}
    await zones.delete(member(), env, zone.id)
    async with env.db.transaction() as conn:
        assert not await change_rows.mark_propagated(conn, zone.id, rs.serial + 5, env.now())
        assert not await change_rows.mark_propagated(conn, "missing", 1, env.now())
    assert (await zones.get(member(), env, zone.id)).action is Action.DELETE


async def test_due_zones_and_failed_attempts(env: ServiceEnv, clock: Clock) -> None:
    first = await make_zone(member(), env, "first.example.")
    clock.advance(1)
    second = await make_zone(member(), env, "second.example.")
    async with env.db.read() as conn:
        due = await change_rows.due_zones(conn, clock.now(), 10)
        assert [z.id for z in due] == [first.id, second.id]
        assert await change_rows.due_zones(conn, clock.now() - timedelta(seconds=5), 10) == []
        assert len(await change_rows.due_zones(conn, clock.now(), 1)) == 1
    retry_at = clock.now() + timedelta(seconds=30)
    for _ in range(2):
        async with env.db.transaction() as conn:
            await change_rows.mark_attempt_failed(conn, first.id, "timeout", retry_at, 3)
    assert (await zones.get(member(), env, first.id)).status is Status.PENDING
    async with env.db.transaction() as conn:
        await change_rows.mark_attempt_failed(conn, first.id, "refused", retry_at, 3)
    failed = await zones.get(member(), env, first.id)
    assert (failed.status, failed.action) == (Status.ERROR, Action.CREATE)
    assert await zone_column(env, first.id, "attempts") == 3
    assert await zone_column(env, first.id, "last_error") == "refused"
    async with env.db.read() as conn:
        assert [z.id for z in await change_rows.due_zones(conn, clock.now(), 10)] == [second.id]
        assert [z.id for z in await change_rows.due_zones(conn, retry_at, 10)] == [
            second.id,
            first.id,
        ]
    fixed = await zones.update(member(), env, first.id, {"description": "retry now"})
    assert fixed.status is Status.PENDING
    assert await zone_column(env, first.id, "attempts") == 0


async def test_get_pool(env: ServiceEnv) -> None:
    async with env.db.read() as conn:
        pool = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
        assert await pool_rows.get_pool(conn, "missing") is None
    assert pool is not None
    assert (pool.name, pool.ns_records, pool.nameservers) == (
        "default",
        ({"hostname": "ns1.zonekeeper.test.", "priority": 1},),
        ({"host": "127.0.0.1", "port": 5354},),
    )
    assert pool.targets == ({"type": "embedded", "masters": [], "options": {}},)
    await pools.ensure_default_pool(env, [("127.0.0.2", 53), ("127.0.0.3", 53)])
    async with env.db.read() as conn:
        moved = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
    assert moved is not None and [ns["host"] for ns in moved.nameservers] == [
        "127.0.0.2",
        "127.0.0.3",
    ]
