"""What the reconciler needs to know about a zone moving between pools (``service.pool_moves``).

A move goes in three steps, each decided again from the database on every attempt, so a worker
killed at any point leaves the next one (here or elsewhere) to go on where it stopped:

1. The new pool is provisioned and proven to serve the zone's serial, whose apex NS names
   both pools' nameservers; the old pool keeps serving meanwhile.
2. The apex NS is narrowed to the new pool's (a new serial), proven served the same way.
3. The zone is removed from the old pool's targets that the new pool does not share, proven
   gone from its nameservers, and only then is the move over (``moving_from_pool_id`` cleared,
   the zone ACTIVE).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import rdata
from zonekeeper.domain.models import TargetState, Zone
from zonekeeper.service import pools as pool_service
from zonekeeper.storage import pools, tsigkeys
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.worker import targets


async def old_pool(conn: AsyncConnection, zone: Zone) -> pools.Pool | None:
    """The pool the zone is moving away from (its targets' keys resolved), None when it is
    not moving. A pool deleted meanwhile is an empty one: there is nothing left to leave."""
    if zone.moving_from is None:
        return None
    pool = await pools.get_pool(conn, zone.moving_from)
    if pool is None:
        return pools.Pool(zone.moving_from, zone.moving_from, (), (), (), ())
    return await tsigkeys.resolve(conn, pool)


def hostnames(pool: pools.Pool) -> list[str]:
    """The pool's NS hostnames, its SOA MNAME first."""
    return [str(ns["hostname"]) for ns in pool.ns_records]


async def narrowed(conn: AsyncConnection, zone: Zone, pool: pools.Pool) -> bool:
    """Whether the zone's apex NS set is the pool's alone (step 2 is done)."""
    recordset_id = await pools.apex_ns_id(conn, zone.id, zone.name)
    recordset = await recordset_rows.get(conn, recordset_id) if recordset_id else None
    if recordset is None:
        return True  # nothing to narrow
    origin = dns.name.from_text(zone.name)
    wanted = rdata.canonical_records("NS", origin, hostnames(pool))
    return set(recordset.records) == {record.data for record in wanted}


def merged(pool: pools.Pool, old: pools.Pool) -> pools.Pool:
    """``pool`` with ``old``'s targets, nameservers and also-notifies added: where a zone
    deleted in the middle of a move must be removed from."""
    return dataclasses.replace(
        pool,
        targets=_unique(pool.targets, old.targets, key=targets.describe),
        nameservers=_unique(pool.nameservers, old.nameservers, key=_address),
        also_notifies=_unique(pool.also_notifies, old.also_notifies, key=_address),
    )


def leaving_targets(pool: pools.Pool, old: pools.Pool) -> list[Mapping[str, Any]]:
    """The old pool's targets the new pool does not share: the zone is removed from these."""
    staying = {targets.describe(target) for target in pool.targets}
    return [target for target in old.targets if targets.describe(target) not in staying]


def leaving_nameservers(pool: pools.Pool, old: pools.Pool) -> list[tuple[str, int]]:
    """The old pool's nameservers the new pool does not share: they must stop serving it.
    None for a pool of embedded targets only: its nameserver is the mini-DNS, which answers
    for every zone in the database as their hidden primary, so there is nothing to remove."""
    if all(target.get("type") == pool_service.EMBEDDED_TARGET["type"] for target in old.targets):
        return []
    staying = {_address(ns) for ns in pool.nameservers}
    return [_address(ns) for ns in old.nameservers if _address(ns) not in staying]


def kept_states(
    known: Iterable[TargetState], old: pools.Pool | None, provisioned: Sequence[TargetState]
) -> list[TargetState]:
    """The known states of the old pool's targets that ``provisioned`` does not cover: they
    stay in the sync view (and tell step 3 nothing new) until the move is over."""
    if old is None:
        return []
    covered = {state.target for state in provisioned}
    leaving = {targets.describe(target) for target in old.targets} - covered
    return [state for state in known if state.target in leaving]


def _address(entry: Mapping[str, Any]) -> tuple[str, int]:
    return (str(entry["host"]), int(entry["port"]))


def _unique(
    first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], key: Any
) -> tuple[Mapping[str, Any], ...]:
    seen = {key(entry) for entry in first}
    return (*first, *(entry for entry in second if key(entry) not in seen))
