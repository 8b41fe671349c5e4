"""Zone use cases: creation rules, ownership, quotas, visibility, PATCH, delete, nameservers."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import insert

from tests.service.conftest import Clock, admin, member, reader
from tests.service.helpers import make_zone, served, zone_column
from zonekeeper.config import NetworkApiSettings
from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, ListQuery, Status
from zonekeeper.service import recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage.tables import quotas

MANAGED_PROJECT = NetworkApiSettings().managed_resource_project_id
"""The managed-resource project, as these tests configure it (the default)."""


async def test_create_writes_pending_zone_with_soa_and_apex_ns(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env, "Example.ORG.", ttl=600, description="d")
    assert (zone.name, zone.ttl, zone.description) == ("example.org.", 600, "d")
    assert (zone.status, zone.action, zone.project_id, zone.version) == (
        Status.PENDING,
        Action.CREATE,
        "p1",
        1,
    )
    assert abs(zone.serial - int(env.now().timestamp())) <= 86400
    assert await zones.get(member(), env, zone.id) == zone
    assert await served(env, zone.id) == {
        (
            "example.org.",
            "SOA",
            600,
            f"ns1.zonekeeper.test. admin.example.org. {zone.serial} 3600 600 86400 3600",
        ),
        ("example.org.", "NS", 600, "ns1.zonekeeper.test."),
    }
    page = await recordsets.list(member(), env, zone.id, ListQuery())
    assert {(rs.type, rs.managed, rs.serial) for rs in page.items} == {
        ("SOA", True, zone.serial),
        ("NS", True, zone.serial),
    }
    assert await zone_column(env, zone.id, "next_attempt_at") == env.now()


async def test_create_defaults_ttl_and_wakes_worker(env: ServiceEnv) -> None:
    await env.db.wait_for_wakeup(0.01)  # drain the wake-up of the pool setup
    zone = await make_zone(member(), env)
    assert zone.ttl == env.settings.zones.ttl
    assert await env.db.wait_for_wakeup(0.5)


async def test_create_reports_every_missing_field_at_once(env: ServiceEnv) -> None:
    with pytest.raises(errors.InvalidObject) as raised:
        await zones.create(member(), env, {"ttl": 300})
    assert {error.path for error in raised.value.errors} == {("name",), ("email",)}


async def test_create_refuses_bad_name_email_and_type(env: ServiceEnv) -> None:
    with pytest.raises(errors.InvalidObject) as raised:
        await zones.create(member(), env, {"name": "no-dot", "email": "nope"})
    assert {error.path for error in raised.value.errors} == {("name",), ("email",)}
    with pytest.raises(errors.InvalidZoneName):
        await zones.create(member(), env, {"name": "org.", "email": "a@b.c"})
    with pytest.raises(errors.InvalidObject) as secondary:
        await make_zone(member(), env, type="SECONDARY")  # with an email, without masters
    assert "'email' can't be specified when type is SECONDARY" in {
        error.message for error in secondary.value.errors
    }
    with pytest.raises(errors.InvalidObject):
        await make_zone(member(), env, type="CATALOG")


async def test_low_ttl_is_for_admins_only(env: ServiceEnv) -> None:
    low = dataclasses.replace(env, settings=env.settings.model_copy(deep=True))
    low.settings.zones.min_ttl = 300
    with pytest.raises(errors.InvalidTTL):
        await make_zone(member(), low, ttl=299)
    zone = await make_zone(admin(), low, ttl=5)
    assert zone.ttl == 5


async def test_duplicate_name_in_any_project(env: ServiceEnv) -> None:
    await make_zone(member("p1"), env)
    for ctx in (member("p1"), member("p2")):
        with pytest.raises(errors.DuplicateZone):
            await make_zone(ctx, env, "EXAMPLE.org.")


async def test_ownership_across_projects(env: ServiceEnv) -> None:
    await make_zone(member("p1"), env, "example.org.")
    await make_zone(member("p1"), env, "sub.example.org.")  # own child: fine
    with pytest.raises(errors.IllegalChild):
        await make_zone(member("p2"), env, "deep.other.example.org.")
    await make_zone(member("p2"), env, "x-example.org.")  # a sibling name, not a child
    await make_zone(member("p2"), env, "example.com.")


async def test_illegal_parent(env: ServiceEnv) -> None:
    await make_zone(member("p1"), env, "a.b.example.net.")
    with pytest.raises(errors.IllegalParent):
        await make_zone(member("p2"), env, "example.net.")
    parent = await make_zone(member("p1"), env, "example.net.")
    assert parent.name == "example.net."


async def test_zone_quota_from_settings_and_table(env: ServiceEnv) -> None:
    async with env.db.transaction() as conn:
        await conn.execute(insert(quotas).values(project_id="p1", resource="zones", hard_limit=1))
    await make_zone(member("p1"), env, "one.example.")
    with pytest.raises(errors.OverQuota, match=r"^Quota exceeded for zones\.$"):
        await make_zone(member("p1"), env, "two.example.")
    await make_zone(member("p2"), env, "two.example.")  # p2 keeps the default of 10


async def test_visibility_and_roles(env: ServiceEnv) -> None:
    zone = await make_zone(member("p1"), env)
    with pytest.raises(errors.ZoneNotFound):
        await zones.get(member("p2"), env, zone.id)
    with pytest.raises(errors.ZoneNotFound):
        await zones.get(admin(), env, zone.id)  # admin, but not all-projects
    assert (await zones.get(admin(all_projects=True), env, zone.id)).id == zone.id
    assert (await zones.get(reader("p1"), env, zone.id)).id == zone.id
    with pytest.raises(errors.Forbidden):
        await zones.update(reader("p1"), env, zone.id, {"ttl": 60})
    with pytest.raises(errors.Forbidden):
        await make_zone(reader("p1"), env, "other.example.")
    nobody = dataclasses.replace(member("p1"), roles=frozenset())
    with pytest.raises(errors.Forbidden):
        await zones.get(nobody, env, zone.id)
    with pytest.raises(errors.ZoneNotFound):
        await zones.delete(member("p2"), env, zone.id)


async def test_patch_changes_email_ttl_description(env: ServiceEnv, clock: Clock) -> None:
    zone = await make_zone(member(), env, ttl=300)
    clock.advance(1)
    updated = await zones.update(
        member(), env, zone.id, {"email": "h@example.net", "ttl": 900, "description": "new"}
    )
    assert (updated.email, updated.ttl, updated.description) == ("h@example.net", 900, "new")
    assert updated.serial == zone.serial + 1
    assert (updated.action, updated.status, updated.version) == (
        Action.UPDATE,  # as in Designate, even before the zone was first served
        Status.PENDING,
        2,
    )
    assert updated.updated_at == env.now()
    assert await zones.get(member(), env, zone.id) == updated
    soa = next(rr for rr in await served(env, zone.id) if rr[1] == "SOA")
    assert soa[2:] == (
        900,
        f"ns1.zonekeeper.test. h.example.net. {updated.serial} 3600 600 86400 3600",
    )


async def test_patch_after_first_active_is_update(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    async with env.db.transaction() as conn:
        assert await change_rows.mark_propagated(conn, zone.id, zone.serial, env.now())
    updated = await zones.update(member(), env, zone.id, {"description": "x"})
    assert (updated.action, updated.status) == (Action.UPDATE, Status.PENDING)


async def test_patch_refuses_immutable_and_bad_values(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    with pytest.raises(errors.InvalidObject) as raised:
        await zones.update(member(), env, zone.id, {"name": "other.org.", "type": "SECONDARY"})
    assert {error.path for error in raised.value.errors} == {("name",), ("type",)}
    with pytest.raises(errors.InvalidObject):
        await zones.update(member(), env, zone.id, {"email": "not-an-email"})
    same = await zones.update(member(), env, zone.id, {"name": "example.org.", "type": "PRIMARY"})
    assert same.name == "example.org."
    low = dataclasses.replace(env, settings=env.settings.model_copy(deep=True))
    low.settings.zones.min_ttl = 100
    with pytest.raises(errors.InvalidTTL):
        await zones.update(member(), low, zone.id, {"ttl": 99})


async def test_delete_marks_delete_pending_and_blocks_updates(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    deleting = await zones.delete(member(), env, zone.id)
    assert (deleting.action, deleting.status, deleting.serial) == (
        Action.DELETE,
        Status.PENDING,
        zone.serial,
    )
    again = await zones.delete(member(), env, zone.id)
    assert again.action is Action.DELETE
    with pytest.raises(errors.BadRequest, match="deleting zone"):
        await zones.update(member(), env, zone.id, {"ttl": 60})
    with pytest.raises(errors.BadRequest, match="deleting zone"):
        await recordsets.create(
            member(), env, zone.id, {"name": "www.example.org.", "type": "A", "records": []}
        )


async def test_a_hard_delete_is_remembered_for_the_worker(env: ServiceEnv) -> None:
    soft = await zones.create(member(), env, {"name": "soft.example.", "email": "a@soft.example"})
    hard = await zones.create(member(), env, {"name": "hard.example.", "email": "a@hard.example"})
    await zones.delete(admin("p1"), env, soft.id)
    await zones.delete(dataclasses.replace(admin("p1"), hard_delete=True), env, hard.id)
    stored = {
        z.name: z.hard_delete
        for z in (await zones.list(admin(all_projects=True), env, ListQuery())).items
    }
    assert stored == {"soft.example.": False, "hard.example.": True}


async def test_delete_with_subzone_is_refused(env: ServiceEnv) -> None:
    parent = await make_zone(member(), env, "example.org.")
    child = await make_zone(member(), env, "a.example.org.")
    with pytest.raises(errors.ZoneHasSubZone):
        await zones.delete(member(), env, parent.id)
    await zones.delete(member(), env, child.id)
    with pytest.raises(errors.ZoneHasSubZone):
        await zones.delete(member(), env, parent.id)  # until the child is purged


async def test_nameservers_come_from_the_pool(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    assert await zones.nameservers(member(), env, zone.id) == [("ns1.zonekeeper.test.", 1)]
    with pytest.raises(errors.ZoneNotFound):
        await zones.nameservers(member("p2"), env, zone.id)


async def test_concurrent_creates_of_one_name_yield_one_zone(env: ServiceEnv) -> None:
    results = await asyncio.gather(
        *(make_zone(member(f"p{i}"), env, "race.example.") for i in range(5)),
        return_exceptions=True,
    )
    zones_made = [r for r in results if not isinstance(r, BaseException)]
    assert len(zones_made) == 1
    assert all(isinstance(r, errors.DuplicateZone) for r in results if r not in zones_made)
    page = await zones.list(
        admin(all_projects=True), env, ListQuery(filters={"name": "race.example."})
    )
    assert page.total_count == 1


async def test_the_managed_project_has_no_zone_quota(env: ServiceEnv) -> None:
    managed = admin(MANAGED_PROJECT)
    for i in range(env.settings.quotas.zones + 2):
        await zones.create(managed, env, {"name": f"{i}.2.0.192.in-addr.arpa.", "email": "a@b.c"})
    page = await zones.list(managed, env, ListQuery(limit=100))
    assert page.total_count == env.settings.quotas.zones + 2


async def test_projects_differing_in_case_are_different_projects(env: ServiceEnv) -> None:
    # MariaDB's default collation would make "ABC" and "abc" one project.
    theirs = await make_zone(member("ABC"), env, "upper.example.")
    with pytest.raises(errors.ZoneNotFound):
        await zones.get(member("abc"), env, theirs.id)
    assert (await zones.list(member("abc"), env, ListQuery())).total_count == 0
    described = ListQuery(filters={"description": "Web"})
    await make_zone(member("abc"), env, "lower.example.", description="web")
    assert (await zones.list(member("abc"), env, described)).total_count == 0
