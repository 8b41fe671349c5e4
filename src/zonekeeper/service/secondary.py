"""SECONDARY zones: created without records, filled by transfers from their masters.

A transfer's outcome is written here, each in one transaction on the locked zone row: a new
copy replaces the zone's recordsets rrset by rrset, is journalled (so the pool's nameservers
may IXFR it from the mini-DNS), takes the master's serial and SOA timers, and leaves the zone
PENDING for the worker to push, like any change. The zone never gets a serial of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.SOA import SOA
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, masters, rdata
from zonekeeper.domain import secondary as rules
from zonekeeper.domain.models import Action, RecordSet, Status, Zone, ZoneType
from zonekeeper.domain.serial import serial_gt
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import secondary as secondary_rows
from zonekeeper.storage import zones as zone_rows

FIRST_SERIAL = 1
"""A SECONDARY zone's serial until its first transfer (Designate's)."""


def check_create(fields: Mapping[str, Any], reasons: policy.Reasons) -> tuple[masters.Master, ...]:
    """The masters of a SECONDARY create request; notes in ``reasons`` what Designate refuses
    (no masters, an email or a TTL given)."""
    if not fields.get("masters"):
        reasons.errors.append(
            errors.FieldError(("type",), "'masters' is a required property", "required")
        )
    for key in ("email", "ttl"):
        if key in fields:
            reasons.errors.append(
                errors.FieldError(
                    ("type",), f"'{key}' can't be specified when type is SECONDARY", "not_allowed"
                )
            )
    found = reasons.check(masters.parse_masters, fields.get("masters") or [])
    return found or ()


def patched(zone: Zone, fields: Mapping[str, Any]) -> Zone:
    """``zone`` with a PATCH's description and masters. Raises InvalidObject for a change of
    name, type, attributes, email or ttl (a SECONDARY zone takes those from its masters)."""
    reasons = policy.Reasons()
    for key, current in (("name", zone.name), ("type", zone.type.value)):
        if key in fields and str(fields[key]).lower() != current.lower():
            reasons.invalid(key, f"{key} is immutable")
    if "attributes" in fields and dict(fields["attributes"] or {}) != dict(zone.attributes):
        reasons.invalid("attributes", "attributes are immutable")
    for key in ("email", "ttl"):
        if key in fields:
            reasons.invalid(key, f"'{key}' can't be specified when type is SECONDARY")
    found = zone.masters
    if "masters" in fields:
        parsed = reasons.check(masters.parse_masters, fields["masters"] or [])
        if parsed is not None and not parsed:
            reasons.invalid("masters", "'masters' is a required property")
        found = tuple(m.to_text() for m in parsed or ())
    reasons.raise_any()
    return dataclasses.replace(
        zone, description=fields.get("description", zone.description), masters=found
    )


async def update_in(
    conn: AsyncConnection, env: ServiceEnv, zone: Zone, fields: Mapping[str, Any]
) -> Zone:
    """Apply a PATCH to the locked SECONDARY ``zone``, without a serial of its own; new
    masters make a transfer due at once (the caller wakes the refresher)."""
    updated = patched(zone, fields)
    now = env.now()
    updated = dataclasses.replace(updated, version=zone.version + 1, updated_at=now)
    values: dict[str, Any] = {
        "description": updated.description,
        "masters": list(updated.masters),
        "version": updated.version,
        "updated_at": now,
    }
    if updated.masters != zone.masters:
        values["next_transfer_at"] = now
    await zone_rows.update_zone(conn, zone.id, values)
    return updated


async def request_transfer(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> None:
    """The xfr task: ask the masters now (a transfer follows if they are ahead of us).
    Raises Forbidden, ZoneNotFound, BadRequest (not SECONDARY, being deleted)."""
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "xfr_zone")
        if zone.type is not ZoneType.SECONDARY:
            raise errors.BadRequest("Can't XFR a non Secondary zone.")
        policy.refuse_deleting(zone)
        await secondary_rows.set_transfer(conn, zone.id, {"next_transfer_at": env.now()})
    env.db.wake_transfers()


@dataclasses.dataclass(frozen=True, slots=True)
class Copy:
    """A master's zone as transferred: its serial and every record (owner, type, TTL, data)."""

    master: str
    serial: int
    records: Sequence[tuple[str, str, int, str]]


