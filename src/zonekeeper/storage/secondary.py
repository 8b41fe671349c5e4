"""SECONDARY zone rows: the content a transfer replaces, the refresh timer (its claims too, so
that several workers never transfer one zone at once), and what a NOTIFY from a master does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import masters
from zonekeeper.domain.models import Action, Zone, ZoneType
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import records, recordsets, zones

EXPIRED = "EXPIRED"
"""``transfer_status`` of a zone no master confirmed for its SOA expire: not served."""
OK = "OK"
FAILED = "FAILED"

Stored = dict[tuple[str, str], tuple[str, int | None, set[str]]]
"""(owner, type) → (recordset id, TTL, data of each record)."""


def not_expired() -> Any:
    """Condition: the zone may be served (it is no expired secondary)."""
    return or_(zones.c.transfer_status.is_(None), zones.c.transfer_status != EXPIRED)


async def stored(conn: AsyncConnection, zone_id: str) -> Stored:
    """Every recordset of the zone with its records."""
    stmt = (
        select(recordsets.c.id, recordsets.c.name, recordsets.c.type, recordsets.c.ttl)
        .add_columns(records.c.data)
        .select_from(recordsets.outerjoin(records, records.c.recordset_id == recordsets.c.id))
        .where(recordsets.c.zone_id == zone_id)
    )
    found: Stored = {}
    for rs_id, name, rtype, ttl, data in await conn.execute(stmt):
        entry = found.setdefault((name, rtype), (rs_id, ttl, set()))
        if data is not None:
            entry[2].add(data)
    return found


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[Zone]:
    """Up to ``limit`` SECONDARY zones whose refresh timer ran out, the longest waiting first."""
    stmt = (
        zone_rows.SELECT.where(
            zones.c.next_transfer_at <= now,
            zones.c.type == ZoneType.SECONDARY.value,
            zones.c.action != Action.DELETE.value,
        )
        .order_by(zones.c.next_transfer_at, zones.c.id)
        .limit(limit)
    )
    return [zone_rows.from_row(row) for row in await conn.execute(stmt)]


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the earliest refresh timer runs out, or None when no zone has one."""
    stmt = select(func.min(zones.c.next_transfer_at)).where(
        zones.c.type == ZoneType.SECONDARY.value, zones.c.action != Action.DELETE.value
    )
    moment: datetime | None = (await conn.execute(stmt)).scalar_one()
    return moment


async def claim(conn: AsyncConnection, zone_id: str, now: datetime, until: datetime) -> bool:
    """Take the zone's transfer until ``until`` if its timer ran out at ``now``: a
    compare-and-set, so one worker of many wins, and a crashed one's claim runs out."""
    result = await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id, zones.c.next_transfer_at <= now)
        .values(next_transfer_at=until)
    )
    return result.rowcount == 1


async def set_transfer(conn: AsyncConnection, zone_id: str, values: Mapping[str, Any]) -> None:
    """Set ``values`` (transfer columns and any other) on the zone row."""
    await conn.execute(update(zones).where(zones.c.id == zone_id).values(**values))


async def notified(conn: AsyncConnection, name: str, source: str, now: datetime) -> bool | None:
    """A NOTIFY for ``name`` came from ``source``: when ``source`` is a master of the
    SECONDARY zone of that name, its timer is set to run out now and True returned; False when
    such zones exist but ``source`` is none of their masters; None when no zone of the name is
    SECONDARY."""
    stmt = select(zones.c.id, zones.c.masters).where(
        zones.c.name == name,
        zones.c.type == ZoneType.SECONDARY.value,
        zones.c.action != Action.DELETE.value,
    )
    rows = (await conn.execute(stmt)).all()
    if not rows:
        return None
    ids = [zone_id for zone_id, texts in rows if _from(source, texts)]
    if ids:
        await conn.execute(update(zones).where(zones.c.id.in_(ids)).values(next_transfer_at=now))
    return bool(ids)


def _from(source: str, texts: list[str]) -> bool:
    """Whether ``source`` (an address) is the address of one of the masters ``texts``."""
    source_master = masters.Master.from_text(source)
    return any(masters.Master.from_text(text).address == source_master.address for text in texts)


async def transfer_state(conn: AsyncConnection, zone_id: str) -> Any:
    """The zone's transfer columns (``next_transfer_at``, ``refreshed_at``,
    ``transfer_status``, ``transfer_reason``, ``transfer_error``), or None."""
    stmt = select(
        zones.c.next_transfer_at,
        zones.c.refreshed_at,
        zones.c.transfer_status,
        zones.c.transfer_reason,
        zones.c.transfer_error,
    ).where(zones.c.id == zone_id)
    return (await conn.execute(stmt)).first()
