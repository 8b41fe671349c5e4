"""Zone transfers: AXFR in several messages, IXFR from the journal, and their fallbacks."""

from __future__ import annotations

import asyncio
import struct

import dns.asyncquery
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.versioned
import dns.xfr
import dns.zone
import pytest

from tests.dns.conftest import Entry, Rows, Zone, query_udp
from zonekeeper.dns.server import MiniDns

Served = set[tuple[str, str, int, str]]


def bulk_entries(zone: str, count: int) -> list[Entry]:
    """``count`` records of a few types, some names holding several."""
    entries: list[Entry] = []
    for index in range(count):
        name = f"h{index // 2}.{zone}"
        if index % 4 == 0:
            entries.append((name, "A", f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"))
        elif index % 4 == 1:
            entries.append((name, "AAAA", f"2001:db8::{index:x}"))
        elif index % 4 == 2:
            entries.append((name, "TXT", f'"record {index}"'))
        else:
            entries.append((name, "MX", f"{index % 100} mail{index}.{zone}"))
    return entries


async def raw_transfer(port: int, query: dns.message.Message) -> list[dns.message.Message]:
    """Every message of a transfer over TCP, read until the closing SOA (or an only-SOA one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    wire = query.to_wire()
    writer.write(struct.pack("!H", len(wire)) + wire)
    messages: list[dns.message.Message] = []
    soas = 0
    try:
        while True:
            (length,) = struct.unpack("!H", await reader.readexactly(2))
            message = dns.message.from_wire(await reader.readexactly(length), one_rr_per_rrset=True)
            messages.append(message)
            soas += sum(1 for rrset in message.answer if rrset.rdtype == dns.rdatatype.SOA)
            if message.rcode() or _only_soa(messages, soas) or _closed(messages):
                return messages
    finally:
        writer.close()
        await writer.wait_closed()


def _only_soa(messages: list[dns.message.Message], soas: int) -> bool:
    """True for the one-SOA answer of an up-to-date IXFR."""
    return soas == 1 and len(messages[0].answer) == 1


def _closed(messages: list[dns.message.Message]) -> bool:
    """True when the last RR repeats the first SOA (the end of an AXFR or IXFR)."""
    rrs = [rrset for message in messages for rrset in message.answer]
    return len(rrs) > 1 and rrs[-1].rdtype == dns.rdatatype.SOA and rrs[-1] == rrs[0]


def rrs_of(messages: list[dns.message.Message]) -> list[tuple[str, str, int, str]]:
    return [
        (rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rdata.to_text())
        for message in messages
        for rrset in message.answer
        for rdata in rrset
    ]


def zone_contents(zone: dns.zone.Zone) -> Served:
    """Every record of a transferred zone as (absolute name, type, ttl, absolute text)."""
    origin = zone.origin
    assert origin is not None
    return {
        (name.derelativize(origin).to_text(), dns.rdatatype.to_text(rdataset.rdtype),
         rdataset.ttl, rdata.to_text(origin=origin, relativize=False))
        for name, node in zone.nodes.items()
        for rdataset in node
        for rdata in rdataset
    }  # fmt: skip


def ixfr_query(zone: str, serial: int) -> dns.message.Message:
    query = dns.message.make_query(zone, "IXFR")
    query.authority.append(dns.rrset.from_text(zone, 0, "IN", "SOA", f". . {serial} 0 0 0 0"))
    return query


async def fetch_zone(port: int, name: str) -> dns.versioned.Zone:
    zone = dns.versioned.Zone(name)
    await dns.asyncquery.inbound_xfr("127.0.0.1", zone, port=port, timeout=10)
    return zone


@pytest.fixture
async def small(rows: Rows) -> Zone:
    zone = await rows.zone("ixfr.test.", ttl=600)
    await rows.rrset(zone, "www.ixfr.test.", "A", ["192.0.2.1", "192.0.2.2"])
    await rows.rrset(zone, "mail.ixfr.test.", "MX", ["10 mx.ixfr.test."])
    return zone


async def test_axfr_of_a_large_zone_spans_messages(rows: Rows, server: tuple[MiniDns, int]) -> None:
    zone = await rows.imported("big.test.", bulk_entries("big.test.", 5000))
    messages = await raw_transfer(server[1], dns.message.make_query("big.test.", "AXFR"))
    rrs = rrs_of(messages)
    assert len(messages) > 10
    assert all(len(message.to_wire()) <= 4096 for message in messages)
    assert all(message.flags & dns.flags.AA for message in messages)
    assert len(messages[0].question) == 1 and not messages[1].question
    assert rrs[0][1] == "SOA" and rrs[-1] == rrs[0]
    assert len(rrs) == 5000 + 3  # the records, the apex NS, SOA first and last
    assert set(rrs[:-1]) == await rows.served(zone)
    assert len(set(rrs[:-1])) == len(rrs) - 1  # nothing sent twice
    assert server[0].stats["axfr"] == 1


async def test_axfr_with_dnspython_client_and_refusals(
    small: Zone, rows: Rows, server: tuple[MiniDns, int]
) -> None:
    port = server[1]
    zone = await fetch_zone(port, "ixfr.test.")
    assert zone_contents(zone) == await rows.served(small)
    assert (await query_udp(port, "ixfr.test.", "AXFR")).rcode() == dns.rcode.REFUSED
    for name in ("www.ixfr.test.", "unknown.test."):
        [reply] = await raw_transfer(port, dns.message.make_query(name, "AXFR"))
        assert reply.rcode() == dns.rcode.NOTAUTH


async def test_ixfr_of_one_change(small: Zone, rows: Rows, server: tuple[MiniDns, int]) -> None:
    port, before = server[1], small.serial
    client = await fetch_zone(port, "ixfr.test.")
    after = await rows.change(small, add=[("www.ixfr.test.", "A", "192.0.2.9")],
                              remove=[("www.ixfr.test.", "A", "192.0.2.2")])  # fmt: skip
    assert after == before + 1  # one change: the recordset's records replaced
    messages = await raw_transfer(port, ixfr_query("ixfr.test.", before))
    old, new = str(before), str(after)
    assert [(rr[1], rr[3].split()[2] if rr[1] == "SOA" else rr[3]) for rr in rrs_of(messages)] == [
        ("SOA", new), ("SOA", old), ("A", "192.0.2.2"), ("SOA", new), ("A", "192.0.2.9"),
        ("SOA", new),
    ]  # fmt: skip
    await dns.asyncquery.inbound_xfr("127.0.0.1", client, port=port, timeout=10)
    assert zone_contents(client) == await rows.served(small)
    assert server[0].stats["ixfr"] == 2 and server[0].stats["ixfr_fallback_axfr"] == 0


async def test_ixfr_of_two_changes(small: Zone, rows: Rows, server: tuple[MiniDns, int]) -> None:
    port, before = server[1], small.serial
    client = await fetch_zone(port, "ixfr.test.")
    await rows.change(small, add=[("a.ixfr.test.", "TXT", '"one"')])
    await rows.change(small, add=[("a.ixfr.test.", "TXT", '"two"')],
                      remove=[("a.ixfr.test.", "TXT", '"one"')])  # fmt: skip
    messages = await raw_transfer(port, ixfr_query("ixfr.test.", before))
    assert [(rr[1], rr[3].split()[2] if rr[1] == "SOA" else rr[3]) for rr in rrs_of(messages)] == [
        ("SOA", str(before + 2)),
        ("SOA", str(before)), ("SOA", str(before + 1)), ("TXT", '"one"'),
        ("SOA", str(before + 1)), ("TXT", '"one"'), ("SOA", str(before + 2)), ("TXT", '"two"'),
        ("SOA", str(before + 2)),
    ]  # fmt: skip
    await dns.asyncquery.inbound_xfr("127.0.0.1", client, port=port, timeout=10)
    assert zone_contents(client) == await rows.served(small)
    assert ("a.ixfr.test.", "TXT", 600, '"two"') in zone_contents(client)


async def test_ixfr_when_client_is_current(small: Zone, server: tuple[MiniDns, int]) -> None:
    [message] = await raw_transfer(server[1], ixfr_query("ixfr.test.", small.serial))
    [soa] = message.answer
    assert soa.rdtype == dns.rdatatype.SOA and soa[0].serial == small.serial
    query = ixfr_query("ixfr.test.", small.serial)
    reply = await dns.asyncquery.udp(query, "127.0.0.1", port=server[1])
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.SOA]


async def test_ixfr_beyond_the_journal_falls_back_to_axfr(
    small: Zone, rows: Rows, server: tuple[MiniDns, int]
) -> None:
    await rows.change(small, add=[("a.ixfr.test.", "TXT", '"one"')])
    messages = await raw_transfer(server[1], ixfr_query("ixfr.test.", 0))
    rrs = rrs_of(messages)
    assert rrs[0][1] == "SOA" and rrs[1][1] != "SOA" and rrs[-1] == rrs[0]
    assert set(rrs[:-1]) == await rows.served(small)
    assert server[0].stats["ixfr_fallback_axfr"] == 1
    client = dns.versioned.Zone("ixfr.test.")
    query, _ = dns.xfr.make_query(client, serial=0)
    await dns.asyncquery.inbound_xfr("127.0.0.1", client, query, port=server[1], timeout=10)
    assert zone_contents(client) == await rows.served(small)


async def test_ixfr_over_udp(small: Zone, rows: Rows, server: tuple[MiniDns, int]) -> None:
    port, before = server[1], small.serial
    await rows.change(small, add=[("a.ixfr.test.", "TXT", '"one"')])
    reply = await dns.asyncquery.udp(
        ixfr_query("ixfr.test.", before), "127.0.0.1", port=port, one_rr_per_rrset=True
    )
    assert len(rrs_of([reply])) == 5  # SOA new, SOA old, SOA new, TXT, SOA new
    await rows.change(small, add=[(f"n{i}.ixfr.test.", "TXT", f'"{"y" * 200}"') for i in range(9)])
    reply = await dns.asyncquery.udp(
        ixfr_query("ixfr.test.", before), "127.0.0.1", port=port, one_rr_per_rrset=True
    )
    assert [rr[1] for rr in rrs_of([reply])] == ["SOA"]  # too big: "use TCP"
    reply = await dns.asyncquery.udp(
        ixfr_query("ixfr.test.", 0), "127.0.0.1", port=port, one_rr_per_rrset=True
    )
    assert [rr[1] for rr in rrs_of([reply])] == ["SOA"]


async def test_ixfr_without_soa_is_formerr(small: Zone, server: tuple[MiniDns, int]) -> None:
    [reply] = await raw_transfer(server[1], dns.message.make_query("ixfr.test.", "IXFR"))
    assert reply.rcode() == dns.rcode.FORMERR
