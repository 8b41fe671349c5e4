"""Lists: filters, every sort key both ways through every page, markers, total counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Clock, admin, member
from tests.service.helpers import make_recordset, make_zone
from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Zone
from zonekeeper.service import recordsets, zones
from zonekeeper.service.env import ServiceEnv

DESCRIPTIONS = [None, "b", None, "a", "b", None, "c"]


async def _zones(env: ServiceEnv, clock: Clock) -> list[Zone]:
    made = []
    for i, description in enumerate(DESCRIPTIONS):
        # Pairs share a created_at, so ties are broken by id.
        clock.advance(i % 2)
        name = f"z{(i * 3) % 7}.example."
        made.append(
            await make_zone(member(), env, name, ttl=300 + 100 * (i % 3), description=description)
        )
    await zones.update(member(), env, made[2].id, {"ttl": 301})  # gives one an updated_at
    return [await zones.get(member(), env, zone.id) for zone in made]


def _key(zone: Zone, key: str) -> Any:
    value = getattr(zone, "project_id" if key == "tenant_id" else key)
    return (value is not None, value)  # NULLs first ascending


async def _walk(env: ServiceEnv, key: str, direction: str, limit: int) -> list[str]:
    seen: list[str] = []
    marker = None
    while True:
        page = await zones.list(
            member(), env, ListQuery(limit=limit, marker=marker, sort_key=key, sort_dir=direction)
        )
        assert page.total_count == len(DESCRIPTIONS)
        seen.extend(zone.id for zone in page.items)
        if len(page.items) < limit:
            return seen
        marker = page.items[-1].id


@pytest.mark.parametrize(
    "key", ["created_at", "id", "updated_at", "name", "tenant_id", "serial", "ttl", "status"]
)
async def test_every_sort_key_pages_through_everything_in_order(
    env: ServiceEnv, clock: Clock, key: str
) -> None:
    made = await _zones(env, clock)
    for direction in ("asc", "desc"):
        expected = sorted(made, key=lambda z: (_key(z, key), z.id), reverse=direction == "desc")
        for limit in (1, 2, 3, 100):
            assert await _walk(env, key, direction, limit) == [z.id for z in expected], limit


async def test_filters(env: ServiceEnv, clock: Clock) -> None:
    made = await _zones(env, clock)

    async def names(**filters: str) -> list[str]:
        page = await zones.list(
            member(), env, ListQuery(limit=100, sort_key="name", filters=filters)
        )
        assert page.total_count == len(page.items)
        return [zone.name for zone in page.items]

    assert await names(name="Z3.example.") == ["z3.example."]
    assert await names(name="z*.example.") == sorted(z.name for z in made)
    assert await names(description="b") == sorted(z.name for z in made if z.description == "b")
    assert await names(description="*") == sorted(z.name for z in made if z.description)
    assert await names(ttl="400") == sorted(z.name for z in made if z.ttl == 400)
    assert await names(ttl="4*") == sorted(z.name for z in made if str(z.ttl).startswith("4"))
    assert await names(status="pending", type="PRIMARY") == sorted(z.name for z in made)
    assert await names(email="admin@example.org") == sorted(z.name for z in made)
    assert await names(name="z_.example*") == sorted(z.name for z in made)  # "_" too, in LIKE
    assert await names(name="z_.example.") == []  # no "*": equality
    with pytest.raises(errors.BadRequest, match="Invalid filters"):
        await names(colour="red")
    with pytest.raises(errors.BadRequest):
        await names(ttl="abc")


async def test_marker_and_sort_errors(env: ServiceEnv, clock: Clock) -> None:
    await _zones(env, clock)
    unknown = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(errors.MarkerNotFound, match=f"^Marker {unknown} could not be found$"):
        await zones.list(member(), env, ListQuery(marker=unknown))
    with pytest.raises(errors.InvalidSortKey):
        await zones.list(member(), env, ListQuery(sort_key="email"))
    with pytest.raises(errors.InvalidSortDir):
        await zones.list(member(), env, ListQuery(sort_dir="up"))
    empty = await zones.list(member("p2"), env, ListQuery())
    assert (empty.items, empty.total_count) == ([], 0)
    everyone = await zones.list(admin(all_projects=True), env, ListQuery(limit=2))
    assert (len(everyone.items), everyone.total_count) == (2, len(DESCRIPTIONS))


async def test_recordset_pages_by_nullable_ttl(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    ttls = [None, 60, None, 30, 60]
    for i, ttl in enumerate(ttls):
        await make_recordset(member(), env, zone, f"r{i}.example.org.", ttl=ttl)
    everything = await recordsets.list(member(), env, zone.id, ListQuery(limit=100))
    assert everything.total_count == len(ttls) + 2
    for direction in ("asc", "desc"):
        expected = sorted(
            everything.items,
            key=lambda rs: ((rs.ttl is not None, rs.ttl), rs.id),
            reverse=direction == "desc",
        )
        seen: list[str] = []
        marker = None
        while True:
            query = ListQuery(limit=2, marker=marker, sort_key="ttl", sort_dir=direction)
            page = await recordsets.list(member(), env, zone.id, query, count=False)
            seen.extend(rs.id for rs in page.items)
            if len(page.items) < 2:
                break
            marker = page.items[-1].id
        assert seen == [rs.id for rs in expected]
    filtered = await recordsets.list(
        member(), env, zone.id, ListQuery(filters={"name": "R1.example.org.", "ttl": "60"})
    )
    assert [rs.name for rs in filtered.items] == ["r1.example.org."]
    with pytest.raises(errors.InvalidSortKey):
        await recordsets.list(member(), env, zone.id, ListQuery(sort_key="records"))
