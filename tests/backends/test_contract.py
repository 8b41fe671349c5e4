"""The Backend contract, against each real server: create makes it serve the zone from our
primary, both operations are idempotent, list_zones sees the zone, a change reaches it by
transfer, transfers are signed with the pool's TSIG key (and refused without it), the zone
survives a restart of the server, delete makes it stop. (What each kind does with the key in
its own configuration: tests/backends/test_tsig.py.) Calls go through
``once_more_if_transient`` as the worker's do: a busy PowerDNS answers a 5xx ("database is
locked") now and then."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from tests.backends.conftest import SERIAL, WWW, Primary, Secondary
from tests.dns.test_tsig import SECRET, set_pool
from tests.fixtures_servers import Named, Pdns, free_port, start_named, stop
from zonekeeper import backends
from zonekeeper.backends import once_more_if_transient
from zonekeeper.worker import probe

KEY = {"tsigkey_name": "pool-key", "tsigkey_secret": SECRET}
"""The backend options that give a target the pool's TSIG key."""
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


@pytest.fixture(params=["bind9", "pdns4"])
def keyed_secondary(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Secondary]:
    """A fresh server of each kind that can sign with the pool's key: BIND with the key defined
    in named.conf, as its operator does; PowerDNS is given it by the backend."""
    kind: str = request.param
    if kind == "pdns4":
        server: Named | Pdns = request.getfixturevalue("pdns")
        yield Secondary(kind, backends.load(kind, server.options(**KEY)), server)
        return
    server = start_named(tmp_path / "named-keyed", tsig=("pool-key", SECRET))
    try:
        yield Secondary(kind, backends.load(kind, server.options(**KEY)), server)
    finally:
        stop(server.process)


async def test_transfers_are_signed_with_the_pools_key(
    keyed_secondary: Secondary, primary: Primary
) -> None:
    """With a key on the pool the mini-DNS answers only signed transfers: without the key the
    server gets nothing; with it, the zone and then a change arrive by signed transfers."""
    await set_pool(primary.rows, key=True, nameservers=[])
    kind, server, port = keyed_secondary.kind, keyed_secondary.server, keyed_secondary.port
    zone = primary.target()

    unkeyed = backends.load(kind, server.options())
    await once_more_if_transient(unkeyed.create_zone, zone)
    await wait_for_refusal(primary)
    answer = await ask(port, zone.name, "SOA")
    assert answer is None or serial_of(answer) is None  # nothing transferred
    await once_more_if_transient(unkeyed.delete_zone, zone)

    backend = keyed_secondary.backend
    await once_more_if_transient(backend.create_zone, zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    serial = await primary.rows.change(
        primary.zone, add=[("signed.contract.test.", "A", "192.0.2.30")]
    )
    soa = (await ask_primary(primary, zone.name)).answer[0]
    assert await probe.notify(zone.name, "127.0.0.1", port, 2.0, soa=soa) is None
    await backend.refresh_zone(zone)
    await wait_until(port, zone.name, "SOA", lambda a: serial_of(a) == serial)
    assert primary.mini_dns.stats["tsig_rejected"] == 0
    await once_more_if_transient(backend.delete_zone, zone)


async def wait_for_refusal(primary: Primary) -> None:
    """Until the mini-DNS has refused a transfer (fails after ``WAIT``)."""
    deadline = time.monotonic() + WAIT
    while not primary.mini_dns.stats["transfer_refused"]:
        assert time.monotonic() < deadline, "no transfer was refused"
        await asyncio.sleep(0.02)


async def ask_primary(primary: Primary, name: str) -> dns.message.Message:
    query = dns.message.make_query(name, "SOA")
    return await dns.asyncquery.udp(query, primary.host, port=primary.port, timeout=2)
