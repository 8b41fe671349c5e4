"""Leases on zones, so that several workers never reconcile one zone at the same time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage.tables import zones


async def claim(conn: AsyncConnection, zone_id: str, now: datetime, until: datetime) -> bool:
    """Take the zone until ``until`` if it is due at ``now``; False if someone else holds it.

    A plain compare-and-set on ``next_attempt_at`` works the same on every database: a worker
    that dies mid-push just lets the lease run out, and the next sweep picks the zone up again.
    A change committed meanwhile sets ``next_attempt_at`` back to its commit time, so it is
    never lost behind a lease.
    """
    result = await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id, zones.c.next_attempt_at <= now)
        .values(next_attempt_at=until)
    )
    return result.rowcount == 1
