"""Recordset use cases: validation, placement, CNAME, managed and SOA records, quotas, PUT,
delete, find and lists."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import insert, update

from tests.service.conftest import admin, member, reader
from tests.service.helpers import make_recordset, make_zone, served
from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, ListQuery, RecordSet, Status, Zone
from zonekeeper.service import recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.tables import quotas


async def _by_type(env: ServiceEnv, zone: Zone, rtype: str) -> RecordSet:
    page = await recordsets.list(member(), env, zone.id, ListQuery(filters={"type": rtype}))
    (found,) = page.items
    return found


async def test_create_is_pending_at_the_new_serial(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    rs = await make_recordset(
        member(), env, zone, "WWW.example.org.", records=["192.0.2.2", "192.0.2.1", "192.0.2.1"]
    )
    assert (rs.name, rs.type, rs.records) == ("www.example.org.", "A", ("192.0.2.1", "192.0.2.2"))
    assert (rs.status, rs.action, rs.zone_name, rs.managed) == (
        Status.PENDING,
        Action.CREATE,
        "example.org.",
        False,
    )
    after = await zones.get(member(), env, zone.id)
    assert rs.serial == after.serial > zone.serial
    assert await recordsets.get(member(), env, zone.id, rs.id) == rs
    assert await recordsets.find(member(), env, rs.id) == rs
    assert ("www.example.org.", "A", zone.ttl, "192.0.2.2") in await served(env, zone.id)


async def test_empty_records_are_active_at_once(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    rs = await recordsets.create(
        member(), env, zone.id, {"name": "e.example.org.", "type": "TXT", "records": []}
    )
    assert (rs.status, rs.action, rs.records) == (Status.ACTIVE, Action.NONE, ())


async def test_invisible_zone_and_recordset(env: ServiceEnv) -> None:
    zone = await make_zone(member("p1"), env)
    rs = await make_recordset(member("p1"), env, zone, "www.example.org.")
    other = await make_zone(member("p1"), env, "other.org.")
    with pytest.raises(errors.ZoneNotFound):
        await recordsets.get(member("p2"), env, zone.id, rs.id)
    with pytest.raises(errors.RecordSetNotFound):
        await recordsets.find(member("p2"), env, rs.id)
    with pytest.raises(errors.RecordSetNotFound):
        await recordsets.get(member("p1"), env, other.id, rs.id)
    assert (await recordsets.find(admin(all_projects=True), env, rs.id)).id == rs.id
    with pytest.raises(errors.ZoneNotFound):
        await make_recordset(member("p2"), env, zone, "x.example.org.")
    with pytest.raises(errors.Forbidden):
        await make_recordset(reader("p1"), env, zone, "x.example.org.")


async def test_create_validation_collects_reasons(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    with pytest.raises(errors.InvalidObject) as raised:
        await recordsets.create(member(), env, zone.id, {"records": []})
    assert {e.path for e in raised.value.errors} == {("name",), ("type",)}
    with pytest.raises(errors.InvalidObject):
        await make_recordset(member(), env, zone, "x.example.org.", "WKS")
    with pytest.raises(errors.InvalidObject) as raised:
        await make_recordset(member(), env, zone, "x.example.org.", records=["192.0.2.1", "nope"])
    assert [e.path for e in raised.value.errors] == [("records", 1)]
    with pytest.raises(errors.BadRequest, match="SOA"):
        await make_recordset(member(), env, zone, "example.org.", "SOA")


async def test_placement_rules(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    await make_zone(member(), env, "child.example.org.")
    with pytest.raises(errors.InvalidRecordSetLocation):
        await make_recordset(member(), env, zone, "www.example.net.")
    for name in ("child.example.org.", "deep.www.child.example.org."):
        with pytest.raises(errors.InvalidRecordSetLocation, match="child zone"):
            await make_recordset(member(), env, zone, name)
    rs = await make_recordset(member(), env, zone, "notchild.example.org.")
    assert rs.name == "notchild.example.org."


async def test_duplicates_and_cname_exclusivity(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    await make_recordset(member(), env, zone, "www.example.org.")
    with pytest.raises(errors.DuplicateRecordSet):
        await make_recordset(member(), env, zone, "www.example.org.")
    with pytest.raises(errors.InvalidRecordSetLocation):
        await make_recordset(member(), env, zone, "www.example.org.", "CNAME", ["a.example."])
    await make_recordset(member(), env, zone, "alias.example.org.", "CNAME", ["a.example."])
    with pytest.raises(errors.InvalidRecordSetLocation):
        await make_recordset(member(), env, zone, "alias.example.org.", "TXT", ['"t"'])
    with pytest.raises(errors.InvalidRecordSetLocation):
        await make_recordset(member(), env, zone, "example.org.", "CNAME", ["a.example."])


async def test_managed_and_soa_records_are_protected(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    ns = await _by_type(env, zone, "NS")
    soa = await _by_type(env, zone, "SOA")
    with pytest.raises(errors.BadRequest, match="Managed records may not be updated"):
        await recordsets.update(member(), env, zone.id, ns.id, {"ttl": 60})
    with pytest.raises(errors.BadRequest, match="Managed records may not be deleted"):
        await recordsets.delete(member(), env, zone.id, ns.id)
    for ctx in (member(), admin(all_projects=True, edit_managed=True)):
        with pytest.raises(errors.BadRequest, match="SOA"):
            await recordsets.update(ctx, env, zone.id, soa.id, {"ttl": 60})
        with pytest.raises(errors.BadRequest, match="SOA"):
            await recordsets.delete(ctx, env, zone.id, soa.id)
    # The apex NS follow the pool: not even edit-managed changes them (Designate's rule).
    editor = admin(all_projects=True, edit_managed=True)
    with pytest.raises(errors.BadRequest, match="Updating a root zone NS record is not allowed"):
        await recordsets.update(editor, env, zone.id, ns.id, {"records": ["ns2.example.net."]})


async def test_record_quotas(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    async with env.db.transaction() as conn:
        rows = [("zone_recordsets", 4), ("zone_records", 3), ("recordset_records", 2)]
        for resource, limit in rows:
            await conn.execute(
                insert(quotas).values(project_id="p1", resource=resource, hard_limit=limit)
            )
    with pytest.raises(errors.OverQuota, match=r"^Quota exceeded for recordset_records\.$"):
        await make_recordset(
            member(), env, zone, "a.example.org.", records=["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        )
    a = await make_recordset(
        member(), env, zone, "a.example.org.", records=["192.0.2.1", "192.0.2.2"]
    )
    with pytest.raises(errors.OverQuota, match="zone_records"):
        await make_recordset(
            member(), env, zone, "b.example.org.", records=["192.0.2.1", "192.0.2.2"]
        )
    await make_recordset(member(), env, zone, "b.example.org.", records=["192.0.2.1"])
    # SOA + NS + a + b = 4 recordsets: the quota counts the managed ones too.
    with pytest.raises(errors.OverQuota, match="zone_recordsets"):
        await recordsets.create(
            member(), env, zone.id, {"name": "c.example.org.", "type": "A", "records": []}
        )
    with pytest.raises(errors.OverQuota, match="recordset_records"):
        await recordsets.update(
            member(), env, zone.id, a.id, {"records": ["192.0.2.1", "192.0.2.2", "192.0.2.3"]}
        )
    shrunk = await recordsets.update(member(), env, zone.id, a.id, {"records": ["192.0.2.9"]})
    assert shrunk.records == ("192.0.2.9",)
    async with env.db.transaction() as conn:
        await conn.execute(
            update(quotas)
            .where(quotas.c.project_id == "p1", quotas.c.resource == "zone_recordsets")
            .values(hard_limit=-1)
        )
    unlimited = await make_recordset(member(), env, zone, "c.example.org.")
    assert unlimited.name == "c.example.org."


async def test_low_ttl(env: ServiceEnv) -> None:
    low = dataclasses.replace(env, settings=env.settings.model_copy(deep=True))
    low.settings.zones.min_ttl = 60
    zone = await make_zone(member(), low)
    with pytest.raises(errors.InvalidTTL):
        await make_recordset(member(), low, zone, "a.example.org.", ttl=59)
    rs = await make_recordset(admin(all_projects=True), low, zone, "a.example.org.", ttl=1)
    with pytest.raises(errors.InvalidTTL):
        await recordsets.update(member(), low, zone.id, rs.id, {"ttl": 30})


async def test_put_is_partial(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    rs = await make_recordset(member(), env, zone, "www.example.org.", records=["192.0.2.1"])
    ttl_only = await recordsets.update(member(), env, zone.id, rs.id, {"ttl": 300})
    assert (ttl_only.ttl, ttl_only.records, ttl_only.action) == (300, ("192.0.2.1",), Action.UPDATE)
    assert ttl_only.serial > rs.serial and ttl_only.version == rs.version + 1
    replaced = await recordsets.update(
        member(),
        env,
        zone.id,
        rs.id,
        {"records": ["192.0.2.5", "192.0.2.1"], "description": "two", "name": "WWW.example.org."},
    )
    assert (replaced.records, replaced.ttl, replaced.description) == (
        ("192.0.2.1", "192.0.2.5"),
        300,
        "two",
    )
    assert await recordsets.get(member(), env, zone.id, rs.id) == replaced
    emptied = await recordsets.update(member(), env, zone.id, rs.id, {"records": []})
    assert (emptied.status, emptied.action) == (Status.ACTIVE, Action.NONE)
    with pytest.raises(errors.InvalidObject) as raised:
        await recordsets.update(
            member(), env, zone.id, rs.id, {"name": "x.example.org.", "type": "AAAA"}
        )
    assert {e.path for e in raised.value.errors} == {("name",), ("type",)}


async def test_delete_returns_pending_delete_and_rows_are_gone(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    rs = await make_recordset(member(), env, zone, "www.example.org.")
    deleted = await recordsets.delete(member(), env, zone.id, rs.id)
    assert (deleted.action, deleted.status) == (Action.DELETE, Status.PENDING)
    assert deleted.serial == (await zones.get(member(), env, zone.id)).serial > rs.serial
    with pytest.raises(errors.RecordSetNotFound):
        await recordsets.get(member(), env, zone.id, rs.id)
    assert not any(rr[0] == "www.example.org." for rr in await served(env, zone.id))
    with pytest.raises(errors.RecordSetNotFound):
        await recordsets.delete(member(), env, zone.id, rs.id)


async def test_lists_across_zones_and_without_counts(env: ServiceEnv) -> None:
    one = await make_zone(member("p1"), env, "one.example.")
    two = await make_zone(member("p1"), env, "two.example.")
    theirs = await make_zone(member("p2"), env, "three.example.")
    await make_recordset(member("p1"), env, one, "a.one.example.", records=["192.0.2.7"])
    await make_recordset(member("p1"), env, two, "a.two.example.", records=["192.0.2.8"])
    await make_recordset(member("p2"), env, theirs, "a.three.example.", records=["192.0.2.7"])
    mine = await recordsets.list(member("p1"), env, None, ListQuery(limit=100))
    assert mine.total_count == 6 and {rs.zone_id for rs in mine.items} == {one.id, two.id}
    everyone = await recordsets.list(admin(all_projects=True), env, None, ListQuery(limit=100))
    assert everyone.total_count == 9
    by_data = await recordsets.list(
        member("p1"), env, None, ListQuery(filters={"data": "192.0.2.7"}), count=False
    )
    assert [rs.name for rs in by_data.items] == ["a.one.example."]
    assert by_data.total_count is None
    by_pattern = await recordsets.list(
        admin(all_projects=True), env, None, ListQuery(filters={"data": "192.0.2.*"})
    )
    assert by_pattern.total_count == 3
    with pytest.raises(errors.ZoneNotFound):
        await recordsets.list(member("p1"), env, theirs.id, ListQuery())
