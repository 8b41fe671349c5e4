"""The Backend contract, against each real server: create makes it serve the zone from our
primary, both operations are idempotent, list_zones sees the zone, delete makes it stop."""

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

    await backend.create_zone(zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    www = await wait_until(port, WWW[0], "A", lambda a: bool(a.answer))
    assert [r.to_text() for r in www.answer[0]] == [WWW[2]]

    await backend.create_zone(zone)
    assert zone.name in await backend.list_zones()

    await backend.delete_zone(zone)
    await wait_until(port, zone.name, "SOA", lambda a: a.rcode() in GONE)
    await backend.delete_zone(zone)
    assert zone.name not in await backend.list_zones()


async def test_creating_again_moves_the_zone_to_new_masters(
    secondary: Secondary, primary: Primary
) -> None:
    backend, port, zone = secondary.backend, secondary.port, primary.target()
    nowhere = dataclasses.replace(zone, masters=(backends.Master("127.0.0.1", free_port()),))
    await backend.create_zone(nowhere)  # exists, but can never transfer from there
    await asyncio.sleep(0.3)
    assert serial_of(await ask_tcp(port, zone.name)) is None

    await backend.create_zone(zone)  # the pool's masters changed: provisioned again

    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    await backend.delete_zone(zone)


async def ask_tcp(port: int, name: str) -> dns.message.Message:
    return await dns.asyncquery.tcp(dns.message.make_query(name, "SOA"), "127.0.0.1", port=port)
