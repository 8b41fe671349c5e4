"""Zone use cases: create, read, list, update (PATCH), delete, nameservers.

Each write is one transaction; creates, updates and deletes leave the zone PENDING and wake
the worker, which makes it ACTIVE once the pool's nameservers serve it (or purges it).
"""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata, reverse
from zonekeeper.domain.models import (
    DEFAULT_POOL_ID,
    Action,
    ListQuery,
    Page,
    RecordSet,
    Status,
    Zone,
    ZoneType,
)
from zonekeeper.domain.serial import next_serial
from zonekeeper.service import blacklists, changes, policy, pools, quotas, secondary, tlds
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import listing, shares
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import zones as zones_table

LISTING = listing.Listing(
    table=zones_table,
    id=zones_table.c.id,
    filters={
        "name": listing.match(zones_table.c.name, str.lower),
        "type": listing.match(zones_table.c.type, str.upper),
        "email": listing.match(zones_table.c.email),
        "status": listing.match(zones_table.c.status, str.upper),
        "description": listing.match(zones_table.c.description),
        "ttl": listing.match(zones_table.c.ttl),
    },
    sort_keys={
        key: zones_table.c[column]
        for key, column in {
            "created_at": "created_at",
            "id": "id",
            "updated_at": "updated_at",
            "name": "name",
            "tenant_id": "project_id",
            "project_id": "project_id",
            "serial": "serial",
            "ttl": "ttl",
            "status": "status",
        }.items()
    },
)


@dataclass(frozen=True, slots=True)
class NewZone:
    """A create request, validated."""

    name: dns.name.Name
    email: str
    rname: dns.name.Name
    ttl: int
    description: str | None
    attributes: Mapping[str, str]
    timers: tuple[int, int, int, int] | None = None
    """SOA refresh, retry, expire and minimum (an imported SOA's); None: the defaults."""
    masters: tuple[str, ...] = ()
    """A SECONDARY zone's masters ("host" or "host:port"); empty for a PRIMARY zone."""

    @property
    def type(self) -> ZoneType:
        return ZoneType.SECONDARY if self.masters else ZoneType.PRIMARY


