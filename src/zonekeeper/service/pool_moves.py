"""Pool moves (Designate's ``pool_move_zone``): the zone goes to another pool's targets and
leaves the old pool's only once the new pool is proven to serve it.

The move itself is one transaction: the zone's ``pool_id`` becomes the new pool, the old one is
remembered in ``moving_from_pool_id``, and the apex NS set becomes both pools' nameservers, so
a resolver that follows either the old or the new delegation finds a server answering at every
step. The worker does the rest (``worker/moves.py``): it narrows the NS set to the new pool
once the new pool serves the zone, then removes the zone from the old pool's targets.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import DEFAULT_POOL_ID, Zone
from zonekeeper.service import policy, pools
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import zones as zone_rows


async def move(ctx: RequestContext, env: ServiceEnv, zone_id: str, pool_id: str | None) -> Zone:
    """Start moving the zone to the pool ``pool_id`` (None: the scheduler's choice, which is
    the default pool, as Designate's ``default_pool`` filter picks). The zone is PENDING until
    the worker has finished the move. Moving a zone back to the pool it is still moving from
    is allowed (an escape from a move that cannot finish); any other move of a moving zone
    is not. Raises Forbidden (admins only: ``pool_move_zone``), ZoneNotFound, BadRequest
    (same pool, no such pool, zone being deleted or moving elsewhere), NoServersConfigured
    (the new pool has no ns_records), DuplicateZone (the new pool holds the name already).
    """
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "pool_move_zone")
        policy.refuse_deleting(zone)
        target = await _target_pool(conn, zone, pool_id)
        source = await pool_rows.get_pool(conn, zone.pool_id)
        if zone.moving_from is not None and zone.moving_from != target.id:
            raise errors.BadRequest(
                f"The zone is still moving from pool {zone.moving_from}: wait until it is "
                "ACTIVE, or move it back to that pool"
            )
        if not target.ns_records:
            raise errors.NoServersConfigured("The target pool has no nameservers")
        await pools.rewrite_apex(conn, ctx, zone.id, _both(target, source), env.now())
        await _set_pool(conn, zone, target.id)
        moved = await zone_rows.get(conn, zone.id)
    env.db.wake_worker()
    assert moved is not None  # locked in this transaction
    return moved


async def _target_pool(conn: AsyncConnection, zone: Zone, pool_id: str | None) -> pool_rows.Pool:
    """The pool the zone goes to; raises BadRequest as Designate does."""
    chosen = pool_id or DEFAULT_POOL_ID
    if chosen == zone.pool_id:
        raise errors.BadRequest(
            "Target pool must be different for zone pool move"
            if pool_id
            else "No valid pool selected"
        )
    target = await pool_rows.get_pool(conn, chosen)
    if target is None:
        raise errors.BadRequest("Target pool does not exist")
    return target


def _both(target: pool_rows.Pool, source: pool_rows.Pool | None) -> list[str]:
    """The NS hostnames while moving: the new pool's first (its first is the SOA MNAME),
    then the old pool's that the new one lacks."""
    hostnames = [str(ns["hostname"]) for ns in target.ns_records]
    old = [] if source is None else [str(ns["hostname"]) for ns in source.ns_records]
    return hostnames + [name for name in old if name not in hostnames]


async def _set_pool(conn: AsyncConnection, zone: Zone, pool_id: str) -> None:
    """Point the zone at ``pool_id``, remembering the pool it leaves (or, when moving back,
    the pool it had started to move to: that one must lose the zone now)."""
    try:
        await zone_rows.update_zone(
            conn, zone.id, {"pool_id": pool_id, "moving_from_pool_id": zone.pool_id}
        )
    except IntegrityError:
        # uq_zones_name_pool: the new pool hosts a zone of the same name already.
        raise errors.DuplicateZone() from None
