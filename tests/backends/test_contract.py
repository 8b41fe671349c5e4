"""The Backend contract, against each real server: create makes it serve the zone from our
primary, both operations are idempotent, list_zones sees the zone, a change reaches it by
transfer, the zone survives a restart of the server, delete makes it stop. (Signed transfers:
tests/backends/test_tsig.py, per kind.) Calls go through ``once_more_if_transient`` as the
worker's do: a busy PowerDNS answers a 5xx ("database is locked") now and then."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype

from tests.backends.conftest import SERIAL, WWW, Primary, Secondary
from tests.fixtures_servers import free_port
from zonekeeper import backends
from zonekeeper.backends import once_more_if_transient
from zonekeeper.worker import probe

WAIT = 5.0
"""Seconds a server gets to start or stop serving (measured: 20-40 ms)."""
GONE = {dns.rcode.REFUSED, dns.rcode.NOTAUTH, dns.rcode.SERVFAIL}


async def ask(port: int, name: str, rtype: str) -> dns.message.Message | None:
    """One UDP query to the secondary; None on timeout."""
    query = dns.message.make_query(name, rtype)
    try:
        return await dns.asyncquery.udp(query, "127.0.0.1", port=port, timeout=0.5)
    except dns.exception.Timeout:
        return None


async def wait_until(
    port: int, name: str, rtype: str, ok: Callable[[dns.message.Message], bool]
) -> dns.message.Message:
    """Poll until an answer satisfies ``ok``; fails with the last answer after ``WAIT``."""
    deadline = time.monotonic() + WAIT
    while True:
        answer = await ask(port, name, rtype)
        if answer is not None and ok(answer):
            return answer
        assert time.monotonic() < deadline, f"{name} {rtype}: still {answer}"
        await asyncio.sleep(0.02)


def serial_of(answer: dns.message.Message) -> int | None:
    for rrset in answer.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return int(rrset[0].serial)
    return None


async def test_create_list_delete(secondary: Secondary, primary: Primary) -> None:
    backend, port, zone = secondary.backend, secondary.port, primary.target()

    await once_more_if_transient(backend.create_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    www = await wait_until(port, WWW[0], "A", lambda a: bool(a.answer))
    assert [r.to_text() for r in www.answer[0]] == [WWW[2]]

    await once_more_if_transient(backend.create_zone, zone)
    assert zone.name in await backend.list_zones()

    await once_more_if_transient(backend.delete_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: a.rcode() in GONE)
    await once_more_if_transient(backend.delete_zone, zone)
    assert zone.name not in await backend.list_zones()


async def test_creating_again_moves_the_zone_to_new_masters(
    secondary: Secondary, primary: Primary
) -> None:
    backend, port, zone = secondary.backend, secondary.port, primary.target()
    nowhere = dataclasses.replace(zone, masters=(backends.Master("127.0.0.1", free_port()),))
    await once_more_if_transient(
        backend.create_zone, nowhere
    )  # exists, but can never transfer from there
    assert zone.name in await backend.list_zones()

    await once_more_if_transient(
        backend.create_zone, zone
    )  # the pool's masters changed: provisioned again

    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    await once_more_if_transient(backend.delete_zone, zone)


async def test_a_change_reaches_the_server_by_transfer(
    secondary: Secondary, primary: Primary
) -> None:
    """What the worker does after a change: NOTIFY with the new SOA, then refresh_zone."""
    backend, port, zone = secondary.backend, secondary.port, primary.target()
    await once_more_if_transient(backend.create_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)

    added = ("new.contract.test.", "AAAA", "2001:db8::20")
    serial = await primary.rows.change(primary.zone, add=[added])
    soa = (await ask_primary(primary, zone.name)).answer[0]
    assert await probe.notify(zone.name, "127.0.0.1", port, 2.0, soa=soa) is None
    await backend.refresh_zone(zone)

    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == serial)
    new = await wait_until(port, added[0], "AAAA", lambda a: bool(a.answer))
    assert [r.to_text() for r in new.answer[0]] == [added[2]]


async def test_the_zone_survives_a_restart_of_the_server(
    secondary: Secondary, primary: Primary
) -> None:
    backend, port, zone = secondary.backend, secondary.port, primary.target()
    await once_more_if_transient(backend.create_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)

    await asyncio.to_thread(secondary.restart)

    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    assert zone.name in await backend.list_zones()
    await once_more_if_transient(backend.delete_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: a.rcode() in GONE)


async def ask_primary(primary: Primary, name: str) -> dns.message.Message:
    query = dns.message.make_query(name, "SOA")
    return await dns.asyncquery.udp(query, primary.host, port=primary.port, timeout=2)
