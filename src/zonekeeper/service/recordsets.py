"""Recordset use cases: create, read, find, list, update (PUT, partial) and delete.

Each write is one transaction that bumps the zone serial and journals the difference
(``service.changes``). A recordset with records is PENDING until the worker sees it served;
one without records serves nothing and is ACTIVE at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata, rules
from zonekeeper.domain.models import Action, ListQuery, Page, RecordSet, Zone
from zonekeeper.service import changes, policy, quotas
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows


async def create(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, fields: Mapping[str, Any]
) -> RecordSet:
    """Create a recordset in the zone. Raises Forbidden, ZoneNotFound, BadRequest (SOA,
    CNAME with several records, zone being deleted), InvalidObject, InvalidRecordSetLocation,
    InvalidTTL, DuplicateRecordSet, OverQuota."""
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now(), "create_recordset")
        zone = change.zone
        policy.refuse_secondary(zone)
        owner, rtype, records = validate_new(ctx, env, zone, fields)
        await _check_placement(conn, zone, owner, rtype)
        await quotas.check_records(
            conn,
            env.settings,
            zone,
            recordsets_added=1,
            records_added=len(records),
            recordset_records=len(records),
        )
        recordset = _new_recordset(ctx, zone, change, owner, rtype, records, fields)
        await recordset_rows.insert_recordset(conn, recordset, records)
        change.replace([], changes.served_rrs(recordset, zone.ttl))
        await changes.commit(conn, change)
    env.db.wake_worker()
    return recordset


def validate_new(
    ctx: RequestContext, env: ServiceEnv, zone: Zone, fields: Mapping[str, Any]
) -> tuple[dns.name.Name, str, tuple[rdata.CanonicalRecord, ...]]:
    """(owner, type, canonical records) of a create request in ``zone``; every InvalidObject
    reason is reported at once. Reads nothing but its arguments (imports call it for every
    recordset of a file). Raises InvalidObject, BadRequest, InvalidRecordSetLocation,
    InvalidRecordSetName, InvalidTTL."""
    reasons = policy.Reasons()
    rtype = _type(reasons, fields)
    if rtype == "SOA":
        raise errors.BadRequest("Creating a SOA recordset is not allowed")
    origin = names.stored_zone_name(zone.name)
    name = reasons.required(fields, "name")
    owner = None
    if name is not None and rtype is not None:
        max_length = env.settings.zones.max_recordset_name_length
        owner = reasons.check(names.parse_recordset_name, name, origin, rtype, max_length)
    records = _records(reasons, rtype, owner, fields.get("records") or [])
    reasons.raise_any()
    assert owner is not None and rtype is not None and records is not None  # else raised
    rules.check_recordset(owner, origin, rtype, len(records))
    policy.check_ttl(ctx, env.settings, fields.get("ttl"))
    return owner, rtype, records


def _type(reasons: policy.Reasons, fields: Mapping[str, Any]) -> str | None:
    rtype = reasons.required(fields, "type")
    if rtype is None:
        return None
    rtype = str(rtype).upper()
    if rtype != "SOA" and rtype not in rdata.SUPPORTED_TYPES:
        reasons.invalid("type", f"'{rtype}' is not a supported record type")
        return None
    return rtype


def _records(
    reasons: policy.Reasons,
    rtype: str | None,
    owner: dns.name.Name | None,
    texts: Sequence[str],
) -> tuple[rdata.CanonicalRecord, ...] | None:
    if rtype is None or owner is None:
        return None
    return reasons.check(rdata.canonical_records, rtype, owner, texts)


async def _check_placement(
    conn: AsyncConnection, zone: Zone, owner: dns.name.Name, rtype: str
) -> None:
    """Raises InvalidRecordSetLocation for a name inside a child zone or a CNAME sharing its
    name, DuplicateRecordSet for a type the name has already."""
    origin = dns.name.from_text(zone.name)
    between = []
    name = owner
    while name != origin:
        between.append(names.to_text(name))
        name = name.parent()
    present, children = await recordset_rows.occupants(conn, zone.id, names.to_text(owner), between)
    if children:
        raise errors.InvalidRecordSetLocation(f"RecordSet belongs in a child zone: {children[0]}")
    if rtype in present:
        raise errors.DuplicateRecordSet()
    if rules.cname_conflict(rtype, present):
        raise errors.InvalidRecordSetLocation(
            "CNAME recordsets may not share a name with any other records"
        )


def _new_recordset(
    ctx: RequestContext,
    zone: Zone,
    change: changes.ZoneChange,
    owner: dns.name.Name,
    rtype: str,
    records: Sequence[rdata.CanonicalRecord],
    fields: Mapping[str, Any],
) -> RecordSet:
    status, action = change.state(bool(records), Action.CREATE)
    return RecordSet.new(
        zone,
        names.to_text(owner),
        rtype,
        project_id=ctx.project_id,
        ttl=fields.get("ttl"),
        serial=change.serial,
        created_at=change.now,
        records=tuple(sorted(record.data for record in records)),
        description=fields.get("description"),
        status=status,
        action=action,
    )


async def get(ctx: RequestContext, env: ServiceEnv, zone_id: str, recordset_id: str) -> RecordSet:
    """The recordset of the zone. Raises Forbidden, ZoneNotFound, RecordSetNotFound."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id, "get_recordset")
        return _in_zone(zone, await recordset_rows.get(conn, recordset_id))


