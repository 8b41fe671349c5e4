"""Floating-IP PTRs (``/v2/reverse/floatingips``): list, get, set and unset the reverse name
of the caller's floating IPs.

Neutron (``env.floating_ips``) says which floating IPs a project owns; nothing here trusts the
caller for that. A PTR is a managed record (``service.managed``) tagged with its floating IP
(plugin ``reverse_floatingip``, resource ``floatingip``, the floating IP's project) in the
reverse zone of its address, which is created on demand and owned by the managed-resource
project (``network_api.managed_resource_project_id``). Every write goes through the normal
change path (serial, journal, PENDING).
"""

from __future__ import annotations

import builtins
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import dns.name
import dns.reversename
from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata, reverse
from zonekeeper.domain.models import Action, RecordSet, Zone
from zonekeeper.service import context, managed, policy, recordsets, zones
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import FloatingIp, FloatingIpSource, ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import records as records_table

PLUGIN: Final = "reverse_floatingip"
RESOURCE_TYPE: Final = "floatingip"
INACTIVE: Final = "INACTIVE"
"""Status of a floating IP without a PTR (Designate's, not a zone/recordset status)."""


@dataclass(frozen=True, slots=True)
class FloatingIpPtr:
    """A floating IP and its PTR, as the API shows it (``ptrdname`` None: no PTR)."""

    region: str
    id: str
    address: str
    ptrdname: str | None = None
    description: str | None = None
    ttl: int | None = None
    status: str = INACTIVE
    action: str = Action.NONE.value

    @property
    def key(self) -> str:
        """Designate's id of a floating IP: ``<region>:<uuid>``."""
        return f"{self.region}:{self.id}"


@dataclass(frozen=True, slots=True)
class PtrFields:
    """A set request, validated: the PTR target and the recordset's TTL and description."""

    ptrdname: str
    ttl: int | None
    description: str | None


async def list(
    ctx: RequestContext, env: ServiceEnv, token: str | None
) -> builtins.list[FloatingIpPtr]:
    """Every floating IP the caller's project owns in Neutron, with its PTR if it has one.
    Raises Forbidden, NoEndpoint, NeutronCommunicationFailure."""
    policy.enforce(ctx, "find_records", policy.project_target(ctx))  # as Designate
    found = await _source(env).list(ctx.project_id, token)
    owned = [fip for fip in found if fip.project_id == ctx.project_id]
    return await _with_ptrs(env, owned)


async def get(
    ctx: RequestContext, env: ServiceEnv, token: str | None, region: str, floatingip_id: str
) -> FloatingIpPtr:
    """The caller's floating IP with its PTR. Raises NotFound (unknown to Neutron, or another
    project's), Forbidden, NoEndpoint, NeutronCommunicationFailure."""
    policy.enforce(ctx, "find_records", policy.project_target(ctx))  # as Designate
    fip = await _owned(ctx, env, token, region, floatingip_id)
    return (await _with_ptrs(env, [fip]))[0]


