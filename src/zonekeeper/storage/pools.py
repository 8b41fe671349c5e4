"""Pool rows: where zones are served (ns_records, nameservers, targets, also-notifies), their
pages for the API, and the queries a pool change needs (its zones, their apex NS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, ListQuery
from zonekeeper.storage import listing
from zonekeeper.storage.tables import pools, recordsets, zones

LISTING = listing.Listing(
    table=pools,
    id=pools.c.id,
    filters={"name": listing.match(pools.c.name)},
    sort_keys={key: pools.c[key] for key in ("created_at", "id", "updated_at", "name")},
)


@dataclass(frozen=True, slots=True)
class Pool:
    """One pool as stored; the JSON columns are handed back as read."""

    id: str
    name: str
    ns_records: tuple[Mapping[str, Any], ...]
    """``{"hostname": "ns1.example.org.", "priority": 1}``, lowest priority first."""
    nameservers: tuple[Mapping[str, Any], ...]
    """``{"host": "127.0.0.1", "port": 53}``: polled for the served serial."""
    targets: tuple[Mapping[str, Any], ...]
    """``{"type": "bind9", "masters": [...], "options": {...}}``: where zones are provisioned."""
    also_notifies: tuple[Mapping[str, Any], ...]
    description: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    """Set when read; ignored when written."""
    updated_at: datetime | None = None
    """Set when read; ignored when written."""
    project_id: str | None = None
    """Set when read; written only by :func:`insert_pool` and :func:`set_project`."""

    @classmethod
    def from_row(cls, row: Row[Any]) -> Pool:
        ns_records = sorted(row.ns_records, key=lambda ns: (ns["priority"], ns["hostname"]))
        return cls(
            id=row.id,
            name=row.name,
            ns_records=tuple(ns_records),
            nameservers=tuple(row.nameservers),
            targets=tuple(row.targets),
            also_notifies=tuple(row.also_notifies),
            description=row.description,
            attributes=dict(row.attributes),
            created_at=row.created_at,
            updated_at=row.updated_at,
            project_id=row.project_id,
        )


async def get_pool(conn: AsyncConnection, pool_id: str) -> Pool | None:
    """The pool with ``pool_id``, or None."""
    row = (await conn.execute(select(pools).where(pools.c.id == pool_id))).first()
    return Pool.from_row(row) if row is not None else None


async def lock_pool(conn: AsyncConnection, pool_id: str) -> Pool | None:
    """The pool with ``pool_id``, its row locked until the transaction ends, or None."""
    stmt = select(pools).where(pools.c.id == pool_id).with_for_update()
    row = (await conn.execute(stmt)).first()
    return Pool.from_row(row) if row is not None else None


async def upsert_pool(conn: AsyncConnection, pool: Pool, now: datetime) -> None:
    """Write ``pool`` under its id: insert it, or replace the stored values (all but the
    timestamps). Idempotent."""
    values = _columns(pool)
    changed = await conn.execute(
        update(pools).where(pools.c.id == pool.id).values(**values, updated_at=now)
    )
    if changed.rowcount != 0:
        return
    try:
        # A savepoint, so that losing a race with another process starting up leaves the
        # surrounding transaction usable for the update that follows.
        async with conn.begin_nested():
            await conn.execute(pools.insert().values(id=pool.id, created_at=now, **values))
    except IntegrityError:
        await conn.execute(
            update(pools).where(pools.c.id == pool.id).values(**values, updated_at=now)
        )


async def insert_if_absent(conn: AsyncConnection, pool: Pool, now: datetime) -> None:
    """Insert ``pool`` unless a pool with its id exists; an existing one is left as it is,
    also when a concurrent transaction inserts it first."""
    if await get_pool(conn, pool.id) is not None:
        return
    try:
        # A savepoint: losing the race leaves the surrounding transaction usable.
        async with conn.begin_nested():
            await conn.execute(pools.insert().values(id=pool.id, created_at=now, **_columns(pool)))
    except IntegrityError:
        pass


async def insert_pool(conn: AsyncConnection, pool: Pool, now: datetime) -> None:
    """Insert a new pool (with its ``project_id``); raises DuplicatePool when its name (or
    id) is taken, which the unique constraint decides, so two creates cannot both win."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                pools.insert().values(
                    id=pool.id, project_id=pool.project_id, created_at=now, **_columns(pool)
                )
            )
    except IntegrityError:
        raise errors.DuplicatePool() from None


async def set_project(conn: AsyncConnection, pool_id: str, project_id: str | None) -> None:
    await conn.execute(update(pools).where(pools.c.id == pool_id).values(project_id=project_id))


async def by_name(conn: AsyncConnection, name: str) -> Pool | None:
    row = (await conn.execute(select(pools).where(pools.c.name == name))).first()
    return Pool.from_row(row) if row is not None else None


def _columns(pool: Pool) -> dict[str, Any]:
    """The columns a pool's owner writes (never its id, timestamps or project_id)."""
    return {
        "name": pool.name,
        "description": pool.description,
        "attributes": dict(pool.attributes),
        "ns_records": [dict(ns) for ns in pool.ns_records],
        "nameservers": [dict(ns) for ns in pool.nameservers],
        "targets": [dict(target) for target in pool.targets],
        "also_notifies": [dict(entry) for entry in pool.also_notifies],
    }


async def list_pools(conn: AsyncConnection) -> list[Pool]:
    """Every pool, oldest first."""
    rows = await conn.execute(select(pools).order_by(pools.c.created_at, pools.c.id))
    return [Pool.from_row(row) for row in rows]


async def page(conn: AsyncConnection, query: ListQuery) -> list[Pool]:
    """One page of pools (no total: Designate counts no pools). Raises InvalidSortKey,
    InvalidSortDir, BadRequest (filters), MarkerNotFound."""
    rows, _ = await listing.page(conn, LISTING, select(pools), [], query, count=False)
    return [Pool.from_row(row) for row in rows]


async def delete_pool(conn: AsyncConnection, pool_id: str) -> None:
    """Delete the pool row; the caller has made sure no zone refers to it."""
    await conn.execute(delete(pools).where(pools.c.id == pool_id))


async def count_zones(conn: AsyncConnection, pool_id: str) -> int:
    """How many zones the pool holds, those being deleted or moved away from it included."""
    stmt = (
        select(func.count())
        .select_from(zones)
        .where(or_(zones.c.pool_id == pool_id, zones.c.moving_from_pool_id == pool_id))
    )
    return int((await conn.execute(stmt)).scalar_one())


async def live_zone_ids(conn: AsyncConnection, pool_id: str) -> list[str]:
    """The ids of the pool's zones that are not being deleted, oldest first."""
    stmt = (
        select(zones.c.id)
        .where(zones.c.pool_id == pool_id, zones.c.action != Action.DELETE.value)
        .order_by(zones.c.created_at, zones.c.id)
    )
    return list((await conn.execute(stmt)).scalars())


async def apex_ns_id(conn: AsyncConnection, zone_id: str, zone_name: str) -> str | None:
    """The id of the zone's managed apex NS recordset, or None."""
    stmt = select(recordsets.c.id).where(
        recordsets.c.zone_id == zone_id,
        recordsets.c.name == zone_name,
        recordsets.c.type == "NS",
    )
    return (await conn.execute(stmt)).scalar_one_or_none()