def _in_zone(zone: Zone, recordset: RecordSet | None) -> RecordSet:
    if recordset is None or recordset.zone_id != zone.id:
        raise errors.RecordSetNotFound()
    return recordset


async def find(ctx: RequestContext, env: ServiceEnv, recordset_id: str) -> RecordSet:
    """The recordset, in any zone the caller may see (for ``/v2/recordsets/{id}``).
    Raises Forbidden, RecordSetNotFound."""
    async with env.db.read() as conn:
        recordset = await recordset_rows.get(conn, recordset_id)
        zone = await zone_rows.get(conn, recordset.zone_id) if recordset else None
        if recordset is None or zone is None:
            raise errors.RecordSetNotFound()
        try:
            await policy.readable(conn, ctx, zone)
        except errors.ZoneNotFound:
            raise errors.RecordSetNotFound() from None
    policy.enforce(ctx, "get_recordset", policy.zone_target(ctx, zone))
    return recordset


async def list(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str | None,
    query: ListQuery,
    count: bool = True,
) -> Page[RecordSet]:
    """One page of the zone's recordsets, or with ``zone_id`` None of every zone the caller
    may see; ``total_count`` only when ``count``. Raises Forbidden, ZoneNotFound,
    BadRequest (filters), InvalidSortKey, InvalidSortDir, MarkerNotFound."""
    policy.enforce(ctx, "find_recordsets", policy.project_target(ctx))
    async with env.db.read() as conn:
        scope = []
        if zone_id is not None:
            zone = await policy.zone_for_read(conn, ctx, zone_id, "find_recordsets")
            scope.append(recordset_rows.in_zone(zone.id))
        elif not ctx.all_projects:
            scope.append(recordset_rows.in_project(ctx.project_id))
        items, total = await recordset_rows.page(conn, scope, query, count)
    return Page(items=items, total_count=total)


async def update(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    recordset_id: str,
    fields: Mapping[str, Any],
) -> RecordSet:
    """Change the recordset's records, ttl and/or description (PUT, but partial: absent
    keys keep their value; ``records`` replaces the whole set). ``name`` and ``type`` may be
    sent only with their current values. Raises Forbidden, ZoneNotFound, RecordSetNotFound,
    BadRequest (SOA, managed, apex NS, zone being deleted), InvalidObject, InvalidTTL, OverQuota."""
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now(), None)
        zone = change.zone
        old = _in_zone(zone, await recordset_rows.get(conn, recordset_id))
        _check_updatable(ctx, zone, old)
        records = _validate_update(ctx, env, zone, old, fields)
        if not old.managed:
            await _check_record_quotas(conn, env, zone, old, records)
        new = _updated(old, change, records, fields)
        await _write_update(conn, old, new, records)
        change.replace(changes.served_rrs(old, zone.ttl), changes.served_rrs(new, zone.ttl))
        await changes.commit(conn, change)
    env.db.wake_worker()
    return new


async def check_updatable(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, recordset_id: str
) -> None:
    """Raise what ``update`` raises before it reads the new fields: Forbidden, ZoneNotFound,
    RecordSetNotFound, BadRequest (SOA, managed, apex NS). Designate refuses such a
    recordset whatever the body holds, so the API asks this when the body itself is bad."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id, "get_recordset")
        _check_updatable(ctx, zone, _in_zone(zone, await recordset_rows.get(conn, recordset_id)))


def _check_updatable(ctx: RequestContext, zone: Zone, recordset: RecordSet) -> None:
    _enforce_on(ctx, "update_recordset", zone, recordset)
    policy.refuse_secondary(zone)
    _check_editable(ctx, recordset, "updated")
    if recordset.type == "NS" and recordset.name == zone.name:
        # Even with edit-managed: the apex NS follow the pool (zonekeeper pool update).
        raise errors.BadRequest("Updating a root zone NS record is not allowed")


def _enforce_on(ctx: RequestContext, rule: str, zone: Zone, recordset: RecordSet) -> None:
    """Designate's recordset rules also let a member change a recordset of their project
    (``recordset_project_id``) in another project's zone."""
    policy.enforce(
        ctx, rule, policy.zone_target(ctx, zone, recordset_project_id=recordset.project_id)
    )


