"""Managed records: the A/AAAA records the sink keeps in step with Nova and Neutron resources,
and the floating-IP PTRs of the API.

Every record written here is tagged with the resource that owns it (``ManagedBy``) and goes
through the normal change path (``service.changes``): one transaction per call, serial bump,
journal, PENDING, then a worker wake-up. Every call is idempotent: repeating one changes
nothing and bumps no serial. A recordset may hold records of several resources (two floating
IPs given the same name); removing one resource's records keeps the others', and a recordset
left empty is deleted. Names are chosen in ``service.placement``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, RecordSet
from zonekeeper.service import changes, placement
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.storage import recordsets as recordset_rows

ManagedBy = managed_rows.ManagedBy
Wanted = placement.Wanted
PORT = "port"
"""The resource type whose removal also removes records held through it (``via_port``)."""


@dataclass(frozen=True, slots=True, order=True)
class Placed:
    """A managed record as served: zone, owner name, type and canonical data."""

    zone_id: str
    name: str
    type: str
    data: str


@dataclass(frozen=True, slots=True)
class Desired:
    """The records one resource should have in a zone (``wanted`` empty: none, anywhere)."""

    managed_by: ManagedBy
    wanted: Sequence[Wanted] = ()


async def set_managed_records(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    managed_by: ManagedBy,
    wanted: Sequence[Wanted],
    ttl: int | None,
    *,
    description: str | None = None,
) -> list[Placed]:
    """Make the records of ``managed_by``'s resource (those its plugin wrote) in the zone
    exactly ``wanted``: one A or AAAA per address (or the record ``rtype`` names), under the
    first of its names not taken by someone else (a record the resource already has under
    one of its names keeps that name). Records of the resource that are not wanted any more
    go; new recordsets get ``ttl`` and ``description``. Idempotent.

    Raises Forbidden (the caller may not edit managed records), ZoneNotFound, BadRequest
    (zone being deleted), InvalidObject (bad address or name), InvalidRecordSetLocation,
    DuplicateRecordSet (every name of an address is taken).
    """
    placed = await set_many(
        ctx, env, zone_id, [Desired(managed_by, wanted or ())], ttl, description=description
    )
    return placed[0]


async def remove_all(ctx: RequestContext, env: ServiceEnv, owners: Sequence[ManagedBy]) -> None:
    """Every record of each of ``owners`` (its plugin's, for its resource) goes, in every zone,
    in one transaction: ``set_many`` for a batch that only removes. Raises Forbidden."""
    _require_manage(ctx)
    await _remove_only(ctx, env, [Desired(owner) for owner in owners])


async def set_many(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    desired: Sequence[Desired],
    ttl: int | None,
    *,
    description: str | None = None,
) -> list[list[Placed]]:
    """``set_managed_records`` for several resources in turn, as one change of the zone (one
    transaction, one serial bump, one journal entry; the sink's batches). A resource given
    more than once takes its last entry, placed in that entry's turn. A resource wanting
    nothing also loses its records in other zones (as ``remove_managed`` with its plugin).
    Returns what each resource has in the zone, in the order given. Raises as
    ``set_managed_records`` for any resource, and then nothing is written."""
    _require_manage(ctx)
    latest = _latest(desired)
    if not any(d.wanted for d in latest):
        await _remove_only(ctx, env, latest)
        return [[] for _ in desired]
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now(), None)  # _require_manage
        current = await _current(conn, [d.managed_by for d in latest])
        wanted = [entry for d in latest for entry in d.wanted]
        board = await placement.Board.load(conn, change.zone, wanted, ttl)
        plans = {
            _resource(d.managed_by): board.place(
                env, change.zone, d.managed_by, d.wanted, current.get(_resource(d.managed_by), [])
            )
            for d in latest
        }
        changed = await _write(conn, change, board, list(plans.values()), description)
        if changed:
            await changes.commit(conn, change)
        elsewhere = await _remove_elsewhere(conn, ctx, env, zone_id, latest, current)
    if changed or elsewhere:
        env.db.wake_worker()
    return [
        sorted(Placed(zone_id, *key) for key in plans[_resource(d.managed_by)].desired)
        for d in desired
    ]


async def remove_managed(
    ctx: RequestContext,
    env: ServiceEnv,
    resource_type: str,
    resource_id: str,
    *,
    plugin_name: str | None = None,
) -> int:
    """Remove every record the resource owns, in every zone, in one transaction; for a port
    also the records held through it (a floating IP associated with it). With
    ``plugin_name``, only the records that plugin wrote (a sink handler leaves the PTRs the
    API set for the same floating IP alone). Zones being deleted are left alone (their
    records go with them). Returns how many records went; idempotent. Raises Forbidden."""
    _require_manage(ctx)
    condition = _owned_by(resource_type, resource_id)
    if plugin_name is not None:
        condition = managed_rows.all_of(managed_rows.of_plugin(plugin_name), condition)
    return await _remove_matching(env, ctx, condition)


async def follow_port(
    ctx: RequestContext,
    env: ServiceEnv,
    managed_by: ManagedBy,
    port_id: str,
    revision: int | None = None,
) -> int:
    """The resource of ``managed_by`` (its plugin, type and id) is now associated with
    ``port_id``: its records held through another port are removed; those held through no
    port are tagged with ``port_id`` (the first port they meet is theirs). In one
    transaction; returns how many records went. Idempotent, and order-free among
    associations: whatever order the ports come in, the records stay only while every port
    seen is the one they were tagged with. Records written at ``revision`` (the resource's,
    in the event) or later are left alone: the event is older than them. Raises Forbidden."""
    _require_manage(ctx)
    mine = managed_rows.all_of(
        managed_rows.of_plugin(managed_by.plugin_name),
        managed_rows.of_resource(managed_by.resource_type, managed_by.resource_id),
        managed_rows.older_than(revision),
    )
    elsewhere = managed_rows.all_of(mine, managed_rows.via_other_port(port_id))
    async with env.db.transaction() as conn:
        for record in await managed_rows.owned(
            conn, managed_rows.all_of(mine, managed_rows.via_no_port())
        ):
            adopted = dataclasses.replace(record.managed_by, port_id=port_id)
            await managed_rows.retag(conn, [record.record_id], adopted)
        removed = await _remove_in_zones(conn, ctx, env, elsewhere)
    if removed:
        env.db.wake_worker()
    return removed


async def _remove_matching(
    env: ServiceEnv, ctx: RequestContext, condition: managed_rows.Condition
) -> int:
    async with env.db.transaction() as conn:
        removed = await _remove_in_zones(conn, ctx, env, condition)
    if removed:
        env.db.wake_worker()
    return removed


async def _remove_in_zones(
    conn: AsyncConnection, ctx: RequestContext, env: ServiceEnv, condition: managed_rows.Condition
) -> int:
    """Remove the matching records, one change per zone; returns how many went."""
    removed = 0
    zone_ids = sorted({r.zone_id for r in await managed_rows.owned(conn, condition)})
    for zone_id in zone_ids:  # sorted: concurrent removals lock zones in one order
        removed += await _remove_in_zone(conn, ctx, env, zone_id, condition)
    return removed


async def owned_records(
    ctx: RequestContext, env: ServiceEnv, resource_type: str, resource_id: str
) -> list[Placed]:
    """The records the resource owns (for a port, also those held through it), in every
    zone. Raises Forbidden unless the caller may edit managed records."""
    _require_manage(ctx)
    async with env.db.read() as conn:
        found = await managed_rows.owned(conn, _owned_by(resource_type, resource_id))
    return sorted(Placed(r.zone_id, r.name, r.type, r.data) for r in found)


def _require_manage(ctx: RequestContext) -> None:
    """Managed records span projects: the caller must have been granted both all_tenants and
    edit_managed_records (context.build checks them against the policy)."""
    if not (ctx.all_projects and ctx.edit_managed):
        raise errors.Forbidden()


def _owned_by(resource_type: str, resource_id: str) -> managed_rows.Condition:
    conditions = [managed_rows.of_resource(resource_type, resource_id)]
    if resource_type == PORT:
        conditions.append(managed_rows.via_port(resource_id))
    return managed_rows.matching(conditions)


Resource = tuple[str, str, str]
"""(plugin, type, id) of a resource."""


def _resource(managed_by: ManagedBy) -> Resource:
    return (managed_by.plugin_name, managed_by.resource_type, managed_by.resource_id)


def _latest(desired: Sequence[Desired]) -> list[Desired]:
    """Each resource once, with its last entry, in the order of those last entries."""
    latest: dict[Resource, Desired] = {}
    for entry in desired:
        latest.pop(_resource(entry.managed_by), None)
        latest[_resource(entry.managed_by)] = entry
    return list(latest.values())


async def _current(
    conn: AsyncConnection, owners: Sequence[ManagedBy]
) -> dict[Resource, list[managed_rows.OwnedRecord]]:
    """The records each resource's plugin wrote for it, in every zone (one statement)."""
    wanted = {_resource(m) for m in owners}
    found = await managed_rows.owned(
        conn, managed_rows.of_resources(sorted({m.resource_id for m in owners}))
    )
    current: dict[Resource, list[managed_rows.OwnedRecord]] = {}
    for record in found:
        key = _resource(record.managed_by)
        if key in wanted:
            current.setdefault(key, []).append(record)
    return current


async def _write(
    conn: AsyncConnection,
    change: changes.ZoneChange,
    board: placement.Board,
    plans: Sequence[placement.Plan],
    description: str | None,
) -> bool:
    """Write the plans into ``change`` (a fixed number of statements, whatever their
    number); True when anything served changed."""
    for plan in plans:
        await managed_rows.retag(conn, plan.stale, plan.managed_by)
    zone_id = change.zone.id
    removed = [r for plan in plans for r in plan.remove if r.zone_id == zone_id]
    added = [(plan, key) for plan in plans for key in plan.add]
    if not removed and not added:
        return False
    await _remove(conn, change, removed)
    created = {board.occupant(name, rtype).recordset_id for _, (name, rtype, _) in added}
    created &= board.new
    await _insert(conn, change, board, added, created, description)
    touched = {r.recordset_id for r in removed}
    touched |= {board.occupant(name, rtype).recordset_id for _, (name, rtype, _) in added}
    await _settle(conn, change, touched - created)
    return True


async def _insert(
    conn: AsyncConnection,
    change: changes.ZoneChange,
    board: placement.Board,
    added: Sequence[tuple[placement.Plan, placement.Key]],
    created: set[str],
    description: str | None,
) -> None:
    """Insert the new recordsets, then every added record (two statements)."""
    fresh: dict[str, RecordSet] = {}
    rows = []
    served = []
    for plan, (name, rtype, data) in added:
        occupant = board.occupant(name, rtype)
        if occupant.recordset_id in created and occupant.recordset_id not in fresh:
            fresh[occupant.recordset_id] = _recordset(change, occupant, description)
        rows.append((occupant.recordset_id, plan.records[(name, rtype, data)], plan.managed_by))
        ttl = change.zone.ttl if occupant.ttl is None else occupant.ttl
        served.append((name, rtype, ttl, data))
    await recordset_rows.insert_recordsets(conn, list(fresh.values()))
    await managed_rows.insert_many(conn, change.zone.id, rows)
    change.replace([], served)


async def _settle(conn: AsyncConnection, change: changes.ZoneChange, touched: set[str]) -> None:
    """Delete the touched recordsets left empty; stamp the others with the change."""
    empty = await managed_rows.empty(conn, touched)
    await recordset_rows.delete_recordsets(conn, empty)
    await recordset_rows.update_recordsets(conn, touched - empty, change.stamp(True, Action.UPDATE))


async def _remove_only(ctx: RequestContext, env: ServiceEnv, latest: Sequence[Desired]) -> None:
    """Removals only: as ``remove_managed`` (every zone; a zone being deleted is left to go
    with its records), so that they succeed even when the handler's zone is gone."""
    async with env.db.transaction() as conn:
        current = await _current(conn, [d.managed_by for d in latest])
        gone = sorted(r.record_id for records in current.values() for r in records)
        removed = await _remove_in_zones(conn, ctx, env, managed_rows.of_ids(gone)) if gone else 0
    if removed:
        env.db.wake_worker()


async def _remove_elsewhere(
    conn: AsyncConnection,
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    latest: Sequence[Desired],
    current: Mapping[Resource, Sequence[managed_rows.OwnedRecord]],
) -> int:
    """Remove the records that resources wanting nothing have in other zones (rare: their
    handler's zone was changed), one change per zone; returns how many went."""
    gone = {
        r.record_id
        for d in latest
        if not d.wanted
        for r in current.get(_resource(d.managed_by), [])
        if r.zone_id != zone_id
    }
    if not gone:
        return 0
    return await _remove_in_zones(conn, ctx, env, managed_rows.of_ids(sorted(gone)))


async def _remove(
    conn: AsyncConnection, change: changes.ZoneChange, removed: Sequence[managed_rows.OwnedRecord]
) -> None:
    await managed_rows.delete_records(conn, [r.record_id for r in removed])
    zone_ttl = change.zone.ttl
    change.replace(
        [(r.name, r.type, zone_ttl if r.ttl is None else r.ttl, r.data) for r in removed], []
    )


def _recordset(
    change: changes.ZoneChange, occupant: managed_rows.Occupant, description: str | None
) -> RecordSet:
    """A new managed recordset of the change, for the board's new ``occupant``."""
    zone = change.zone
    status, action = change.state(True, Action.CREATE)
    return RecordSet(
        id=occupant.recordset_id,
        zone_id=zone.id,
        zone_name=zone.name,
        project_id=zone.project_id,
        name=occupant.name,
        type=occupant.type,
        ttl=occupant.ttl,
        description=description,
        records=(),
        managed=True,
        status=status,
        action=action,
        serial=change.serial,
        version=1,
        created_at=change.now,
        updated_at=None,
    )


async def _remove_in_zone(
    conn: AsyncConnection,
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    condition: managed_rows.Condition,
) -> int:
    """Remove the matching records of one zone as one change; 0 for a zone being deleted."""
    try:
        change = await changes.begin(conn, ctx, zone_id, env.now(), None)  # _require_manage
    except (errors.ZoneNotFound, errors.BadRequest):
        return 0
    found = await managed_rows.owned(conn, condition, zone_id)
    if not found:
        return 0
    await _remove(conn, change, found)
    await _settle(conn, change, {r.recordset_id for r in found})
    await changes.commit(conn, change)
    return len(found)
