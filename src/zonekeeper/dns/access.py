"""What the mini-DNS accepts for a zone, read from the zone's pool: the TSIG keys a signed
request is verified with, and who may transfer (``domain.transfers.TransferPolicy``).

Keys come from the pool's targets (``pools.yaml``: inline, or named by ``tsigkey_id``) and from
the TSIG key resources (``/v2/tsigkeys``) scoped to the pool or to the zone. A resource key is
accepted, as Designate's mini-DNS accepts it, but does not by itself make the pool transfer
only signed: that stays the targets' keys' effect, so creating a key through the API cannot cut
off the nameservers.

Read per signed request or transfer (a few indexed reads), not cached: pools change rarely,
but a change must reach every mini-DNS process at once, and a cache would need invalidating
across processes. Ordinary unsigned queries never come here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import dns.name
import dns.tsig
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.dns import answer
from zonekeeper.domain import transfers
from zonekeeper.storage import pools, serving, tsigkeys


async def keyring(conn: AsyncConnection, qname: dns.name.Name) -> dict[dns.name.Name, dns.tsig.Key]:
    """The TSIG keys of the pool of the zone owning ``qname`` (none for a name we don't host)."""
    zone = await answer.find_zone(conn, qname)
    pool = None if zone is None else await _pool_of(conn, zone)
    if zone is None or pool is None:
        return {}
    keys = {**await _resource_keys(conn, zone), **transfers.pool_keys(pool.targets)}
    return {name: key.to_dnspython() for name, key in keys.items()}


async def transfer_policy(
    conn: AsyncConnection, zone: serving.ServedZone, networks: Sequence[str]
) -> transfers.TransferPolicy | None:
    """Who may transfer ``zone`` (``networks``: the ``dns.allow_transfer`` setting); None
    when its pool is missing."""
    pool = await _pool_of(conn, zone)
    if pool is None:
        return None
    policy = transfers.TransferPolicy.of(pool.name, pool.nameservers, pool.targets, networks)
    return dataclasses.replace(policy, accepted=await _resource_keys(conn, zone))


async def _pool_of(conn: AsyncConnection, zone: serving.ServedZone) -> pools.Pool | None:
    """The zone's pool, its targets' keys resolved; while the zone moves between pools, with
    the old pool's nameservers and targets added: they keep serving it until the new pool
    does, so they must still be able to fetch each new serial."""
    pool = await pools.get_pool(conn, zone.pool_id)
    if pool is None:
        return None
    pool = await tsigkeys.resolve(conn, pool)
    old = None if zone.moving_from is None else await pools.get_pool(conn, zone.moving_from)
    if old is None:
        return pool
    old = await tsigkeys.resolve(conn, old)
    return dataclasses.replace(
        pool,
        nameservers=(*pool.nameservers, *old.nameservers),
        targets=(*pool.targets, *old.targets),
    )


async def _resource_keys(
    conn: AsyncConnection, zone: serving.ServedZone
) -> dict[dns.name.Name, transfers.TsigKey]:
    keys = await tsigkeys.for_zone(conn, zone.pool_id, zone.id)
    return {key.dns_name: key for key in keys}
