"""Per (zone, target) state: whether the zone was provisioned on each target of its pool."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import TargetState
from zonekeeper.storage.tables import target_states


async def for_zone(conn: AsyncConnection, zone_id: str) -> list[TargetState]:
    rows = await conn.execute(
        select(target_states)
        .where(target_states.c.zone_id == zone_id)
        .order_by(target_states.c.target)
    )
    return [TargetState(r.target, r.status, r.reason, r.last_error, r.checked_at) for r in rows]


async def replace(conn: AsyncConnection, zone_id: str, states: Sequence[TargetState]) -> None:
    """Store the outcome of the latest provisioning of the zone on each target."""
    await forget(conn, zone_id)
    if states:
        await conn.execute(
            target_states.insert(),
            [
                {
                    "zone_id": zone_id,
                    "target": s.target,
                    "status": s.status,
                    "reason": s.reason,
                    "last_error": s.last_error,
                    "checked_at": s.checked_at,
                }
                for s in states
            ],
        )


async def forget(conn: AsyncConnection, zone_id: str) -> None:
    """Drop what we know of the zone's targets, so the next reconcile provisions it anew
    everywhere (after a server lost it, or its pool changed)."""
    await conn.execute(delete(target_states).where(target_states.c.zone_id == zone_id))
