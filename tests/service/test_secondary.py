"""SECONDARY zones in the service and storage layers, on SQLite, PostgreSQL and MariaDB: the
create and PATCH rules, a transfer's outcome written as recordsets and one journal entry, and
two workers (two engines, as two processes) racing for one zone's transfer."""

from __future__ import annotations

import asyncio

import pytest

from tests.service.conftest import admin, member
from zonekeeper.domain import errors
from zonekeeper.domain.models import Status, ZoneType
from zonekeeper.service import recordsets, secondary, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import secondary as secondary_rows
from zonekeeper.storage.database import Database

NAME = "sec.example."
SOA = "ns.master.example. admin.master.example. {serial} 60 30 600 300"


def copy(serial: int, *rest: tuple[str, str, int, str]) -> secondary.Copy:
    soa = (NAME, "SOA", 300, SOA.format(serial=serial))
    return secondary.Copy(
        "192.0.2.53", serial, [soa, (NAME, "NS", 300, "ns.master.example."), *rest]
    )


async def make(env: ServiceEnv) -> str:
    zone = await zones.create(
        member(),
        env,
        {"name": NAME, "type": "SECONDARY", "masters": ["192.0.2.53", "[2001:db8::1]:5353"]},
    )
    assert (zone.type, zone.serial, zone.email) == (ZoneType.SECONDARY, 1, "hostmaster@example.com")
    assert zone.masters == ("192.0.2.53", "[2001:db8::1]:5353")
    return zone.id


async def test_create_and_patch_rules(env: ServiceEnv) -> None:
    with pytest.raises(errors.InvalidObject) as raised:
        await zones.create(member(), env, {"name": NAME, "type": "SECONDARY", "ttl": 300})
    assert {e.message for e in raised.value.errors} == {
        "'masters' is a required property",
        "'ttl' can't be specified when type is SECONDARY",
    }
    with pytest.raises(errors.InvalidObject) as raised:
        await zones.create(
            member(), env, {"name": NAME, "type": "SECONDARY", "masters": ["a:b", "1.2.3.4:0"]}
        )
    assert [e.path for e in raised.value.errors] == [("masters", 0), ("masters", 1)]
    zone_id = await make(env)
    with pytest.raises(errors.InvalidObject):
        await zones.update(member(), env, zone_id, {"email": "a@b.example"})
    patched = await zones.update(member(), env, zone_id, {"masters": ["192.0.2.54:53"]})
    assert patched.masters == ("192.0.2.54",) and patched.serial == 1  # no serial of its own
    with pytest.raises(errors.BadRequest, match="non Secondary"):
        primary = await zones.create(member(), env, {"name": "p.example.", "email": "a@b.example"})
        await secondary.request_transfer(member(), env, primary.id)


async def test_a_transfer_becomes_recordsets_and_one_journal_entry(env: ServiceEnv) -> None:
    zone_id = await make(env)
    assert await secondary.apply_transfer(
        env, zone_id, copy(7, ("www.sec.example.", "A", 60, "192.0.2.1"),
                           ("old.sec.example.", "TXT", 60, '"x"'),
                           ("key.sec.example.", "DNSKEY", 60, "256 3 8 AwEAAa=="))
    )  # fmt: skip
    zone = await zones.get(member(), env, zone_id)
    assert (zone.serial, zone.status, zone.refresh, zone.expire) == (7, Status.PENDING, 60, 600)
    again = await secondary.apply_transfer(
        env, zone_id, copy(8, ("www.sec.example.", "A", 60, "192.0.2.2"),
                           ("new.sec.example.", "A", 60, "192.0.2.3"))
    )  # fmt: skip
    assert again
    async with env.db.read() as conn:
        stored = await secondary_rows.stored(conn, zone_id)
        journal = await change_rows.journal(conn, zone_id)
        state = await secondary_rows.transfer_state(conn, zone_id)
    assert {key: data for key, (_, _, data) in stored.items()} == {
        (NAME, "SOA"): {SOA.format(serial=8)},
        (NAME, "NS"): {"ns.master.example."},
        ("www.sec.example.", "A"): {"192.0.2.2"},
        ("new.sec.example.", "A"): {"192.0.2.3"},
    }
    last = journal[-1]
    assert (last.from_serial, last.to_serial) == (7, 8)
    assert last.removed[0][1] == "SOA" and last.added[0][1] == "SOA"
    assert set(last.removed[1:]) == {
        ("www.sec.example.", "A", 60, "192.0.2.1"),
        ("old.sec.example.", "TXT", 60, '"x"'),
    }
    assert set(last.added[1:]) == {
        ("www.sec.example.", "A", 60, "192.0.2.2"),
        ("new.sec.example.", "A", 60, "192.0.2.3"),
    }
    assert state.transfer_status == "OK" and state.transfer_error is None
    # The same serial again (another worker was quicker) changes nothing.
    assert not await secondary.apply_transfer(env, zone_id, copy(8))
    with pytest.raises(errors.Forbidden):
        await recordsets.create(admin("p1"), env, zone_id, {"name": "x." + NAME, "type": "A"})


async def test_two_workers_race_for_one_transfer(env: ServiceEnv, database_url: str) -> None:
    zone_id = await make(env)
    other_db = Database(database_url)
    other = ServiceEnv(db=other_db, settings=env.settings, now=env.now)
    try:
        now = env.now()
        later = now.replace(year=now.year + 1)

        async def claim(service_env: ServiceEnv) -> bool:
            async with service_env.db.transaction() as conn:
                return await secondary_rows.claim(conn, zone_id, now, later)

        won = await asyncio.gather(*(claim(e) for e in (env, other, env, other)))
        assert sorted(won) == [False, False, False, True]
        applied = await asyncio.gather(
            secondary.apply_transfer(env, zone_id, copy(9)),
            secondary.apply_transfer(other, zone_id, copy(9)),
        )
        assert sorted(applied) == [False, True]
        async with env.db.read() as conn:
            assert [e.to_serial for e in await change_rows.journal(conn, zone_id)] == [9]
    finally:
        await other_db.close()
