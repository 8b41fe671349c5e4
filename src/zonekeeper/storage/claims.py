"""Leases on zones, so that several workers never reconcile one zone at the same time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import Zone
from zonekeeper.storage.tables import zones


async def claim(conn: AsyncConnection, zone: Zone, now: datetime, until: datetime) -> bool:
    """Take the zone until ``until`` if it is due at ``now`` and still at the serial and
    action ``zone`` was read with; False if someone else holds it or it changed meanwhile.

    A plain compare-and-set works the same on every database: a worker that dies mid-push
    just lets the lease run out, and the next sweep picks the zone up again. Naming the serial
    and action keeps a change committed between the read and the claim from being hidden
    behind the lease: that change made the zone due at its commit, and a claim for the stale
    serial would push it a lease ahead while the attempt works towards the old serial.
    """
    result = await conn.execute(
        update(zones)
        .where(
            zones.c.id == zone.id,
            zones.c.serial == zone.serial,
            zones.c.action == zone.action.value,
            zones.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
    )
    return result.rowcount == 1
