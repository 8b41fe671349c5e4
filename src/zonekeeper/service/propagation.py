"""Propagation you can see: where each of a zone's nameservers stands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.domain import errors
from zonekeeper.domain.models import ZoneSync
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import nameserver_states, pools


async def sync(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> ZoneSync:
    """The zone with its nameservers' last observed state and its pool's targets.
    Raises Forbidden or ZoneNotFound like a zone GET."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id)
        states = await nameserver_states.for_zone(conn, zone.id)
        pool = await pools.get_pool(conn, zone.pool_id)
    if pool is None:
        raise errors.PoolNotFound()
    return ZoneSync(zone, tuple(states), tuple(_target(t) for t in pool.targets))


def _target(target: Mapping[str, Any]) -> dict[str, str]:
    options = target.get("options") or {}
    described = {"type": str(target["type"])}
    described |= {key: str(options[key]) for key in ("host", "port") if key in options}
    return described
