"""Pools: the built-in default pool, the pools an operator loads from a Designate
``pools.yaml`` (:func:`apply`), and reading them (:func:`get`, :func:`list`, :func:`current`).

A change to a pool's ``ns_records`` rewrites the apex NS recordset and the SOA MNAME of every
zone in the pool, each as one ordinary zone change (new serial, journal entry, PENDING), in
the same transaction as the pool rows; the worker then pushes the zones again. A change to its
targets or nameservers hands every zone of the pool back to the worker (PENDING, serial kept):
it provisions the zones on every target again (creating is idempotent, so only new targets see
a difference) and proves each nameserver, new ones included, serves them. A target removed from
a pool keeps its zones, as in Designate: nothing tells us the server should lose them. The TSIG
keys of a pool's targets are also written as TSIG key resources of the pool (``/v2/tsigkeys``).
"""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, pool_plan, rdata, transfers
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.models import DEFAULT_POOL_ID, Action, ListQuery, Page, ZoneType
from zonekeeper.domain.pool_plan import PoolChange, Verb
from zonekeeper.domain.pools import PoolSpec
from zonekeeper.service import changes, policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import audits
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import tsigkeys as tsigkey_rows

DEFAULT_POOL_NAME = "default"
EMBEDDED_TARGET = {"type": "embedded", "masters": [], "options": {}}

Pool = pool_rows.Pool
"""A pool as stored, as :func:`get` and :func:`list` hand it out."""


async def ensure_default_pool(env: ServiceEnv, nameservers: builtins.list[tuple[str, int]]) -> None:
    """Write the default pool (id ``DEFAULT_POOL_ID``, name ``default``): apex NS
    ``settings.nameserver_hostname``, the given (host, port) nameservers polled for serials,
    one embedded target and no also-notifies. Idempotent; run at every start so a changed
    setting takes effect. Existing zones keep the apex NS they were created with.

    It only writes while the stored default pool is still the embedded one it wrote itself
    (see :func:`is_embedded`): a default pool an operator loaded from ``pools.yaml`` (other
    targets, a description, attributes or also-notifies) is left exactly as loaded.
    """
    pool = _embedded_default(env, nameservers)
    registering = False
    async with env.db.transaction() as conn:
        stored = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
        if stored is None or is_embedded(stored):
            await pool_rows.upsert_pool(conn, pool, env.now())
            # The first nameserver of a pool written before any (see default_for_create):
            # the zones created meanwhile wait for the next retry; push them now.
            registering = bool(nameservers) and (stored is None or not stored.nameservers)
        if registering:
            reason = "a mini-DNS registered as the default pool's nameserver: pushing again"
            for zone_id in await pool_rows.live_zone_ids(conn, DEFAULT_POOL_ID):
                await audits.requeue_any(conn, zone_id, reason, env.now())
    if registering:
        env.db.wake_worker()


async def default_for_create(conn: AsyncConnection, env: ServiceEnv) -> pool_rows.Pool:
    """The default pool, its row locked until ``conn``'s transaction ends: zone creates take
    turns on it. On a shared database that no mini-DNS has registered with yet (``zonekeeper
    api`` started first) it is written first as the embedded default with no nameservers:
    zones created meanwhile wait PENDING, their reason "no nameservers in the pool", until an
    ``mdns`` process registers (:func:`ensure_default_pool`) and they are pushed."""
    stored = await pool_rows.lock_pool(conn, DEFAULT_POOL_ID)
    if stored is not None:
        return stored
    waiting = _embedded_default(env, [])
    await pool_rows.insert_if_absent(conn, waiting, env.now())
    return await pool_rows.lock_pool(conn, DEFAULT_POOL_ID) or waiting


def _embedded_default(env: ServiceEnv, nameservers: Sequence[tuple[str, int]]) -> pool_rows.Pool:
    return pool_rows.Pool(
        id=DEFAULT_POOL_ID,
        name=DEFAULT_POOL_NAME,
        ns_records=({"hostname": env.settings.nameserver_hostname, "priority": 1},),
        nameservers=tuple({"host": host, "port": port} for host, port in nameservers),
        targets=(EMBEDDED_TARGET,),
        also_notifies=(),
    )


def is_embedded(pool: pool_rows.Pool) -> bool:
    """True when ``pool`` has the shape :func:`ensure_default_pool` writes, whatever its
    ns_records and nameservers: only bare embedded targets, no description, attributes or
    also-notifies. Such a pool loaded from ``pools.yaml`` is indistinguishable from it."""
    bare = all(
        target.get("type") == "embedded"
        and not target.get("masters")
        and not target.get("options")
        and not target.get("description")
        for target in pool.targets
    )
    plain = pool.description is None and not pool.attributes and not pool.also_notifies
    return bool(pool.targets) and bare and plain


async def get(ctx: RequestContext, env: ServiceEnv, pool_id: str) -> pool_rows.Pool:
    """The pool; raises Forbidden (not an admin) or PoolNotFound."""
    policy.enforce(ctx, "get_pool")
    async with env.db.read() as conn:
        pool = await pool_rows.get_pool(conn, pool_id)
    if pool is None:
        raise errors.PoolNotFound()
    return pool


