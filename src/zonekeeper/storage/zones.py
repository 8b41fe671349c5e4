"""Zone rows: reads, locks, writes, the ownership queries, and the serial floors of old zones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, Status, Zone, ZoneType
from zonekeeper.storage import shares
from zonekeeper.storage.tables import zone_serial_floors, zones


def from_row(row: Row[Any]) -> Zone:
    """The Zone a ``zones`` row describes, with the worker's attempt count and last error."""
    return Zone(
        id=row.id,
        project_id=row.project_id,
        pool_id=row.pool_id,
        name=row.name,
        email=row.email,
        ttl=row.ttl,
        serial=row.serial,
        refresh=row.refresh,
        retry=row.retry,
        expire=row.expire,
        minimum=row.minimum,
        status=Status(row.status),
        action=Action(row.action),
        type=ZoneType(row.type),
        description=row.description,
        masters=tuple(row.masters),
        attributes=dict(row.attributes),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        transferred_at=row.transferred_at,
        attempts=row.attempts,
        last_error=row.last_error,
        shared=bool(row._mapping.get("shared", False)),
        hard_delete=row.hard_delete,
        moving_from=row._mapping.get("moving_from_pool_id"),
        request_id=row.request_id,
    )


def to_row(zone: Zone) -> dict[str, Any]:
    """The ``zones`` columns of ``zone`` (the worker's bookkeeping columns are left out)."""
    return {
        "id": zone.id,
        "project_id": zone.project_id,
        "pool_id": zone.pool_id,
        "name": zone.name,
        "email": zone.email,
        "ttl": zone.ttl,
        "serial": zone.serial,
        "refresh": zone.refresh,
        "retry": zone.retry,
        "expire": zone.expire,
        "minimum": zone.minimum,
        "status": zone.status.value,
        "action": zone.action.value,
        "type": zone.type.value,
        "description": zone.description,
        "masters": list(zone.masters),
        "attributes": dict(zone.attributes),
        "version": zone.version,
        "created_at": zone.created_at,
        "updated_at": zone.updated_at,
        "transferred_at": zone.transferred_at,
        "request_id": zone.request_id,
    }


SELECT = select(zones, shares.is_shared())
"""Zone rows with their ``shared`` flag: what every read the API renders selects."""


def of_project(project_id: str) -> ColumnElement[bool]:
    """Scope: the zones ``project_id`` owns."""
    return zones.c.project_id == project_id


async def get(conn: AsyncConnection, zone_id: str) -> Zone | None:
    """The zone with ``zone_id``, or None."""
    row = (await conn.execute(_GET, {"b_id": zone_id})).first()
    return from_row(row) if row is not None else None


# Built once, with bound parameters (see storage.recordsets).
_GET = SELECT.where(zones.c.id == bindparam("b_id"))
_LOCK = _GET.with_for_update(of=zones)


async def lock(conn: AsyncConnection, zone_id: str) -> Zone | None:
    """The zone with ``zone_id``, its row locked until the transaction ends, or None.

    On PostgreSQL this is ``SELECT … FOR UPDATE``, so changes to one zone take turns and each
    reads the serial its predecessor wrote. SQLite renders no lock: its writers already do.
    """
    row = (await conn.execute(_LOCK, {"b_id": zone_id})).first()
    return from_row(row) if row is not None else None


async def insert_zone(conn: AsyncConnection, zone: Zone, **bookkeeping: Any) -> None:
    """Insert ``zone`` (plus worker columns such as ``next_attempt_at``).

    Raises DuplicateZone when another transaction took the name (unique name per pool).
    """
    try:
        await conn.execute(insert(zones).values(**to_row(zone), **bookkeeping))
    except IntegrityError:
        # The only constraint a checked insert can break is uq_zones_name_pool: a concurrent
        # create of the same name committed between our check and this insert.
        raise errors.DuplicateZone() from None


async def update_zone(conn: AsyncConnection, zone_id: str, values: Mapping[str, Any]) -> None:
    """Set ``values`` (column name → value) on the zone row."""
    await conn.execute(_UPDATE_ZONE, {**values, "b_id": zone_id})


# Built once (see storage.recordsets): the SET clause comes from the parameters' keys.
_UPDATE_ZONE = update(zones).where(zones.c.id == bindparam("b_id"))


async def by_names(conn: AsyncConnection, names: Sequence[str]) -> list[Zone]:
    """The zones named any of ``names`` (absolute, lower-case), in any project or pool."""
    if not names:
        return []
    rows = (await conn.execute(SELECT.where(zones.c.name.in_(names)))).all()
    return [from_row(row) for row in rows]


async def descendant_projects(conn: AsyncConnection, name: str) -> set[str]:
    """The projects owning a zone strictly below ``name`` (e.g. ``a.example.org.`` for
    ``example.org.``)."""
    below = zones.c.name.endswith("." + name, autoescape=True)
    rows = await conn.execute(select(zones.c.project_id).where(below).distinct())
    return set(rows.scalars())


async def names_below(conn: AsyncConnection, name: str) -> list[str]:
    """The names of the zones strictly below ``name``, in any project."""
    below = zones.c.name.endswith("." + name, autoescape=True)
    return list((await conn.execute(select(zones.c.name).where(below))).scalars())


async def count_for_project(conn: AsyncConnection, project_id: str) -> int:
    """How many zones ``project_id`` owns, those being deleted included."""
    stmt = select(func.count()).select_from(zones).where(zones.c.project_id == project_id)
    return int((await conn.execute(stmt)).scalar_one())


async def serial_floor(conn: AsyncConnection, name: str) -> int | None:
    """The last serial a deleted zone called ``name`` had, or None."""
    stmt = select(zone_serial_floors.c.serial).where(zone_serial_floors.c.name == name)
    return (await conn.execute(stmt)).scalar_one_or_none()


async def set_serial_floor(conn: AsyncConnection, name: str, serial: int) -> None:
    """Remember ``serial`` as the floor for zones named ``name`` created from now on."""
    await conn.execute(delete(zone_serial_floors).where(zone_serial_floors.c.name == name))
    await conn.execute(insert(zone_serial_floors).values(name=name, serial=serial))
