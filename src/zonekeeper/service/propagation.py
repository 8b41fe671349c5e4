"""Propagation you can see: where each of a zone's nameservers stands."""

from __future__ import annotations

from zonekeeper.domain.models import ZoneSync
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import nameserver_states, target_states


async def sync(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> ZoneSync:
    """The zone with its nameservers' last observed state and its pool's targets.
    Raises Forbidden or ZoneNotFound like a zone GET."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id)
        states = await nameserver_states.for_zone(conn, zone.id)
        provisioned = await target_states.for_zone(conn, zone.id)
    return ZoneSync(zone, tuple(states), tuple(provisioned))
