"""One trace per change, for `zonekeeper doctor`: a zone's latest changes with the API request
that made each, and when each nameserver was seen serving it (from the last attempt's
``nameserver_states``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zonekeeper.domain.models import NameserverState, Zone
from zonekeeper.domain.serial import serial_ge
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes, nameserver_states


@dataclass(frozen=True, slots=True)
class Step:
    """One change and, per nameserver, how it stands."""

    serial: int
    committed_at: datetime
    request_id: str | None
    nameservers: dict[str, str]
    """"host:port" -> "served after 0.42 s", "served (within 3.1 s)", "not served: timeout"."""


async def last_changes(env: ServiceEnv, zone: Zone, limit: int = 5) -> list[Step]:
    """The zone's ``limit`` latest changes, newest first; the zone's creation (with the
    request id the zone row keeps) when no change is journalled yet."""
    async with env.db.read() as conn:
        entries = await changes.recent(conn, zone.id, limit)
        states = await nameserver_states.for_zone(conn, zone.id)
    if not entries:
        entries = [changes.Traced(zone.serial, zone.created_at, zone.request_id)]
    return [
        Step(e.to_serial, e.committed_at, e.request_id, _per_nameserver(e, states)) for e in entries
    ]


def _per_nameserver(entry: changes.Traced, states: list[NameserverState]) -> dict[str, str]:
    found = {}
    for state in states:
        where = f"{state.host}:{state.port}"
        served = state.served_serial is not None and serial_ge(state.served_serial, entry.to_serial)
        if not served:
            found[where] = f"not served: {state.reason or 'not checked yet'}"
        elif state.served_at is not None and state.served_serial == entry.to_serial:
            seconds = (state.served_at - entry.committed_at).total_seconds()
            found[where] = f"served after {max(seconds, 0.0):.2f} s"
        elif state.served_at is not None:
            # A later serial was seen then: this change was served no later than that.
            seconds = (state.served_at - entry.committed_at).total_seconds()
            found[where] = f"served (within {max(seconds, 0.0):.2f} s)"
        else:
            found[where] = "served"
    return found
