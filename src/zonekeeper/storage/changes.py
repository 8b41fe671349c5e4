"""The life of a committed change after its transaction: the ``zone_changes`` journal that
mini-DNS answers IXFR from, and the worker's bookkeeping until the zone is served (or purged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import Action, Status, Zone
from zonekeeper.domain.serial import serial_ge
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import (
    nameserver_states,
    records,
    recordsets,
    target_states,
    zone_changes,
    zones,
)

RR = tuple[str, str, int, str]
"""One resource record as journalled: (owner name, type, served TTL, canonical data)."""


@dataclass(frozen=True, slots=True)
class Journalled:
    """One ``zone_changes`` row: the difference between two consecutive serials."""

    from_serial: int
    to_serial: int
    removed: tuple[RR, ...]
    """The first entry is the SOA at ``from_serial``."""
    added: tuple[RR, ...]
    """The first entry is the SOA at ``to_serial``."""


async def append(
    conn: AsyncConnection,
    zone_id: str,
    change: Journalled,
    now: datetime,
    request_id: str | None = None,
) -> None:
    """Append ``change`` (made by the API request ``request_id``, if any) to the zone's
    journal."""
    await conn.execute(
        _APPEND,
        {
            "zone_id": zone_id,
            "request_id": request_id or None,
            "from_serial": change.from_serial,
            "to_serial": change.to_serial,
            "removed": [list(rr) for rr in change.removed],
            "added": [list(rr) for rr in change.added],
            "created_at": now,
        },
    )


_APPEND = insert(zone_changes)  # built once: see storage.recordsets


async def journal(conn: AsyncConnection, zone_id: str) -> list[Journalled]:
    """The zone's journal, oldest change first."""
    stmt = select(zone_changes).where(zone_changes.c.zone_id == zone_id).order_by(zone_changes.c.id)
    return [
        Journalled(
            from_serial=row.from_serial,
            to_serial=row.to_serial,
            removed=tuple(_rr(entry) for entry in row.removed),
            added=tuple(_rr(entry) for entry in row.added),
        )
        for row in await conn.execute(stmt)
    ]


def _rr(entry: Sequence[Any]) -> RR:
    name, rtype, ttl, data = entry
    return (str(name), str(rtype), int(ttl), str(data))


async def due_zones(conn: AsyncConnection, now: datetime, limit: int) -> list[Zone]:
    """Up to ``limit`` zones the worker should look at: PENDING or ERROR with
    ``next_attempt_at <= now``, the longest waiting first (served by ``ix_zones_pending``)."""
    rows = await conn.execute(_DUE_ZONES, {"b_now": now, "b_limit": limit})
    return [zone_rows.from_row(row) for row in rows]


# The worker runs these after every wake-up: built once (see storage.recordsets).
_WAITING = zones.c.status.in_([Status.PENDING.value, Status.ERROR.value])
_DUE_ZONES = (
    select(zones)
    .where(_WAITING, zones.c.next_attempt_at <= bindparam("b_now"))
    .order_by(zones.c.next_attempt_at, zones.c.id)
    .limit(bindparam("b_limit"))
)
_NEXT_DUE = select(func.min(zones.c.next_attempt_at)).where(_WAITING)


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the earliest PENDING or ERROR zone is next due, or None when none is waiting."""
    due: datetime | None = (await conn.execute(_NEXT_DUE)).scalar_one()
    return due


async def mark_propagated(
    conn: AsyncConnection, zone_id: str, served_serial: int, now: datetime
) -> bool:
    """Record that the nameservers serve ``served_serial``: when that covers the zone's serial
    (RFC 1982) and the zone is not being deleted, the zone and its pending recordsets become
    ACTIVE/NONE and the worker's bookkeeping is cleared. Returns False, changing nothing,
    when the zone is gone, being deleted, or has moved past ``served_serial``. Idempotent.
    """
    zone = await zone_rows.lock(conn, zone_id)
    if zone is None or zone.action is Action.DELETE or not serial_ge(served_serial, zone.serial):
        return False
    done = {"status": Status.ACTIVE.value, "action": Action.NONE.value}
    await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id, zones.c.serial == zone.serial)
        .values(
            **done,
            attempts=0,
            next_attempt_at=None,
            last_error=None,
            version=zones.c.version + 1,
            updated_at=now,
        )
    )
    # Every recordset's serial is at most the zone's (changes stamp the zone's new serial on
    # what they touch), so all of the zone's pending recordsets are now served. IN, not
    # "!= ACTIVE": only an equality seeks ix_recordsets_zone_status.
    unserved = (Status.PENDING.value, Status.ERROR.value)
    await conn.execute(
        update(recordsets)
        .where(recordsets.c.zone_id == zone_id, recordsets.c.status.in_(unserved))
        .values(**done, version=recordsets.c.version + 1, updated_at=now)
    )
    return True


async def mark_attempt_failed(
    conn: AsyncConnection, zone_id: str, error: str, next_attempt_at: datetime, error_after: int
) -> None:
    """Count one failed reconcile attempt: ``attempts += 1``, remember ``error``, retry at
    ``next_attempt_at``; the zone turns ERROR once ``attempts >= error_after`` (its action
    is kept, as in Designate)."""
    attempts = zones.c.attempts + 1
    await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id)
        .values(
            attempts=attempts,
            last_error=error,
            next_attempt_at=next_attempt_at,
            status=_error_once(attempts, error_after),
        )
    )


def _error_once(attempts: ColumnElement[int], error_after: int) -> ColumnElement[str]:
    return case((attempts >= error_after, Status.ERROR.value), else_=zones.c.status)


async def purge_zone(conn: AsyncConnection, zone_id: str) -> None:
    """The last step of a delete: remember the zone's serial as the floor for a zone created
    again under its name, then delete the zone and every row that belongs to it.
    Idempotent (a zone already gone is left alone)."""
    zone = await zone_rows.lock(conn, zone_id)
    if zone is None:
        return
    await zone_rows.set_serial_floor(conn, zone.name, zone.serial)
    for table in (zone_changes, records, recordsets, nameserver_states, target_states):
        await conn.execute(delete(table).where(table.c.zone_id == zone_id))
    await conn.execute(delete(zones).where(zones.c.id == zone_id))


@dataclass(frozen=True, slots=True)
class Traced:
    """One journal entry as `zonekeeper doctor` shows it."""

    to_serial: int
    committed_at: datetime
    request_id: str | None


async def recent(conn: AsyncConnection, zone_id: str, limit: int) -> list[Traced]:
    """The zone's ``limit`` latest journal entries, newest first."""
    stmt = (
        select(zone_changes.c.to_serial, zone_changes.c.created_at, zone_changes.c.request_id)
        .where(zone_changes.c.zone_id == zone_id)
        .order_by(zone_changes.c.id.desc())
        .limit(limit)
    )
    return [Traced(*row) for row in await conn.execute(stmt)]