async def create(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> Zone:
    """Create a zone in the caller's project: a PRIMARY zone with its SOA and apex NS
    recordsets, or a SECONDARY zone with a placeholder SOA (serial 1) until its first transfer
    from its masters, which is due at once.

    The zone is CREATE/PENDING until the pool's nameservers serve it. Raises Forbidden,
    InvalidObject, InvalidZoneName (also: not under a registered TLD, blacklisted), InvalidTTL,
    DuplicateZone, IllegalChild, IllegalParent, OverQuota,
    NoServersConfigured (a default pool without ns_records). On a database no mini-DNS has
    registered with yet, the zone waits PENDING (see ``pools.default_for_create``).
    """
    policy.enforce(ctx, "create_zone", policy.project_target(ctx))
    new = validate_new(ctx, env, fields)
    async with env.db.transaction() as conn:
        zone = await insert_new(conn, ctx, env, new)
    env.db.wake_worker()
    if zone.type is ZoneType.SECONDARY:
        env.db.wake_transfers()
    return zone


async def insert_new(
    conn: AsyncConnection, ctx: RequestContext, env: ServiceEnv, new: NewZone
) -> Zone:
    """Insert the zone ``new`` describes with its SOA and apex NS, in the caller's
    transaction (imports add their recordsets to the same one). Raises InvalidZoneName
    (reserved for floating-IP reverse zones, not under a registered TLD, blacklisted),
    DuplicateZone, IllegalChild, IllegalParent, OverQuota, NoServersConfigured."""
    _refuse_reserved(ctx, env, new.name)
    # Zone creates take turns on the default pool's row: the quota (count, then insert) and
    # the ownership of a name's ancestry and descendants (read, then insert) are only true
    # while no other create commits in between. Zone names are one namespace across
    # projects; creates are rare enough that one queue costs nothing worth a finer lock.
    pool = await pools.default_for_create(conn, env)
    if not pool.ns_records:
        raise errors.NoServersConfigured("The default pool has no nameservers")
    name = names.to_text(new.name)
    await tlds.check_zone_name(conn, name)
    await blacklists.check_zone_name(conn, ctx, name)
    await _check_ownership(conn, ctx, new.name)
    await quotas.check_zones(conn, env.settings, ctx.project_id)
    if new.type is ZoneType.SECONDARY:
        serial = secondary.FIRST_SERIAL
        bookkeeping = {"next_transfer_at": env.now()}
    else:
        serial = await _first_serial(conn, name, env.now())
        bookkeeping = {}
    zone = new_zone(ctx, env, new, serial)
    await zone_rows.insert_zone(
        conn, zone, attempts=0, next_attempt_at=zone.created_at, **bookkeeping
    )
    hostnames = [str(ns["hostname"]) for ns in pool.ns_records]
    # A SECONDARY zone's NS come from its masters (Designate writes none either).
    await _write_apex(conn, zone, new.rname, hostnames if new.type is ZoneType.PRIMARY else [])
    return zone


def validate_new(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> NewZone:
    """The create request ``fields``, checked; every InvalidObject reason is raised at once.
    Raises InvalidObject, InvalidZoneName, InvalidTTL."""
    reasons = policy.Reasons()
    zone_type = fields.get("type") or ZoneType.PRIMARY.value
    found_masters: tuple[str, ...] = ()
    if zone_type == ZoneType.SECONDARY.value:
        found_masters = tuple(m.to_text() for m in secondary.check_create(fields, reasons))
        fields = {**fields, "email": env.settings.network_api.managed_resource_email}
    elif zone_type != ZoneType.PRIMARY.value:
        reasons.invalid("type", f"'{zone_type}' is not one of ['PRIMARY', 'SECONDARY']")
    elif fields.get("masters"):
        reasons.invalid("masters", "masters must be empty for a PRIMARY zone")
    name_text = reasons.required(fields, "name")
    max_length = env.settings.zones.max_zone_name_length
    name = None
    if name_text is not None:  # "" too: refused by the parser, with its reason
        name = reasons.check(names.parse_zone_name, name_text, max_length)
    email = reasons.required(fields, "email")
    rname = reasons.check(names.parse_email, email) if email is not None else None
    reasons.raise_any()
    assert name is not None and rname is not None  # raise_any() raised otherwise
    ttl = fields.get("ttl")
    ttl = env.settings.zones.ttl if ttl is None else int(ttl)
    policy.check_ttl(ctx, env.settings, ttl)
    attributes = {str(k): str(v) for k, v in (fields.get("attributes") or {}).items()}
    return NewZone(
        name,
        str(email),
        rname,
        ttl,
        fields.get("description"),
        attributes,
        masters=found_masters,
    )


def _refuse_reserved(ctx: RequestContext, env: ServiceEnv, name: dns.name.Name) -> None:
    """Raises InvalidZoneName for a name the floating-IP ranges reserve for their reverse
    zones, unless the caller is the managed-resource project, which makes those zones."""
    if ctx.project_id == env.settings.network_api.managed_resource_project_id:
        return
    network = reverse.reserving(name, env.settings.network_api.floating_ranges)
    if network is not None:
        raise errors.InvalidZoneName(
            f"{names.to_text(name)} is reserved for the reverse zones of the floating IP "
            f"range {network}"
        )


async def _check_ownership(conn: AsyncConnection, ctx: RequestContext, name: dns.name.Name) -> None:
    """Raises DuplicateZone for a name already taken, IllegalChild below another project's
    zone, IllegalParent above one."""
    text = names.to_text(name)
    ancestors = [names.to_text(name.split(depth)[1]) for depth in range(2, len(name))]
    for zone in await zone_rows.by_names(conn, [text, *ancestors]):
        if zone.name == text:
            raise errors.DuplicateZone()
        if zone.project_id != ctx.project_id:
            raise errors.IllegalChild("Unable to create subzone in another tenants zone")
    if await zone_rows.descendant_projects(conn, text) - {ctx.project_id}:
        raise errors.IllegalParent("Unable to create zone because another tenant owns a subzone")


async def _first_serial(conn: AsyncConnection, name: str, now: datetime) -> int:
    """The serial of a new zone: now, or above the last serial of a deleted zone of the name,
    so secondaries that still hold the old zone take the new one."""
    floor = await zone_rows.serial_floor(conn, name)
    now_serial = changes.unix_time(now)
    return now_serial if floor is None else next_serial(floor, now_serial)


def new_zone(ctx: RequestContext, env: ServiceEnv, new: NewZone, serial: int) -> Zone:
    """The Zone row ``new`` becomes at ``serial`` (CREATE/PENDING, in the default pool)."""
    defaults = env.settings.zones
    timers = new.timers or (defaults.refresh, defaults.retry, defaults.expire, defaults.minimum)
    return Zone(
        id=str(uuid.uuid4()),
        project_id=ctx.project_id,
        pool_id=DEFAULT_POOL_ID,
        name=names.to_text(new.name),
        email=new.email,
        ttl=new.ttl,
        serial=serial,
        refresh=timers[0],
        retry=timers[1],
        expire=timers[2],
        minimum=timers[3],
        status=Status.PENDING,
        action=Action.CREATE,
        type=new.type,
        description=new.description,
        masters=new.masters,
        attributes=new.attributes,
        version=1,
        created_at=env.now(),
        updated_at=None,
        transferred_at=None,
        request_id=ctx.request_id or None,
    )


async def _write_apex(
    conn: AsyncConnection, zone: Zone, rname: dns.name.Name, hostnames: builtins.list[str]
) -> None:
    """Write the zone's managed SOA and apex NS recordsets (served with the zone TTL)."""
    origin = dns.name.from_text(zone.name)
    mname = dns.name.from_text(hostnames[0]) if hostnames else dns.name.root
    soa = changes.soa_for(zone, mname, rname)
    ns_records = rdata.canonical_records("NS", origin, hostnames)
    for rtype, records in (("SOA", (soa,)), ("NS", ns_records)):
        if not records:
            continue
        recordset = _managed_recordset(zone, rtype)
        await recordset_rows.insert_recordset(conn, recordset, records)


def _managed_recordset(zone: Zone, rtype: str) -> RecordSet:
    return RecordSet.new(
        zone,
        zone.name,
        rtype,
        project_id=zone.project_id,
        ttl=None,
        serial=zone.serial,
        created_at=zone.created_at,
        managed=True,
    )


async def get(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> Zone:
    """The zone; raises Forbidden or ZoneNotFound (also for another project's zone)."""
    async with env.db.read() as conn:
        return await policy.zone_for_read(conn, ctx, zone_id)


async def by_name(ctx: RequestContext, env: ServiceEnv, name: str) -> Zone:
    """The zone named ``name`` (absolute), unless it is being deleted; raises Forbidden,
    InvalidObject/InvalidZoneName (not a zone name) or ZoneNotFound (also for another
    project's zone)."""
    policy.enforce(ctx, "find_zones", policy.project_target(ctx))
    stored = names.to_text(names.parse_zone_name(name))
    async with env.db.read() as conn:
        found = [z for z in await zone_rows.by_names(conn, [stored]) if z.action != Action.DELETE]
        return await policy.readable(conn, ctx, found[0] if found else None)


async def list(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[Zone]:
    """One page of the caller's zones (every project's with ``all_projects``), with
    ``total_count``. Raises Forbidden, BadRequest (filters), InvalidSortKey, InvalidSortDir,
    MarkerNotFound."""
    policy.enforce(ctx, "find_zones", policy.project_target(ctx))
    scope = [] if ctx.all_projects else [policy.readable_zones(ctx.project_id)]
    async with env.db.read() as conn:
        rows, total = await listing.page(conn, LISTING, zone_rows.SELECT, scope, query)
    return Page(items=[zone_rows.from_row(row) for row in rows], total_count=total)


async def update(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, fields: Mapping[str, Any]
) -> Zone:
    """Change the zone's email, ttl and/or description (PATCH: absent keys keep their value);
    a SECONDARY zone's description and masters only (new masters: a transfer is due now).

    A PRIMARY zone's change bumps the serial and leaves the zone UPDATE/PENDING (CREATE while
    never served yet); a new ttl re-journals every record served with the zone TTL. Raises
    Forbidden,
    ZoneNotFound, BadRequest (zone being deleted), InvalidObject (name, type, attributes
    changed; bad email), InvalidTTL.
    """
    async with env.db.transaction() as conn:
        change = await changes.begin(conn, ctx, zone_id, env.now(), "update_zone")
        before = change.zone
        if before.type is ZoneType.SECONDARY:
            # No serial of its own: only its description and masters change here.
            zone = await secondary.update_in(conn, env, before, fields)
        else:
            updated = _patched(ctx, env, before, fields)
            if updated.ttl != before.ttl:
                await _rejournal_zone_ttl(conn, change, updated.ttl)
            zone = await changes.commit(conn, change, updated)
    if zone.type is ZoneType.PRIMARY:
        env.db.wake_worker()
    elif zone.masters != before.masters:
        env.db.wake_transfers()
    return zone


def _patched(ctx: RequestContext, env: ServiceEnv, zone: Zone, fields: Mapping[str, Any]) -> Zone:
    reasons = policy.Reasons()
    if "name" in fields and str(fields["name"]).lower() != zone.name:
        reasons.invalid("name", "name is immutable")
    if "type" in fields and fields["type"] != zone.type.value:
        reasons.invalid("type", "type is immutable")
    if "attributes" in fields and dict(fields["attributes"] or {}) != dict(zone.attributes):
        reasons.invalid("attributes", "attributes are immutable")
    if fields.get("masters"):
        reasons.invalid("masters", "masters must be empty for a PRIMARY zone")
    if "email" in fields:
        reasons.check(names.parse_email, reasons.required(fields, "email"))
    reasons.raise_any()
    ttl = zone.ttl if fields.get("ttl") is None else int(fields["ttl"])
    if "ttl" in fields:
        policy.check_ttl(ctx, env.settings, ttl)
    return dataclasses.replace(
        zone,
        email=str(fields.get("email", zone.email)),
        ttl=ttl,
        description=fields.get("description", zone.description),
    )


async def _rejournal_zone_ttl(
    conn: AsyncConnection, change: changes.ZoneChange, new_ttl: int
) -> None:
    """Journal every record that inherits the zone TTL at its new TTL, and stamp its
    recordset with the change (the SOA is journalled by ``changes.commit``)."""
    old_ttl = change.zone.ttl
    inheriting = await recordset_rows.inheriting_ttl(conn, change.zone.id)
    change.replace(
        [(name, rtype, old_ttl, data) for _, name, rtype, data in inheriting],
        [(name, rtype, new_ttl, data) for _, name, rtype, data in inheriting],
    )
    touched = {recordset_id for recordset_id, *_ in inheriting}
    await recordset_rows.update_recordsets(conn, touched, change.stamp(True, Action.UPDATE))


async def delete(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, delete_shares: bool = False
) -> Zone:
    """Start deleting the zone: DELETE/PENDING until the nameservers no longer serve it, when
    the worker purges its rows. Repeating it is harmless. A shared zone is deleted only with
    ``delete_shares`` (its shares go with it). Raises Forbidden, ZoneNotFound,
    ZoneHasSubZone, ZoneIsShared."""
    now = env.now()
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "delete_zone")
        await _check_deletable(conn, zone, delete_shares)
        zone = dataclasses.replace(
            zone,
            status=Status.PENDING,
            action=Action.DELETE,
            version=zone.version + 1,
            updated_at=now,
            hard_delete=ctx.hard_delete,
            request_id=ctx.request_id or None,
        )
        await zone_rows.update_zone(conn, zone.id, _deleting_columns(zone))
    env.db.wake_worker()
    return zone


async def abandon(
    ctx: RequestContext, env: ServiceEnv, zone_id: str, delete_shares: bool = False
) -> None:
    """Forget the zone: its rows are gone at once, and nothing is removed from the
    nameservers, which keep serving their copy (Designate's abandon; admins only). A zone
    created again under the name starts above its serial. Raises Forbidden, ZoneNotFound,
    ZoneHasSubZone, ZoneIsShared."""
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "abandon_zone")
        await _check_deletable(conn, zone, delete_shares)
        await change_rows.purge_zone(conn, zone.id)


async def _check_deletable(conn: AsyncConnection, zone: Zone, delete_shares: bool) -> None:
    """Raises ZoneHasSubZone, or ZoneIsShared unless ``delete_shares`` (then the shares go)."""
    if await zone_rows.descendant_projects(conn, zone.name):
        raise errors.ZoneHasSubZone()
    if zone.shared and not delete_shares:
        raise errors.ZoneIsShared(
            "This zone is shared with other projects, please remove these shares before "
            "deletion or use the delete-shares modifier to override this warning."
        )
    if zone.shared:
        await shares.delete_zone_shares(conn, zone.id)


def _deleting_columns(zone: Zone) -> dict[str, Any]:
    return {
        "status": zone.status.value,
        "action": zone.action.value,
        "version": zone.version,
        "updated_at": zone.updated_at,
        "attempts": 0,
        "next_attempt_at": zone.updated_at,
        "last_error": None,
        "hard_delete": zone.hard_delete,
        "request_id": zone.request_id,
    }


async def nameservers(
    ctx: RequestContext, env: ServiceEnv, zone_id: str
) -> builtins.list[tuple[str, int]]:
    """(hostname, priority) of the zone's apex nameservers, from its pool, lowest priority
    first. Raises Forbidden, ZoneNotFound."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id, "get_zone_ns_records")
        pool = await pool_rows.get_pool(conn, zone.pool_id)
    if pool is None:
        return []
    return [(str(ns["hostname"]), int(ns["priority"])) for ns in pool.ns_records]