def validate(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> PtrFields:
    """``fields`` of a set request (``ptrdname`` a string; ``ttl``, ``description`` optional),
    checked as DNS data. Raises InvalidObject (every reason at once), InvalidTTL."""
    reasons = policy.Reasons()
    ptrdname = reasons.required(fields, "ptrdname")
    if ptrdname is not None and rdata.parse_record("PTR", dns.name.root, str(ptrdname)) is None:
        message = f"{ptrdname!r:.300} is not a 'domainname'"
        reasons.errors.append(errors.FieldError(("ptrdname",), message, "format", "domainname"))
    reasons.raise_any()
    ttl = fields.get("ttl")
    policy.check_ttl(ctx, env.settings, ttl)
    return PtrFields(str(ptrdname), ttl, fields.get("description"))


async def set_ptr(
    ctx: RequestContext,
    env: ServiceEnv,
    token: str | None,
    region: str,
    floatingip_id: str,
    fields: PtrFields,
) -> FloatingIpPtr:
    """Make ``fields`` the PTR of the caller's floating IP: creates the reverse zone if
    missing, then the managed PTR record; the PTR takes exactly the given TTL (None: the
    zone's) and description. Idempotent. Raises NotFound, NoEndpoint,
    NeutronCommunicationFailure, DuplicateRecordSet (someone else's record holds the reverse
    name), Forbidden (not a member), and the zone-creation errors (IllegalChild, OverQuota)
    of the reverse zone."""
    policy.enforce(ctx, "set_floatingip", policy.project_target(ctx))
    fip = await _owned(ctx, env, token, region, floatingip_id)
    record_name, zone_name = reverse_names(fip.address)
    zone = await _reverse_zone(ctx, env, zone_name)
    wanted = [managed.Wanted(fields.ptrdname, (record_name,), "PTR")]
    system = _system(env, ctx)
    await managed.set_managed_records(
        system, env, zone.id, _tag(fip), wanted, fields.ttl, description=fields.description
    )
    await _apply_recordset_fields(system, env, zone.id, fip.id, fields)
    return (await _with_ptrs(env, [fip]))[0]


async def unset_ptr(
    ctx: RequestContext, env: ServiceEnv, token: str | None, region: str, floatingip_id: str
) -> None:
    """Remove the PTR of the caller's floating IP (its reverse zone stays). Idempotent.
    Raises Forbidden (not a member), NotFound, NoEndpoint, NeutronCommunicationFailure."""
    policy.enforce(ctx, "set_floatingip", policy.project_target(ctx))
    fip = await _owned(ctx, env, token, region, floatingip_id)
    async with env.db.read() as conn:
        zone_ids = sorted({r.zone_id for r in await _ptr_records(conn, [fip.id])})
    for zone_id in zone_ids:
        await managed.set_managed_records(_system(env, ctx), env, zone_id, _tag(fip), [], None)


async def follow_association(
    ctx: RequestContext,
    env: ServiceEnv,
    floatingip_id: str,
    port_id: str | None,
    revision: int | None = None,
) -> int:
    """Neutron says the floating IP is now associated with ``port_id`` (None: with none).
    Its PTR goes when the port differs from the one it had when the PTR was set; a PTR set
    while it had no port stays with the first port it gets. Disassociation (``port_id``
    None) keeps the PTR: the address stays the project's, so the name the tenant gave it
    still speaks for it, and disassociating is often a step of moving it back. Returns how
    many records went; idempotent, any order of associations ends alike.

    ``revision`` is the floating IP's revision in Neutron's event: a PTR set through the API at
    that revision or a later one is not touched (the event, delivered late, is older than
    what the tenant saw). Raises Forbidden (only the system calls this)."""
    if port_id is None:
        return 0
    owner = managed.ManagedBy(PLUGIN, RESOURCE_TYPE, floatingip_id)
    return await managed.follow_port(ctx, env, owner, port_id, revision)


async def having_ptrs(
    ctx: RequestContext, env: ServiceEnv, floatingip_ids: Sequence[str]
) -> builtins.set[str]:
    """Those of the floating IPs that have a PTR (one read). Raises Forbidden (only the
    system calls this)."""
    if not ctx.edit_managed:  # granted only to callers passing edit_managed_records
        raise errors.Forbidden()
    async with env.db.read() as conn:
        found = await _ptr_records(conn, floatingip_ids)
    return {record.managed_by.resource_id for record in found}


async def release(ctx: RequestContext, env: ServiceEnv, floatingip_id: str) -> int:
    """Neutron released the floating IP: its PTR goes (the address may be handed to another
    project next). Returns how many records went; idempotent. Raises Forbidden."""
    return await managed.remove_managed(ctx, env, RESOURCE_TYPE, floatingip_id, plugin_name=PLUGIN)


def reverse_names(address: str) -> tuple[str, str]:
    """(PTR owner name, reverse zone name) of an IP address: ``d.c.b.a.in-addr.arpa.`` in
    ``c.b.a.in-addr.arpa.``; for IPv6 the nibble name in its /64 zone under ``ip6.arpa.``.
    Raises ValueError for text that is not an IP address."""
    parsed = ipaddress.ip_address(address.strip())
    owner = dns.reversename.from_address(str(parsed))
    return names.to_text(owner), names.to_text(reverse.zone_of(parsed))


def _source(env: ServiceEnv) -> FloatingIpSource:
    if env.floating_ips is None:
        raise errors.NoEndpoint("No Neutron endpoint is configured ([network_api] endpoints)")
    return env.floating_ips


async def _owned(
    ctx: RequestContext, env: ServiceEnv, token: str | None, region: str, floatingip_id: str
) -> FloatingIp:
    """The floating IP, from Neutron, if the caller's project owns it; else NotFound."""
    fip = await _source(env).get(region, floatingip_id, token)
    if fip is None or fip.project_id != ctx.project_id:
        raise errors.NotFound(
            f"FloatingIP {region}:{floatingip_id} is not associated with {ctx.project_id}"
        )
    return fip


def _system(env: ServiceEnv, ctx: RequestContext) -> RequestContext:
    """The system's own context for managed writes, keeping the request id."""
    return context.managed_resources(env.settings, request_id=ctx.request_id)


def _tag(fip: FloatingIp) -> managed.ManagedBy:
    """The PTR's owner: the floating IP, and the port it had when the PTR was set."""
    return managed.ManagedBy(
        PLUGIN, RESOURCE_TYPE, fip.id, fip.project_id, fip.port_id, fip.revision_number
    )


async def _reverse_zone(ctx: RequestContext, env: ServiceEnv, zone_name: str) -> Zone:
    """The zone named ``zone_name`` (whoever owns it), created in the managed-resource
    project when missing (a concurrent creation is found, not duplicated)."""
    existing = await _zone_named(env, zone_name)
    if existing is not None:
        return existing
    email = env.settings.network_api.managed_resource_email
    owner = context.managed_resources(env.settings, ctx.request_id)
    try:
        return await zones.create(owner, env, {"name": zone_name, "email": email})
    except errors.DuplicateZone:
        existing = await _zone_named(env, zone_name)
        if existing is None:
            raise
        return existing


async def _zone_named(env: ServiceEnv, zone_name: str) -> Zone | None:
    async with env.db.read() as conn:
        found = await zone_rows.by_names(conn, [zone_name])
    return found[0] if found else None


async def _apply_recordset_fields(
    system: RequestContext, env: ServiceEnv, zone_id: str, floatingip_id: str, fields: PtrFields
) -> None:
    """Give the PTR's recordset the requested TTL and description when it has others (it
    existed before this request, which kept them): one more change."""
    async with env.db.read() as conn:
        found = await _ptr_records(conn, [floatingip_id], zone_id)
        recordset = await recordset_rows.get(conn, found[0].recordset_id) if found else None
    if recordset is None:
        return
    if (recordset.ttl, recordset.description) != (fields.ttl, fields.description):
        wanted = {"ttl": fields.ttl, "description": fields.description}
        await recordsets.update(system, env, zone_id, recordset.id, wanted)


async def _with_ptrs(env: ServiceEnv, fips: Sequence[FloatingIp]) -> builtins.list[FloatingIpPtr]:
    """``fips`` in order, each with its PTR (read in one transaction)."""
    async with env.db.read() as conn:
        ptrs: dict[str, managed_rows.OwnedRecord] = {}
        for record in await _ptr_records(conn, [fip.id for fip in fips]):
            ptrs.setdefault(record.managed_by.resource_id, record)
        held = {
            r.recordset_id: await recordset_rows.get(conn, r.recordset_id) for r in ptrs.values()
        }
    return [_shown(fip, ptrs.get(fip.id), held) for fip in fips]


def _shown(
    fip: FloatingIp,
    record: managed_rows.OwnedRecord | None,
    held: Mapping[str, RecordSet | None],
) -> FloatingIpPtr:
    recordset = held.get(record.recordset_id) if record is not None else None
    if record is None or recordset is None:
        return FloatingIpPtr(fip.region, fip.id, fip.address)
    return FloatingIpPtr(
        fip.region,
        fip.id,
        fip.address,
        ptrdname=record.data,
        description=recordset.description,
        ttl=recordset.ttl,
        status=recordset.status.value,
        action=recordset.action.value,
    )


async def _ptr_records(
    conn: AsyncConnection, floatingip_ids: Sequence[str], zone_id: str | None = None
) -> builtins.list[managed_rows.OwnedRecord]:
    """The PTR records of the floating IPs (the sink's A/AAAA records of them excluded),
    ordered by record id (of two, the same one is always shown)."""
    if not floatingip_ids:
        return []
    condition = and_(
        records_table.c.managed_plugin_name == PLUGIN,
        records_table.c.managed_resource_type == RESOURCE_TYPE,
        records_table.c.managed_resource_id.in_(floatingip_ids),
    )
    found = await managed_rows.owned(conn, condition, zone_id)
    return sorted((r for r in found if r.type == "PTR"), key=lambda r: r.record_id)
