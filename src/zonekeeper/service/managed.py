"""Managed records: the A/AAAA records the sink keeps in step with Nova and Neutron resources.

Every record written here is tagged with the resource that owns it (``ManagedBy``) and goes
through the normal change path (``service.changes``): one transaction per call, serial bump,
journal, PENDING, then a worker wake-up. Both calls are idempotent: repeating one changes
nothing and bumps no serial. A recordset may hold records of several resources (two floating
IPs given the same name); removing one resource's records keeps the others', and a recordset
left empty is deleted.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata
from zonekeeper.domain.models import Action, RecordSet, Zone
from zonekeeper.service import changes
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows

ManagedBy = managed_rows.ManagedBy
PORT = "port"
"""The resource type whose removal also removes records held through it (``via_port``)."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """One address to publish, under the first usable of ``names`` (absolute names).

    With ``rtype`` (e.g. "PTR"), ``address`` is instead that record's data as text."""

    address: str
    names: tuple[str, ...]
    rtype: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class Placed:
    """A managed record as served: zone, owner name, type and canonical data."""

    zone_id: str
    name: str
    type: str
    data: str


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
    """Make the records of ``managed_by``'s resource in the zone exactly ``wanted``: one A or
    AAAA per address, under the first of its names not taken by someone else (a record the
    resource already has under one of its names keeps that name). Records of the resource
    that are not wanted any more go; new recordsets get ``ttl`` and ``description``.
    Idempotent.

    Raises Forbidden (the caller may not edit managed records), ZoneNotFound, BadRequest
    (zone being deleted), InvalidObject (bad address or name), InvalidRecordSetLocation,
    DuplicateRecordSet (every name of an address is taken).
    """
    _require_manage(ctx)
    wanted = _unique(wanted)
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now())
        condition = managed_rows.of_resource(managed_by.resource_type, managed_by.resource_id)
        current = await managed_rows.owned(conn, condition, zone_id)
        plan = await _plan(conn, env, change.zone, wanted, current)
        plan.description = description
        await managed_rows.retag(conn, _stale_tags(current, plan, managed_by), managed_by)
        changed = await _apply(conn, change, managed_by, ttl, plan)
        if changed:
            await changes.commit(conn, change)
    if changed:
        env.db.wake_worker()
    return sorted(Placed(zone_id, *key) for key in plan.desired)


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
    ctx: RequestContext, env: ServiceEnv, managed_by: ManagedBy, port_id: str
) -> int:
    """The resource of ``managed_by`` (its plugin, type and id) is now associated with
    ``port_id``: its records held through another port are removed; those held through no
    port are tagged with ``port_id`` (the first port they meet is theirs). In one
    transaction; returns how many records went. Idempotent, and order-free among
    associations: whatever order the ports come in, the records stay only while every port
    seen is the one they were tagged with. Raises Forbidden."""
    _require_manage(ctx)
    mine = managed_rows.all_of(
        managed_rows.of_plugin(managed_by.plugin_name),
        managed_rows.of_resource(managed_by.resource_type, managed_by.resource_id),
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
    if not (ctx.is_admin and ctx.all_projects and ctx.edit_managed):
        raise errors.Forbidden()


def _owned_by(resource_type: str, resource_id: str) -> managed_rows.Condition:
    conditions = [managed_rows.of_resource(resource_type, resource_id)]
    if resource_type == PORT:
        conditions.append(managed_rows.via_port(resource_id))
    return managed_rows.matching(conditions)


def _unique(wanted: Sequence[Wanted]) -> list[Wanted]:
    """``wanted`` with each address once (the first entry wins)."""
    seen: dict[str, Wanted] = {}
    for entry in wanted:
        seen.setdefault(_address_key(entry.address), entry)
    return list(seen.values())


def _address_key(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return address


Key = tuple[str, str, str]
"""(name, type, data) of one record."""


@dataclass(slots=True)
class _Plan:
    """What one set_managed_records call writes."""

    desired: set[Key] = field(default_factory=set)
    records: dict[Key, rdata.CanonicalRecord] = field(default_factory=dict)
    occupants: dict[tuple[str, str], managed_rows.Occupant] = field(default_factory=dict)
    remove: list[managed_rows.OwnedRecord] = field(default_factory=list)
    add: list[Key] = field(default_factory=list)
    description: str | None = None
    """Description of the recordsets created."""


async def _plan(
    conn: AsyncConnection,
    env: ServiceEnv,
    zone: Zone,
    wanted: Sequence[Wanted],
    current: Sequence[managed_rows.OwnedRecord],
) -> _Plan:
    """Choose a name for each wanted address; the records to remove are the current ones
    not chosen."""
    candidates = sorted({name.lower() for entry in wanted for name in entry.names})
    board = await _Board.load(conn, zone, candidates)
    mine = {(r.name, r.type, r.data) for r in current}
    plan = _Plan(occupants={(o.name, o.type): o for o in board.occupants})
    for entry in wanted:
        rtype, record = _canonical(entry)
        name = _choose(env, board, zone, entry, rtype, record.data, mine)
        plan.desired.add((name, rtype, record.data))
        plan.records[(name, rtype, record.data)] = record
    plan.remove = [r for r in current if (r.name, r.type, r.data) not in plan.desired]
    plan.add = sorted(plan.desired - mine)
    return plan


def _canonical(entry: Wanted) -> tuple[str, rdata.CanonicalRecord]:
    """(type, the canonical record) of a wanted entry: A or AAAA for an IP address unless it
    names its type. Raises InvalidObject."""
    if entry.rtype is not None:
        return entry.rtype, rdata.canonical_records(entry.rtype, dns.name.root, [entry.address])[0]
    address = entry.address
    try:
        version = ipaddress.ip_address(address.strip()).version
    except ValueError:
        reason = errors.FieldError(("records", 0), f"{address!r} is not an IP address")
        raise errors.InvalidObject([reason]) from None
    rtype = "A" if version == 4 else "AAAA"
    return rtype, rdata.canonical_records(rtype, dns.name.root, [address.strip()])[0]


@dataclass(slots=True)
class _Board:
    """What already holds the candidate names in the zone."""

    occupants: list[managed_rows.Occupant]
    data: set[tuple[str, str]]
    """(recordset id, data) of every record at the names."""
    zone_names: set[str]
    """Those of the names (and their ancestors below the zone) that are zones themselves."""

    @classmethod
    async def load(cls, conn: AsyncConnection, zone: Zone, candidates: list[str]) -> _Board:
        occupants = await managed_rows.occupants(conn, zone.id, candidates)
        data = await managed_rows.data_in(conn, [o.recordset_id for o in occupants])
        between = sorted({n for name in candidates for n in _below_zone(name, zone.name)})
        zone_names = {z.name for z in await zone_rows.by_names(conn, between)} if between else set()
        return cls(occupants, data, zone_names)

    def usable(self, name: str, rtype: str, data: str) -> bool:
        """True when no one else holds the name: no foreign or unmanaged recordset there, no
        other resource's equal record, no child zone at or above it."""
        if set(_below_zone(name, "")) & self.zone_names:
            return False
        for occupant in self.occupants:
            if occupant.name != name:
                continue
            if occupant.foreign or not occupant.managed:
                return False
            if occupant.type == rtype and (occupant.recordset_id, data) in self.data:
                return False
        return True


def _below_zone(name: str, zone_name: str) -> list[str]:
    """``name`` and its ancestors strictly below ``zone_name`` ("" : every ancestor)."""
    try:
        owner = dns.name.from_text(name)
    except dns.exception.DNSException:
        return []
    origin = dns.name.from_text(zone_name) if zone_name else dns.name.root
    found = []
    while owner != origin and owner != dns.name.root and owner.is_subdomain(origin):
        found.append(names.to_text(owner))
        owner = owner.parent()
    return found


def _choose(
    env: ServiceEnv,
    board: _Board,
    zone: Zone,
    entry: Wanted,
    rtype: str,
    data: str,
    mine: set[Key],
) -> str:
    """The name for one address: the one the resource already uses, else the first usable.
    Raises the first name's error when none is usable."""
    parsed = [_parse_name(env, zone, name, rtype) for name in entry.names]
    for name in parsed:
        if isinstance(name, str) and (name, rtype, data) in mine:
            return name
    for name in parsed:
        if isinstance(name, str) and board.usable(name, rtype, data):
            return name
    first_error = next((n for n in parsed if isinstance(n, errors.ZonekeeperError)), None)
    if first_error is not None and not any(isinstance(n, str) for n in parsed):
        raise first_error
    raise errors.DuplicateRecordSet(f"Every name for {data} is taken: {', '.join(entry.names)}")


def _parse_name(env: ServiceEnv, zone: Zone, name: str, rtype: str) -> str | errors.ZonekeeperError:
    """The canonical name, or the error that refuses it."""
    origin = dns.name.from_text(zone.name)
    max_length = env.settings.zones.max_recordset_name_length
    try:
        return names.to_text(names.parse_recordset_name(name, origin, rtype, max_length))
    except (errors.InvalidObject, errors.InvalidRecordSetLocation) as error:
        return error


def _stale_tags(
    current: Iterable[managed_rows.OwnedRecord], plan: _Plan, managed_by: ManagedBy
) -> list[str]:
    """Kept records whose tag differs (a floating IP moved to another port)."""
    return [
        r.record_id
        for r in current
        if (r.name, r.type, r.data) in plan.desired and r.managed_by != managed_by
    ]


async def _apply(
    conn: AsyncConnection,
    change: changes.ZoneChange,
    managed_by: ManagedBy,
    ttl: int | None,
    plan: _Plan,
) -> bool:
    """Write the plan into ``change``; True when anything served changed."""
    if not plan.remove and not plan.add:
        return False
    await _remove(conn, change, plan.remove)
    touched = {r.recordset_id for r in plan.remove}
    touched |= await _add(conn, change, managed_by, ttl, plan)
    await _settle(conn, change, touched)
    return True


async def _remove(
    conn: AsyncConnection, change: changes.ZoneChange, removed: Sequence[managed_rows.OwnedRecord]
) -> None:
    await managed_rows.delete_records(conn, [r.record_id for r in removed])
    zone_ttl = change.zone.ttl
    change.replace(
        [(r.name, r.type, zone_ttl if r.ttl is None else r.ttl, r.data) for r in removed], []
    )


async def _add(
    conn: AsyncConnection,
    change: changes.ZoneChange,
    managed_by: ManagedBy,
    ttl: int | None,
    plan: _Plan,
) -> set[str]:
    """Insert the new records, creating managed recordsets where needed; returns the ids of
    the existing recordsets that grew."""
    by_set: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, rtype, data in plan.add:
        by_set[(name, rtype)].append(data)
    grown = set()
    for (name, rtype), datas in by_set.items():
        occupant = plan.occupants.get((name, rtype))
        recordset = _recordset(change, name, rtype, ttl, occupant, plan.description)
        if occupant is None:
            await recordset_rows.insert_recordset(conn, recordset, [])
        else:
            grown.add(occupant.recordset_id)
        records = [plan.records[(name, rtype, d)] for d in datas]
        await managed_rows.insert_records(conn, recordset, records, managed_by)
        served_ttl = change.zone.ttl if recordset.ttl is None else recordset.ttl
        change.replace([], [(name, rtype, served_ttl, d) for d in datas])
    return grown


def _recordset(
    change: changes.ZoneChange,
    name: str,
    rtype: str,
    ttl: int | None,
    occupant: managed_rows.Occupant | None,
    description: str | None = None,
) -> RecordSet:
    """The recordset the records go into: the managed one at the name, or a new one."""
    zone = change.zone
    status, action = change.state(True, Action.CREATE)
    return RecordSet(
        id=occupant.recordset_id if occupant else str(uuid.uuid4()),
        zone_id=zone.id,
        zone_name=zone.name,
        project_id=zone.project_id,
        name=name,
        type=rtype,
        ttl=occupant.ttl if occupant else ttl,
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


async def _settle(conn: AsyncConnection, change: changes.ZoneChange, touched: set[str]) -> None:
    """Delete the touched recordsets left empty; stamp the others with the change."""
    empty = await managed_rows.empty(conn, touched)
    for recordset_id in sorted(empty):
        await recordset_rows.delete_recordset(conn, recordset_id)
    await recordset_rows.update_recordsets(conn, touched - empty, change.stamp(True, Action.UPDATE))


async def _remove_in_zone(
    conn: AsyncConnection,
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    condition: managed_rows.Condition,
) -> int:
    """Remove the matching records of one zone as one change; 0 for a zone being deleted."""
    try:
        change = await changes.begin(conn, ctx, zone_id, env.now())
    except (errors.ZoneNotFound, errors.BadRequest):
        return 0
    found = await managed_rows.owned(conn, condition, zone_id)
    if not found:
        return 0
    await _remove(conn, change, found)
    await _settle(conn, change, {r.recordset_id for r in found})
    await changes.commit(conn, change)
    return len(found)
