"""Propagation you can see: where each of a zone's nameservers stands."""

from __future__ import annotations

from zonekeeper.domain.models import TransferState, ZoneSync, ZoneType
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import nameserver_states, target_states
from zonekeeper.storage import secondary as secondary_rows


async def sync(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> ZoneSync:
    """The zone with its nameservers' last observed state, its pool's targets and, for a
    SECONDARY zone, how its last refresh from its masters went.
    Raises Forbidden or ZoneNotFound like a zone GET."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id)
        states = await nameserver_states.for_zone(conn, zone.id)
        provisioned = await target_states.for_zone(conn, zone.id)
        transfer = None
        if zone.type is ZoneType.SECONDARY:
            row = await secondary_rows.transfer_state(conn, zone.id)
            transfer = TransferState(
                status=row.transfer_status,
                reason=row.transfer_reason,
                last_error=row.transfer_error,
                transferred_at=zone.transferred_at,
                refreshed_at=row.refreshed_at,
                next_transfer_at=row.next_transfer_at,
            )
    return ZoneSync(zone, tuple(states), tuple(provisioned), transfer)