def _check_editable(ctx: RequestContext, recordset: RecordSet, verb: str) -> None:
    if recordset.type == "SOA":
        raise errors.BadRequest(f"SOA records may not be {verb}")
    if recordset.managed and not ctx.edit_managed:
        raise errors.BadRequest(f"Managed records may not be {verb}")


def _validate_update(
    ctx: RequestContext, env: ServiceEnv, zone: Zone, old: RecordSet, fields: Mapping[str, Any]
) -> tuple[rdata.CanonicalRecord, ...] | None:
    """The new canonical records, or None when ``records`` is absent (they stay)."""
    reasons = policy.Reasons()
    if "name" in fields and _absolute(str(fields["name"])) != old.name:
        reasons.invalid("name", "name is immutable")
    if "type" in fields and str(fields["type"]).upper() != old.type:
        reasons.invalid("type", "type is immutable")
    owner = dns.name.from_text(old.name)
    records = None
    if "records" in fields:
        records = _records(reasons, old.type, owner, fields["records"] or [])
    reasons.raise_any()
    if records is not None:
        rules.check_recordset(owner, dns.name.from_text(zone.name), old.type, len(records))
    if "ttl" in fields:
        policy.check_ttl(ctx, env.settings, fields["ttl"])
    return records


def _absolute(name: str) -> str:
    name = name.lower()
    return name if name.endswith(".") else name + "."


async def _check_record_quotas(
    conn: AsyncConnection,
    env: ServiceEnv,
    zone: Zone,
    old: RecordSet,
    records: Sequence[rdata.CanonicalRecord] | None,
) -> None:
    if records is None:
        return
    await quotas.check_records(
        conn,
        env.settings,
        zone,
        recordsets_added=0,
        records_added=len(records) - len(old.records),
        recordset_records=len(records),
    )


def _updated(
    old: RecordSet,
    change: changes.ZoneChange,
    records: Sequence[rdata.CanonicalRecord] | None,
    fields: Mapping[str, Any],
) -> RecordSet:
    data = old.records if records is None else tuple(sorted(r.data for r in records))
    status, action = change.state(bool(data), Action.UPDATE)
    return dataclasses.replace(
        old,
        ttl=fields.get("ttl", old.ttl),
        description=fields.get("description", old.description),
        records=data,
        status=status,
        action=action,
        serial=change.serial,
        version=old.version + 1,
        updated_at=change.now,
    )


async def _write_update(
    conn: AsyncConnection,
    old: RecordSet,
    new: RecordSet,
    records: Sequence[rdata.CanonicalRecord] | None,
) -> None:
    """Write ``new`` over ``old``: its columns, and only the records that differ."""
    values = {
        "ttl": new.ttl,
        "description": new.description,
        "serial": new.serial,
        "status": new.status.value,
        "action": new.action.value,
        "updated_at": new.updated_at,
    }
    await recordset_rows.update_recordsets(conn, [old.id], values)
    if records is not None:
        kept = set(old.records) & set(new.records)
        await recordset_rows.remove_records(conn, old.id, set(old.records) - kept)
        added = [record for record in records if record.data not in kept]
        await recordset_rows.add_records(conn, new, added)


async def delete(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, recordset_id: str
) -> RecordSet:
    """Delete the recordset: its rows are gone at once, and it is returned DELETE/PENDING at
    the new serial. Raises Forbidden, ZoneNotFound, RecordSetNotFound, BadRequest (SOA,
    managed, zone being deleted)."""
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now(), None)
        old = _in_zone(change.zone, await recordset_rows.get(conn, recordset_id))
        _enforce_on(ctx, "delete_recordset", change.zone, old)
        policy.refuse_secondary(change.zone)
        _check_editable(ctx, old, "deleted")
        await recordset_rows.delete_recordset(conn, old.id)
        change.replace(changes.served_rrs(old, change.zone.ttl), [])
        await changes.commit(conn, change)
    env.db.wake_worker()
    status, action = change.state(True, Action.DELETE)
    return dataclasses.replace(
        old,
        status=status,
        action=action,
        serial=change.serial,
        version=old.version + 1,
        updated_at=change.now,
    )
