"""The heart of every write: one change to a zone's served data, committed in the caller's
transaction together with its serial bump, its new SOA, its journal entry and PENDING.

A service function opens the change with :func:`begin` (which locks the zone), writes its
rows stamped with ``change.serial``, records the difference with :meth:`ZoneChange.replace`,
and finishes with :func:`commit`, all inside ``async with env.db.transaction()``; after the
block it wakes the worker. Nothing else changes a zone's serial, so the journal always chains
serial to serial.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.SOA import SOA
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import names, rdata
from zonekeeper.domain.models import Action, RecordSet, Status, Zone
from zonekeeper.domain.serial import next_serial
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.changes import RR


def unix_time(moment: datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return calendar.timegm(moment.utctimetuple())


def served_rrs(recordset: RecordSet, zone_ttl: int) -> list[RR]:
    """The records of ``recordset`` as served: a recordset without a TTL gets the zone's."""
    ttl = zone_ttl if recordset.ttl is None else recordset.ttl
    return [(recordset.name, recordset.type, ttl, data) for data in recordset.records]


@dataclass(slots=True)
class ZoneChange:
    """One change being written: the zone as locked before it, the serial it commits at, and
    the records it removes and adds (the SOA excepted: :func:`commit` journals that)."""

    zone: Zone
    soa: recordset_rows.SoaRecord
    serial: int
    now: datetime
    request_id: str | None = None
    """The API request making the change (its journal entry and the zone remember it)."""
    removed: list[RR] = field(default_factory=list)
    added: list[RR] = field(default_factory=list)

    def replace(self, old: Iterable[RR], new: Iterable[RR]) -> None:
        """Record that the records ``old`` are now ``new``; only the difference is kept, so a
        record in both is neither removed nor added."""
        before, after = list(old), list(new)
        kept = set(before) & set(after)
        self.removed.extend(rr for rr in before if rr not in kept)
        self.added.extend(rr for rr in after if rr not in kept)

    def state(self, has_records: bool, action: Action) -> tuple[Status, Action]:
        """The status and action of a recordset this change touches: PENDING with ``action``,
        or ACTIVE/NONE at once when it serves no record (there is nothing to wait for)."""
        return (Status.PENDING, action) if has_records else (Status.ACTIVE, Action.NONE)

    def stamp(self, has_records: bool, action: Action) -> dict[str, Any]:
        """The ``recordsets`` columns of a recordset this change touches (see :meth:`state`)."""
        status, action = self.state(has_records, action)
        return {
            "serial": self.serial,
            "status": status.value,
            "action": action.value,
            "updated_at": self.now,
        }


async def begin(
    conn: AsyncConnection, ctx: RequestContext, zone_id: str, now: datetime, rule: str | None
) -> ZoneChange:
    """Lock the zone for a change by ``ctx`` and start it: its serial is the next one at
    ``now``, never lower than or equal to the zone's (RFC 1982). The caller must pass
    Designate's ``rule`` on the zone; None when the caller checks its rule itself (it needs
    more than the zone for the target, or it is a system change checked before).

    Raises ZoneNotFound, Forbidden, or BadRequest when the zone is being deleted.
    """
    found = await recordset_rows.lock_zone_with_soa(conn, zone_id)
    zone = await policy.readable(conn, ctx, found[0] if found else None)
    if rule is not None:
        policy.enforce(ctx, rule, policy.zone_target(ctx, zone))
    policy.refuse_deleting(zone)
    assert found is not None  # visible() raised otherwise
    serial = next_serial(zone.serial, unix_time(now))
    request_id = ctx.request_id or None
    return ZoneChange(zone=zone, soa=found[1], serial=serial, now=now, request_id=request_id)


async def commit(
    conn: AsyncConnection,
    change: ZoneChange,
    updated: Zone | None = None,
    mname: dns.name.Name | None = None,
) -> Zone:
    """Finish ``change``: rewrite the SOA at the new serial, journal the difference, and mark
    the zone PENDING for the worker. ``updated`` is the zone with new email/ttl/description,
    when the change is to the zone itself; ``mname`` a new SOA MNAME (the pool's first
    nameserver changed). Returns the zone as committed.
    """
    before, soa = change.zone, change.soa
    after = _pending(updated or before, change)
    new_soa = _soa_record(soa.data, before, after, mname)
    await recordset_rows.set_record(conn, soa.record_id, new_soa)
    await recordset_rows.update_recordsets(
        conn, [soa.recordset_id], change.stamp(True, Action.UPDATE)
    )
    entry = change_rows.Journalled(
        from_serial=before.serial,
        to_serial=after.serial,
        removed=((before.name, "SOA", before.ttl, soa.data), *change.removed),
        added=((after.name, "SOA", after.ttl, new_soa.data), *change.added),
    )
    await change_rows.append(conn, before.id, entry, change.now, change.request_id)
    columns = _zone_columns(after, change.now) | {"request_id": change.request_id}
    await zone_rows.update_zone(conn, before.id, columns)
    return after


def _pending(zone: Zone, change: ZoneChange) -> Zone:
    # Every change is an UPDATE, even to a zone still being created, as in Designate (clients
    # and tempest read the action). The worker does not care: it provisions by target state.
    return dataclasses.replace(
        zone,
        serial=change.serial,
        status=Status.PENDING,
        action=Action.UPDATE,
        version=change.zone.version + 1,
        updated_at=change.now,
    )


def _zone_columns(zone: Zone, now: datetime) -> dict[str, Any]:
    return {
        "serial": zone.serial,
        "status": zone.status.value,
        "action": zone.action.value,
        "version": zone.version,
        "updated_at": zone.updated_at,
        "email": zone.email,
        "ttl": zone.ttl,
        "description": zone.description,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
    }


def _soa_record(
    old_data: str, before: Zone, after: Zone, mname: dns.name.Name | None
) -> rdata.CanonicalRecord:
    """The SOA of ``after``: ``mname`` or the old MNAME, a new RNAME if the email changed."""
    if mname is None and after.email == before.email:
        # The common case, a change to the zone's records: only the numbers change, and the
        # stored text is restamped instead of parsed and rebuilt.
        return rdata.soa_restamped(
            old_data, after.serial, after.refresh, after.retry, after.expire, after.minimum
        )
    old = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, old_data)
    assert isinstance(old, SOA)
    rname = names.parse_email(after.email) if after.email != before.email else old.rname
    return soa_for(after, mname or old.mname, rname)


def soa_for(zone: Zone, mname: dns.name.Name, rname: dns.name.Name) -> rdata.CanonicalRecord:
    """The SOA record of ``zone`` at its serial, with its timers."""
    return rdata.soa_record(
        mname, rname, zone.serial, zone.refresh, zone.retry, zone.expire, zone.minimum
    )