async def apply_transfer(env: ServiceEnv, zone_id: str, copy: Copy) -> bool:
    """Make ``copy`` the zone's content, in one transaction. Records of types Zonekeeper does
    not serve are left out (counted in ``transfer_error``). Returns False, changing nothing
    but the refresh timer, when the zone is gone, being deleted, or already at or past the
    copy's serial (another worker was quicker)."""
    now = env.now()
    async with env.db.transaction() as conn:
        zone = await zone_rows.lock(conn, zone_id)
        if zone is None or zone.action is Action.DELETE or zone.type is not ZoneType.SECONDARY:
            return False
        if zone.transferred_at is not None and not serial_gt(copy.serial, zone.serial):
            await _refreshed(conn, zone, now)
            return False
        content, skipped = _content(copy.records)
        soa = _soa_of(zone.name, content)
        await _replace(conn, zone, content, copy.serial, now)
        await secondary_rows.set_transfer(
            conn, zone.id, _transferred(zone, copy, soa, skipped, now)
        )
    env.db.wake_worker()
    return True


async def record_up_to_date(env: ServiceEnv, zone_id: str) -> None:
    """A master confirmed our serial: the refresh timer starts again, an expired zone is
    served again (and pushed)."""
    async with env.db.transaction() as conn:
        zone = await zone_rows.lock(conn, zone_id)
        if zone is not None and zone.action is not Action.DELETE:
            await _refreshed(conn, zone, env.now())
    env.db.wake_worker()


async def record_failure(env: ServiceEnv, zone_id: str, reason: str, error: str) -> None:
    """No master gave us the zone: retry after the SOA retry; past the SOA expire since a
    master last confirmed our copy, the zone is no longer served and turns ERROR."""
    now = env.now()
    async with env.db.transaction() as conn:
        zone = await zone_rows.lock(conn, zone_id)
        if zone is None or zone.action is Action.DELETE:
            return
        last_contact = await _last_contact(conn, zone)
        values: dict[str, Any] = {
            "next_transfer_at": rules.next_retry(now, zone.retry),
            "transfer_status": secondary_rows.FAILED,
            "transfer_reason": reason[:32],
            "transfer_error": error,
        }
        if rules.expired(now, last_contact, zone.expire):
            values |= {
                "transfer_status": secondary_rows.EXPIRED,
                "status": Status.ERROR.value,
                "last_error": f"expired: no master confirmed the zone for {zone.expire} s; {error}",
                "next_attempt_at": None,
            }
        await secondary_rows.set_transfer(conn, zone.id, values)


async def _last_contact(conn: AsyncConnection, zone: Zone) -> datetime:
    row = await secondary_rows.transfer_state(conn, zone.id)
    return row.refreshed_at or zone.created_at


async def _refreshed(conn: AsyncConnection, zone: Zone, now: datetime) -> None:
    state = await secondary_rows.transfer_state(conn, zone.id)
    values: dict[str, Any] = {
        "refreshed_at": now,
        "next_transfer_at": rules.next_refresh(now, zone.refresh),
        "transfer_status": secondary_rows.OK,
        "transfer_reason": None,
        "transfer_error": None,
    }
    if state.transfer_status == secondary_rows.EXPIRED:
        # Served again: the nameservers must fetch it again, as after any change.
        values |= {"status": Status.PENDING.value, "next_attempt_at": now, "attempts": 0}
        values |= {"last_error": None}
    await secondary_rows.set_transfer(conn, zone.id, values)


