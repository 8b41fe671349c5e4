"""Queries of the periodic tasks: serial and orphan audits, journal trimming."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import Action, Status, Zone
from zonekeeper.storage import target_states as target_state_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import zone_changes, zones


async def active_zones(conn: AsyncConnection, after_id: str, limit: int) -> list[Zone]:
    """ACTIVE zones with ids above ``after_id``, by id: the serial audit walks them in pages."""
    stmt = (
        select(zones)
        .where(zones.c.status == Status.ACTIVE.value, zones.c.id > after_id)
        .order_by(zones.c.id)
        .limit(limit)
    )
    return [zone_rows.from_row(row) for row in await conn.execute(stmt)]


async def requeue(
    conn: AsyncConnection, zone_id: str, serial: int, reason: str, now: datetime
) -> bool:
    """Hand an ACTIVE zone back to the worker (PENDING/UPDATE, due now) because a nameserver
    no longer serves ``serial``. False when the zone changed meanwhile (it is queued anyway)."""
    still = (zones.c.serial == serial, zones.c.status == Status.ACTIVE.value)
    return await _requeue(conn, zone_id, reason, now, *still)


async def requeue_any(conn: AsyncConnection, zone_id: str, reason: str, now: datetime) -> bool:
    """Hand a zone that is not being deleted back to the worker, due now."""
    return await _requeue(conn, zone_id, reason, now, zones.c.action != Action.DELETE.value)


async def _requeue(
    conn: AsyncConnection, zone_id: str, reason: str, now: datetime, *where: Any
) -> bool:
    result = await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id, *where)
        .values(
            status=Status.PENDING.value,
            action=case(
                (zones.c.action == Action.CREATE.value, zones.c.action), else_=Action.UPDATE.value
            ),
            attempts=0,
            next_attempt_at=now,
            last_error=reason,
        )
    )
    if result.rowcount != 1:
        return False
    # Whatever we knew of the zone's targets is in doubt: provision it anew everywhere.
    await target_state_rows.forget(conn, zone_id)
    return True


async def zone_names_in_pool(conn: AsyncConnection, pool_id: str) -> dict[str, str]:
    """{zone name: zone id} of the pool's zones that should exist on its targets (not the ones
    being deleted; those moving away from it still do, until the move removes them)."""
    stmt = select(zones.c.name, zones.c.id).where(
        or_(zones.c.pool_id == pool_id, zones.c.moving_from_pool_id == pool_id),
        zones.c.action != Action.DELETE.value,
    )
    return {row.name: row.id for row in await conn.execute(stmt)}


async def trim_journal(conn: AsyncConnection, keep: int) -> int:
    """Delete journal entries beyond the newest ``keep`` of each zone; returns how many.
    IXFR from an older serial falls back to AXFR, which is always correct."""
    newer = zone_changes.alias("newer")
    surplus = (
        select(newer.c.id)
        .where(newer.c.zone_id == zone_changes.c.zone_id)
        .order_by(newer.c.id.desc())
        .offset(keep)
        .limit(1)
        .scalar_subquery()
    )
    result = await conn.execute(delete(zone_changes).where(and_(zone_changes.c.id <= surplus)))
    return result.rowcount