async def list(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[pool_rows.Pool]:
    """One page of pools, uncounted. Raises Forbidden (not an admin), BadRequest (filters),
    InvalidSortKey, InvalidSortDir, MarkerNotFound."""
    policy.enforce(ctx, "find_pools")
    async with env.db.read() as conn:
        return Page(items=await pool_rows.page(conn, query), total_count=None)


async def current(ctx: RequestContext, env: ServiceEnv) -> builtins.list[PoolSpec]:
    """Every pool, oldest first, as ``pools.yaml`` specs. Raises Forbidden."""
    policy.enforce(ctx, "find_pools")
    async with env.db.read() as conn:
        return [spec_of(pool) for pool in await pool_rows.list_pools(conn)]


def spec_of(pool: pool_rows.Pool) -> PoolSpec:
    """The stored pool as a spec."""
    return pool_specs.from_json(
        {
            "id": pool.id,
            "name": pool.name,
            "description": pool.description,
            "attributes": pool.attributes,
            "ns_records": pool.ns_records,
            "nameservers": pool.nameservers,
            "targets": pool.targets,
            "also_notifies": pool.also_notifies,
        }
    )


def row_of(spec: PoolSpec) -> pool_rows.Pool:
    """The row for a spec that has its id."""
    assert spec.id is not None
    document = pool_specs.to_json(spec)
    return pool_rows.Pool(
        id=spec.id,
        name=spec.name,
        description=spec.description,
        attributes=dict(spec.attributes),
        ns_records=tuple(document["ns_records"]),
        nameservers=tuple(document["nameservers"]),
        targets=tuple(document["targets"]),
        also_notifies=tuple(document["also_notifies"]),
    )


# -- apply -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolChanges:
    """What :func:`apply` changed (or, on a dry run, would change)."""

    changes: tuple[PoolChange, ...]
    rewritten_zones: Mapping[str, int]
    """Pool id -> how many zones get a new apex NS and SOA MNAME."""
    repushed_zones: Mapping[str, int]
    """Pool id -> how many zones are pushed again to changed targets or nameservers."""
    dry_run: bool

    @property
    def changed(self) -> bool:
        return any(change.verb is not Verb.UNCHANGED for change in self.changes)

    @property
    def touches_zones(self) -> bool:
        """Whether zones were changed or handed back to the worker."""
        return any(self.rewritten_zones.values()) or any(self.repushed_zones.values())


async def apply(
    ctx: RequestContext,
    env: ServiceEnv,
    desired: Sequence[PoolSpec],
    delete: bool = False,
    dry_run: bool = False,
) -> PoolChanges:
    """Make the stored pools what ``desired`` (checked by ``domain.pools.parse``) says, in
    one transaction: create, update and, with ``delete``, remove the pools the list lacks.

    Pools match by id, else by name; a new pool named ``default`` without an id takes
    ``DEFAULT_POOL_ID``. Zones of a pool whose ns_records change get the new apex NS and SOA
    MNAME, each through the normal change path; the worker is woken. With ``dry_run`` nothing
    is written and the same changes are returned. Idempotent. Raises Forbidden,
    InvalidObject (two pools with one name), InvalidOperation (deleting the default pool or
    a pool that still holds zones).
    """
    for rule in ("create_pool", "update_pool", *(["delete_pool"] if delete else [])):
        policy.enforce(ctx, rule)
    if dry_run:
        async with env.db.read() as conn:
            await _check_key_references(conn, desired)
            return await _plan(conn, desired, delete, dry_run=True)
    async with env.db.transaction() as conn:
        await _check_key_references(conn, desired)
        result = await apply_in(conn, ctx, desired, delete, env.now())
    if result.touches_zones:
        env.db.wake_worker()
    return result


async def apply_in(
    conn: AsyncConnection,
    ctx: RequestContext,
    desired: Sequence[PoolSpec],
    delete: bool,
    now: datetime,
) -> PoolChanges:
    """:func:`apply`'s plan and writes in the caller's transaction, its policy already
    checked (the API's pool writes share them); the caller wakes the worker when the result
    ``touches_zones``."""
    result = await _plan(conn, desired, delete, dry_run=False)
    await _write(conn, ctx, result, now)
    return result


async def _plan(
    conn: AsyncConnection, desired: Sequence[PoolSpec], delete: bool, dry_run: bool
) -> PoolChanges:
    current = [spec_of(pool) for pool in await pool_rows.list_pools(conn)]
    taken = {pool.id for pool in current if pool.id is not None}
    planned = pool_plan.plan(current, desired, delete, lambda spec: _new_id(spec, taken))
    rewritten: dict[str, int] = {}
    repushed: dict[str, int] = {}
    for change in planned:
        assert change.pool.id is not None
        if change.verb is Verb.DELETE:
            await _check_deletable(conn, change.pool)
            continue
        if change.verb is not Verb.UPDATE:
            continue
        live = len(await pool_rows.live_zone_ids(conn, change.pool.id))
        if change.ns_records_changed:
            rewritten[change.pool.id] = live
        if _PUSHED_TO & {field.field for field in change.fields}:
            repushed[change.pool.id] = live
    return PoolChanges(planned, rewritten, repushed, dry_run)


async def _check_key_references(conn: AsyncConnection, desired: Sequence[PoolSpec]) -> None:
    """Raises InvalidObject when a target's ``tsigkey_id`` names no usable TSIG key resource
    (a key deleted later only leaves the target unsigned: see ``tsigkeys.resolve``)."""
    references = {
        (index, number): target.tsigkey_id
        for index, spec in enumerate(desired)
        for number, target in enumerate(spec.targets)
        if target.tsigkey_id is not None
    }
    problems = await tsigkey_rows.unusable(conn, set(references.values()))
    reasons = [
        errors.FieldError(
            (index, "targets", number, "tsigkey_id"),
            f"pool {desired[index].name!r}: targets.{number}.tsigkey_id: {problems[key_id]}",
        )
        for (index, number), key_id in references.items()
        if key_id in problems
    ]
    if reasons:
        raise errors.InvalidObject(reasons, "Invalid pools file")


_PUSHED_TO = frozenset({"targets", "nameservers"})
"""Pool fields that say where zones go: a change to one re-pushes every zone of the pool."""


def _new_id(spec: PoolSpec, taken: set[str]) -> str:
    """Designate's default pool id for a new ``default`` pool (if free), else a new UUID."""
    if spec.name == DEFAULT_POOL_NAME and DEFAULT_POOL_ID not in taken:
        return DEFAULT_POOL_ID
    return str(uuid.uuid4())


async def _check_deletable(conn: AsyncConnection, pool: PoolSpec) -> None:
    assert pool.id is not None
    if pool.id == DEFAULT_POOL_ID:
        raise errors.InvalidOperation(
            f"pool {pool.name!r} ({pool.id}) is the default pool, where new zones go: "
            "it cannot be deleted"
        )
    held = await pool_rows.count_zones(conn, pool.id)
    if held:
        raise errors.InvalidOperation(
            f"pool {pool.name!r} ({pool.id}) still holds {held} zone(s): delete or move them first"
        )


async def _write(
    conn: AsyncConnection, ctx: RequestContext, result: PoolChanges, now: datetime
) -> None:
    for change in result.changes:
        pool = change.pool
        assert pool.id is not None
        if change.verb is Verb.DELETE:
            await pool_rows.delete_pool(conn, pool.id)
        elif change.verb is not Verb.UNCHANGED:
            row = row_of(pool)
            await pool_rows.upsert_pool(conn, row, now)
            # The targets' keys become TSIG key resources, so /v2/tsigkeys shows them.
            for key in transfers.pool_keys(row.targets).values():
                await tsigkey_rows.declare_pool_key(conn, key, pool.id, now)
        if pool.id in result.rewritten_zones:
            hostnames = [record.hostname for record in pool.ns_records]
            for zone_id in await pool_rows.live_zone_ids(conn, pool.id):
                await rewrite_apex(conn, ctx, zone_id, hostnames, now)
        if pool.id in result.repushed_zones:
            reason = f"pool {pool.name!r} changed its targets or nameservers: pushing again"
            for zone_id in await pool_rows.live_zone_ids(conn, pool.id):
                await audits.requeue_any(conn, zone_id, reason, now)


async def rewrite_apex(
    conn: AsyncConnection,
    ctx: RequestContext,
    zone_id: str,
    hostnames: Sequence[str],
    now: datetime,
) -> None:
    """One zone change, in the caller's transaction: the apex NS recordset becomes
    ``hostnames`` and the SOA MNAME ``hostnames[0]``, at a new serial, journalled, PENDING.
    A zone already so is still bumped (the caller only calls on a change). Raises what
    ``changes.begin`` raises."""
    change = await changes.begin(conn, ctx, zone_id, now, None)  # the pool rule was checked
    zone = change.zone
    if zone.type is ZoneType.SECONDARY:
        return  # its SOA and NS are its masters'; nothing was written yet
    recordset_id = await pool_rows.apex_ns_id(conn, zone.id, zone.name)
    recordset = await recordset_rows.get(conn, recordset_id) if recordset_id else None
    if recordset is not None:
        new = rdata.canonical_records("NS", dns.name.from_text(zone.name), hostnames)
        kept = set(recordset.records) & {record.data for record in new}
        await recordset_rows.remove_records(conn, recordset.id, set(recordset.records) - kept)
        await recordset_rows.add_records(conn, recordset, [r for r in new if r.data not in kept])
        served = dataclasses.replace(recordset, records=tuple(r.data for r in new))
        change.replace(
            changes.served_rrs(recordset, zone.ttl), changes.served_rrs(served, zone.ttl)
        )
        await recordset_rows.update_recordsets(
            conn, [recordset.id], change.stamp(True, Action.UPDATE)
        )
    await changes.commit(conn, change, mname=dns.name.from_text(hostnames[0]))
