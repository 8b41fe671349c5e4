"""Where managed records go: a name for each wanted address, chosen against what already holds
the candidate names in the zone (the ``Board``), one resource after another.

The board is read once per change and then kept up to date in memory as each resource is
placed, so a change placing many resources (a batch of sink events) reads the zone once and
still lets later resources see the records earlier ones took or gave up.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.exception
import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata
from zonekeeper.domain.models import Zone
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.storage import zones as zone_rows

Key = tuple[str, str, str]
"""(name, type, data) of one record."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """One address to publish, under the first usable of ``names`` (absolute names).

    With ``rtype`` (e.g. "PTR"), ``address`` is instead that record's data as text."""

    address: str
    names: tuple[str, ...]
    rtype: str | None = None


@dataclass(slots=True)
class Plan:
    """What one resource's records in the zone become."""

    managed_by: managed_rows.ManagedBy
    desired: set[Key] = field(default_factory=set)
    records: dict[Key, rdata.CanonicalRecord] = field(default_factory=dict)
    remove: list[managed_rows.OwnedRecord] = field(default_factory=list)
    add: list[Key] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    """Ids of kept records whose tag differs (a floating IP moved to another port)."""


@dataclass(slots=True)
class Board:
    """What holds the candidate names in the zone, as of the resources placed so far."""

    occupants: dict[tuple[str, str], managed_rows.Occupant]
    """By (name, type)."""
    data: set[tuple[str, str]]
    """(recordset id, data) of every record at the names."""
    zone_names: set[str]
    """Those of the names (and their ancestors below the zone) that are zones themselves."""
    ttl: int | None
    """TTL of the recordsets created."""
    new: set[str] = field(default_factory=set)
    """Ids of the recordsets this change creates."""
    at_name: dict[str, list[managed_rows.Occupant]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_name = defaultdict(list)
        for occupant in self.occupants.values():
            by_name[occupant.name].append(occupant)
        self.at_name = dict(by_name)

    @classmethod
    async def load(
        cls, conn: AsyncConnection, zone: Zone, wanted: Sequence[Wanted], ttl: int | None
    ) -> Board:
        """The board of every name in ``wanted`` (three statements at most)."""
        candidates = sorted({name.lower() for entry in wanted for name in entry.names})
        occupants = await managed_rows.occupants(conn, zone.id, candidates)
        data = await managed_rows.data_in(conn, [o.recordset_id for o in occupants])
        between = sorted({n for name in candidates for n in _below_zone(name, zone.name)})
        zone_names = {z.name for z in await zone_rows.by_names(conn, between)} if between else set()
        return cls({(o.name, o.type): o for o in occupants}, data, zone_names, ttl)

    def place(
        self,
        env: ServiceEnv,
        zone: Zone,
        managed_by: managed_rows.ManagedBy,
        wanted: Sequence[Wanted],
        current: Sequence[managed_rows.OwnedRecord],
    ) -> Plan:
        """Choose a name for each wanted address of the resource (``current``: its records in
        the zone); the current records not chosen are removed. The board then holds the
        result. Raises InvalidObject, InvalidRecordSetLocation, DuplicateRecordSet."""
        mine = {(r.name, r.type, r.data) for r in current}
        plan = Plan(managed_by)
        for entry in unique(wanted):
            rtype, record = canonical(entry)
            name = self._choose(env, zone, entry, rtype, record.data, mine)
            plan.desired.add((name, rtype, record.data))
            plan.records[(name, rtype, record.data)] = record
        plan.remove = [r for r in current if (r.name, r.type, r.data) not in plan.desired]
        plan.add = sorted(plan.desired - mine)
        plan.stale = [
            r.record_id
            for r in current
            if (r.name, r.type, r.data) in plan.desired and r.managed_by != managed_by
        ]
        self._take(plan)
        return plan

    def occupant(self, name: str, rtype: str) -> managed_rows.Occupant:
        """The recordset holding (name, type) after the placements (there is one for every
        record added)."""
        return self.occupants[(name, rtype)]

    def usable(self, name: str, rtype: str, data: str) -> bool:
        """True when no one else holds the name: no foreign or unmanaged recordset there, no
        other resource's equal record, no child zone at or above it."""
        if set(_below_zone(name, "")) & self.zone_names:
            return False
        for occupant in self.at_name.get(name, ()):
            if occupant.foreign or not occupant.managed:
                return False
            if occupant.type == rtype and (occupant.recordset_id, data) in self.data:
                return False
        return True

    def _take(self, plan: Plan) -> None:
        """Record ``plan`` on the board: its removals free their data, its additions hold
        theirs (in a new recordset where the name and type had none)."""
        for record in plan.remove:
            self.data.discard((record.recordset_id, record.data))
        for name, rtype, data in plan.add:
            occupant = self.occupants.get((name, rtype))
            if occupant is None:
                occupant = managed_rows.Occupant(
                    str(uuid.uuid4()), name, rtype, self.ttl, managed=True, foreign=False
                )
                self.occupants[(name, rtype)] = occupant
                self.at_name.setdefault(name, []).append(occupant)
                self.new.add(occupant.recordset_id)
            self.data.add((occupant.recordset_id, data))

    def _choose(
        self, env: ServiceEnv, zone: Zone, entry: Wanted, rtype: str, data: str, mine: set[Key]
    ) -> str:
        """The name for one address: the one the resource already uses, else the first
        usable. Raises the first name's error when none is usable."""
        parsed = [_parse_name(env, zone, name, rtype) for name in entry.names]
        for name in parsed:
            if isinstance(name, str) and (name, rtype, data) in mine:
                return name
        for name in parsed:
            if isinstance(name, str) and self.usable(name, rtype, data):
                return name
        first_error = next((n for n in parsed if isinstance(n, errors.ZonekeeperError)), None)
        if first_error is not None and not any(isinstance(n, str) for n in parsed):
            raise first_error
        raise errors.DuplicateRecordSet(f"Every name for {data} is taken: {', '.join(entry.names)}")


def unique(wanted: Sequence[Wanted]) -> list[Wanted]:
    """``wanted`` with each address once (the first entry wins)."""
    seen: dict[str, Wanted] = {}
    for entry in wanted:
        seen.setdefault(_address_key(entry.address), entry)
    return list(seen.values())


def canonical(entry: Wanted) -> tuple[str, rdata.CanonicalRecord]:
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


def _address_key(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return address


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


def _parse_name(env: ServiceEnv, zone: Zone, name: str, rtype: str) -> str | errors.ZonekeeperError:
    """The canonical name, or the error that refuses it."""
    origin = dns.name.from_text(zone.name)
    max_length = env.settings.zones.max_recordset_name_length
    try:
        return names.to_text(names.parse_recordset_name(name, origin, rtype, max_length))
    except (errors.InvalidObject, errors.InvalidRecordSetLocation) as error:
        return error
