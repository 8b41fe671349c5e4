"""What the mini-DNS accepts for a zone, read from the zone's pool: the TSIG keys a signed
request is verified with, and who may transfer (``domain.transfers.TransferPolicy``).

Read per signed request or transfer (one primary-key read), not cached: pools change rarely,
but a change must reach every mini-DNS process at once, and a cache would need invalidating
across processes. Ordinary unsigned queries never come here.
"""

from __future__ import annotations

from collections.abc import Sequence

import dns.name
import dns.tsig
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.dns import answer
from zonekeeper.domain import transfers
from zonekeeper.storage import pools, serving


async def keyring(conn: AsyncConnection, qname: dns.name.Name) -> dict[dns.name.Name, dns.tsig.Key]:
    """The TSIG keys of the pool of the zone owning ``qname`` (none for a name we don't host)."""
    zone = await answer.find_zone(conn, qname)
    pool = None if zone is None else await pools.get_pool(conn, zone.pool_id)
    if pool is None:
        return {}
    return {name: key.to_dnspython() for name, key in transfers.pool_keys(pool.targets).items()}


async def transfer_policy(
    conn: AsyncConnection, zone: serving.ServedZone, networks: Sequence[str]
) -> transfers.TransferPolicy | None:
    """Who may transfer ``zone`` (``networks``: the ``dns.allow_transfer`` setting); None
    when its pool is missing."""
    pool = await pools.get_pool(conn, zone.pool_id)
    if pool is None:
        return None
    return transfers.TransferPolicy.of(pool.name, pool.nameservers, pool.targets, networks)
