"""Per (zone, nameserver) observed state: what each nameserver served when last asked."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import NameserverState
from zonekeeper.storage.tables import nameserver_states


async def replace(conn: AsyncConnection, zone_id: str, states: Sequence[NameserverState]) -> None:
    """Store the latest observation of each of the zone's nameservers (replacing older ones)."""
    await conn.execute(delete(nameserver_states).where(nameserver_states.c.zone_id == zone_id))
    if states:
        await conn.execute(
            nameserver_states.insert(),
            [
                {
                    "zone_id": zone_id,
                    "host": s.host,
                    "port": s.port,
                    "served_serial": s.served_serial,
                    "status": s.status,
                    "reason": s.reason,
                    "last_error": s.last_error,
                    "checked_at": s.checked_at,
                    "served_at": s.served_at,
                }
                for s in states
            ],
        )


async def for_zone(conn: AsyncConnection, zone_id: str) -> list[NameserverState]:
    rows = await conn.execute(
        select(nameserver_states)
        .where(nameserver_states.c.zone_id == zone_id)
        .order_by(nameserver_states.c.host, nameserver_states.c.port)
    )
    return [
        NameserverState(
            r.host,
            r.port,
            r.served_serial,
            r.status,
            r.reason,
            r.last_error,
            r.checked_at,
            r.served_at,
        )
        for r in rows
    ]
