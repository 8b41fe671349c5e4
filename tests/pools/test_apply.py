"""service.pools.apply on SQLite and PostgreSQL: create, update, no-op, dry run, delete, the
zones of a pool whose ns_records change, and ensure_default_pool next to a loaded pool."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from tests.service.conftest import Clock, admin, member
from tests.service.helpers import journal, make_zone, served, zone_column
from zonekeeper.cli.pool import check_target
from zonekeeper.domain import errors
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.models import DEFAULT_POOL_ID, Action, Status, TargetState
from zonekeeper.domain.pool_plan import Verb
from zonekeeper.domain.pools import PoolSpec
from zonekeeper.service import pools, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes, target_states
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import zones as zone_rows

SYSTEM = admin(all_projects=True, edit_managed=True)


def specs(*entries: dict[str, Any]) -> tuple[PoolSpec, ...]:
    return pool_specs.parse(copy.deepcopy(list(entries)), check_target)


async def stored(env: ServiceEnv) -> dict[str, PoolSpec]:
    return {spec.name: spec for spec in await pools.current(SYSTEM, env)}


async def test_update_creates_and_updates_then_is_a_no_op(env: ServiceEnv) -> None:
    result = await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL))
    verbs = {c.pool.name: c.verb for c in result.changes}
    assert verbs == {"default": Verb.UPDATE, "pdns": Verb.CREATE} and result.changed
    found = await stored(env)
    assert found["default"].id == DEFAULT_POOL_ID
    assert found["default"].targets[0].type == "bind9"
    assert found["pdns"].id == PDNS4_POOL["id"]
    assert found["pdns"].attributes == {"tier": "gold"}
    again = await pools.apply(SYSTEM, env, tuple(found.values()))
    assert not again.changed
    assert {c.verb for c in again.changes} == {Verb.UNCHANGED}
    assert not (await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL))).changed


async def test_dry_run_reports_the_same_and_writes_nothing(env: ServiceEnv) -> None:
    before = await stored(env)
    dry = await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL), dry_run=True)
    assert dry.dry_run and dry.changed
    assert await stored(env) == before
    real = await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL))
    assert [(c.verb, c.fields) for c in real.changes] == [(c.verb, c.fields) for c in dry.changes]


async def test_delete_removes_absent_pools_but_refuses_pools_with_zones(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL))
    zone = await make_zone(member(), env)
    async with env.db.transaction() as conn:
        await zone_rows.update_zone(conn, zone.id, {"pool_id": PDNS4_POOL["id"]})
    with pytest.raises(errors.InvalidOperation, match=r"'pdns' .* still holds 1 zone"):
        await pools.apply(SYSTEM, env, specs(BIND9_POOL), delete=True)
    assert set(await stored(env)) == {"default", "pdns"}
    async with env.db.transaction() as conn:
        await zone_rows.update_zone(conn, zone.id, {"pool_id": DEFAULT_POOL_ID})
    result = await pools.apply(SYSTEM, env, specs(BIND9_POOL), delete=True)
    assert [c.verb for c in result.changes] == [Verb.UNCHANGED, Verb.DELETE]
    assert set(await stored(env)) == {"default"}


async def test_without_delete_absent_pools_stay(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL, PDNS4_POOL))
    result = await pools.apply(SYSTEM, env, specs(BIND9_POOL))
    assert [c.pool.name for c in result.changes] == ["default"]
    assert set(await stored(env)) == {"default", "pdns"}


async def test_the_default_pool_is_never_deleted(env: ServiceEnv) -> None:
    with pytest.raises(errors.InvalidOperation, match="default pool"):
        await pools.apply(SYSTEM, env, specs(PDNS4_POOL), delete=True)
    assert set(await stored(env)) == {"default"}


async def test_only_admins_apply(env: ServiceEnv) -> None:
    with pytest.raises(errors.Forbidden):
        await pools.apply(member(), env, specs(BIND9_POOL))


async def test_ns_records_change_rewrites_every_zone_of_the_pool(
    env: ServiceEnv, clock: Clock
) -> None:
    zone = await make_zone(member(), env, "example.org.", ttl=600)
    other = await make_zone(member("p2"), env, "example.net.")
    gone = await make_zone(member(), env, "gone.org.")
    await zones.delete(member(), env, gone.id)
    initial = await served(env, zone.id)
    clock.advance(5)

    result = await pools.apply(SYSTEM, env, specs(BIND9_POOL))

    assert result.rewritten_zones == {DEFAULT_POOL_ID: 2}
    rrs = await served(env, zone.id)
    assert {rr for rr in rrs if rr[1] == "NS"} == {
        ("example.org.", "NS", 600, "ns1-1.example.org."),
        ("example.org.", "NS", 600, "ns1-2.example.org."),
    }
    (soa,) = [rr for rr in rrs if rr[1] == "SOA"]
    mname, rname, serial = soa[3].split()[:3]
    assert (mname, rname) == ("ns1-1.example.org.", "admin.example.org.")
    assert int(serial) == zone.serial + 5
    refreshed = await zones.get(member(), env, zone.id)
    assert refreshed.serial == int(serial)
    assert (refreshed.status, refreshed.action) == (Status.PENDING, Action.UPDATE)
    assert await zone_column(env, zone.id, "next_attempt_at") is not None
    # The journal chains serial to serial and replays onto the rows, SOA included.
    (entry,) = await journal(env, zone.id)
    assert (entry.from_serial, entry.to_serial) == (zone.serial, int(serial))
    assert (set(initial) - set(entry.removed)) | set(entry.added) == rrs
    assert ("example.org.", "NS", 600, "ns1.zonekeeper.test.") in entry.removed
    assert entry.added[0] == soa
    assert (await zones.get(member("p2"), env, other.id)).serial > other.serial
    assert await zone_column(env, gone.id, "serial") == gone.serial  # being deleted: untouched


async def test_a_change_that_keeps_ns_records_leaves_zones_alone(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL))
    zone = await make_zone(member(), env)
    entry = {**BIND9_POOL, "description": "new words", "also_notifies": []}
    result = await pools.apply(SYSTEM, env, specs(entry))
    assert result.rewritten_zones == {}
    assert [f.field for f in result.changes[0].fields] == ["description", "also_notifies"]
    assert (await zones.get(member(), env, zone.id)).serial == zone.serial


async def test_reordered_priorities_change_only_the_soa_mname(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL))
    zone = await make_zone(member(), env)
    swapped = copy.deepcopy(BIND9_POOL)
    swapped["ns_records"][0]["priority"] = 3
    await pools.apply(SYSTEM, env, specs(swapped))
    (entry,) = await journal(env, zone.id)
    assert [rr[1] for rr in entry.removed] == ["SOA"] and [rr[1] for rr in entry.added] == ["SOA"]
    assert entry.added[0][3].startswith("ns1-2.example.org. ")
    assert entry.removed[0][3].startswith("ns1-1.example.org. ")


async def test_ensure_default_pool_keeps_a_loaded_default_pool(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL))
    loaded = await stored(env)
    await pools.ensure_default_pool(env, [("127.0.0.1", 9999)])
    assert await stored(env) == loaded


async def test_ensure_default_pool_refreshes_the_embedded_pool(env: ServiceEnv) -> None:
    await pools.ensure_default_pool(env, [("127.0.0.1", 9999)])
    async with env.db.read() as conn:
        pool = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
    assert pool is not None and pools.is_embedded(pool)
    assert pool.nameservers == ({"host": "127.0.0.1", "port": 9999},)


async def test_a_new_target_or_nameserver_pushes_every_zone_again(env: ServiceEnv) -> None:
    await pools.apply(SYSTEM, env, specs(BIND9_POOL))
    zone = await make_zone(member(), env)
    async with env.db.transaction() as conn:
        await changes.mark_propagated(conn, zone.id, zone.serial, env.now())
        await target_states.replace(
            conn, zone.id, [TargetState("bind9 192.0.2.2:53", "ACTIVE", None, None, env.now())]
        )
    second = {**BIND9_POOL["targets"][0], "options": {**BIND9_POOL["targets"][0]["options"]}}
    second["options"]["host"] = "192.0.2.3"
    entry = {**BIND9_POOL, "targets": [*BIND9_POOL["targets"], second]}

    result = await pools.apply(SYSTEM, env, specs(entry))

    assert result.repushed_zones == {DEFAULT_POOL_ID: 1} and result.rewritten_zones == {}
    pushed = await zones.get(member(), env, zone.id)
    assert (pushed.status, pushed.serial) == (Status.PENDING, zone.serial)
    assert "changed its targets or nameservers" in (pushed.last_error or "")
    assert await zone_column(env, zone.id, "next_attempt_at") is not None
    async with env.db.read() as conn:
        assert await target_states.for_zone(conn, zone.id) == []  # provisioned anew everywhere
    unchanged = await pools.apply(SYSTEM, env, specs({**entry, "description": "other words"}))
    assert unchanged.repushed_zones == {}