def _content(
    records: Sequence[tuple[str, str, int, str]],
) -> tuple[dict[tuple[str, str], tuple[int, tuple[rdata.CanonicalRecord, ...]]], list[str]]:
    """The copy's rrsets in canonical form; the (owner, type) of those left out."""
    grouped: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for owner, rtype, ttl, data in records:
        grouped.setdefault((owner, rtype), (ttl, []))[1].append(data)
    content = {}
    skipped = []
    for (owner, rtype), (ttl, texts) in grouped.items():
        try:
            canonical = rdata.canonical_records(rtype, dns.name.from_text(owner), texts)
        except errors.InvalidObject:
            skipped.append(f"{owner} {rtype}")
            continue
        content[(owner, rtype)] = (ttl, canonical)
    return content, skipped


def _soa_of(
    origin: str, content: Mapping[tuple[str, str], tuple[int, tuple[rdata.CanonicalRecord, ...]]]
) -> SOA:
    entry = content.get((origin, "SOA"))
    if entry is None or len(entry[1]) != 1:
        raise ValueError(f"the transferred zone {origin} has no single SOA")
    soa = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, entry[1][0].data)
    assert isinstance(soa, SOA)
    return soa


async def _replace(
    conn: AsyncConnection,
    zone: Zone,
    content: Mapping[tuple[str, str], tuple[int, tuple[rdata.CanonicalRecord, ...]]],
    serial: int,
    now: datetime,
) -> None:
    """Turn the zone's recordsets into ``content`` and journal the difference."""
    stored = await secondary_rows.stored(conn, zone.id)
    old = {key: (ttl or zone.ttl, frozenset(data)) for key, (_, ttl, data) in stored.items()}
    new = {key: (ttl, frozenset(r.data for r in recs)) for key, (ttl, recs) in content.items()}
    change = rules.diff(old, new)
    removed: list[change_rows.RR] = []
    added: list[change_rows.RR] = []
    gone = [stored[key][0] for key in change.removed + change.changed]
    for key in change.removed + change.changed:
        removed += [(*key, old[key][0], data) for data in sorted(old[key][1])]
    await recordset_rows.delete_recordsets(conn, gone)
    items = []
    for key in change.added + change.changed:
        ttl, recs = content[key]
        items.append((_recordset(zone, key, ttl, serial, now), recs))
        added += [(*key, ttl, r.data) for r in recs]
    await recordset_rows.insert_many(conn, items)
    entry = change_rows.Journalled(
        from_serial=zone.serial,
        to_serial=serial,
        removed=tuple(sorted(removed, key=_soa_first)),
        added=tuple(sorted(added, key=_soa_first)),
    )
    await change_rows.append(conn, zone.id, entry, now)


def _soa_first(rr: change_rows.RR) -> tuple[int, str, str, str]:
    return (0 if rr[1] == "SOA" else 1, rr[0], rr[1], rr[3])


def _recordset(zone: Zone, key: tuple[str, str], ttl: int, serial: int, now: datetime) -> RecordSet:
    name, rtype = key
    managed = rtype == "SOA" or (rtype == "NS" and name == zone.name)
    return RecordSet.new(
        zone,
        name,
        rtype,
        project_id=zone.project_id,
        ttl=ttl,
        serial=serial,
        created_at=now,
        managed=managed,
    )


def _transferred(
    zone: Zone, copy: Copy, soa: SOA, skipped: list[str], now: datetime
) -> dict[str, Any]:
    return {
        "serial": copy.serial,
        "refresh": soa.refresh,
        "retry": soa.retry,
        "expire": soa.expire,
        "minimum": soa.minimum,
        "status": Status.PENDING.value,
        "action": Action.CREATE.value if zone.action is Action.CREATE else Action.UPDATE.value,
        "version": zone.version + 1,
        "updated_at": now,
        "transferred_at": now,
        "refreshed_at": now,
        "next_transfer_at": rules.next_refresh(now, soa.refresh),
        "transfer_status": secondary_rows.OK,
        "transfer_reason": None,
        "transfer_error": (
            f"left out {len(skipped)} rrset(s) of types not served here: {', '.join(skipped[:5])}"
            if skipped
            else None
        ),
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
    }
