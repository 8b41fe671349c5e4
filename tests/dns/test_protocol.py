"""NOTIFY, other opcodes, malformed requests and TCP connection handling."""

from __future__ import annotations

import asyncio
import random
import socket
import struct

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from tests.dns.conftest import Rows, query_udp
from zonekeeper.config import DnsSettings
from zonekeeper.dns.handler import STATS, Responder
from zonekeeper.dns.server import MiniDns


@pytest.fixture
async def port(rows: Rows, server: tuple[MiniDns, int]) -> int:
    zone = await rows.zone("example.org.")
    await rows.rrset(zone, "www.example.org.", "A", ["192.0.2.1"])
    return server[1]


async def exchange_udp(port: int, wire: bytes) -> bytes:
    """Send raw bytes; the reply's bytes (fails after a generous 5 s without one)."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, wire)
        return await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)


async def unanswered(port: int, wire: bytes) -> bool:
    """True when the server sends nothing back for ``wire``: the same socket then sends a
    real query, and the first reply to arrive is that query's (no timing involved)."""
    loop = asyncio.get_running_loop()
    probe = dns.message.make_query("www.example.org.", "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, wire)
        await loop.sock_sendall(sock, probe.to_wire())
        first = await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)
    return dns.message.from_wire(first).id == probe.id


async def test_notify_is_acknowledged(port: int, server: tuple[MiniDns, int]) -> None:
    notify = dns.message.make_query("example.org.", "SOA")
    notify.flags = dns.flags.AA  # before set_opcode: the opcode lives in the flags word
    notify.set_opcode(dns.opcode.NOTIFY)
    reply = dns.message.from_wire(await exchange_udp(port, notify.to_wire()))
    assert reply.id == notify.id and reply.opcode() == dns.opcode.NOTIFY
    assert reply.flags & dns.flags.QR and reply.flags & dns.flags.AA
    assert reply.rcode() == dns.rcode.NOERROR and reply.question == notify.question
    assert server[0].stats["notify"] == 1


@pytest.mark.parametrize(
    ("opcode", "rcode"),
    [(dns.opcode.UPDATE, dns.rcode.REFUSED), (dns.opcode.STATUS, dns.rcode.NOTIMP)],
)
async def test_other_opcodes(port: int, opcode: dns.opcode.Opcode, rcode: dns.rcode.Rcode) -> None:
    query = dns.message.make_query("example.org.", "SOA")
    query.set_opcode(opcode)
    reply = dns.message.from_wire(await exchange_udp(port, query.to_wire()))
    assert reply.rcode() == rcode and reply.id == query.id


async def test_garbage_and_truncated_packets_do_not_kill_the_server(
    port: int, server: tuple[MiniDns, int]
) -> None:
    assert await unanswered(port, b"\x00\x01garbage")  # shorter than a header
    wire = dns.message.make_query("www.example.org.", "A").to_wire()
    reply = await exchange_udp(port, wire[:-3])  # the question is cut short
    header = struct.unpack("!HH", reply[:4])
    assert header[0] == struct.unpack("!H", wire[:2])[0]
    assert header[1] & 0xF == dns.rcode.FORMERR
    assert await unanswered(port, b"\xff" * 40)  # QR set: never answer a response
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x00\x30" + b"\x12" * 10)  # a length prefix promising more than is sent
    writer.close()
    answer = await query_udp(port, "www.example.org.", "A")
    assert answer.rcode() == dns.rcode.NOERROR and len(answer.answer) == 1
    assert server[0].stats["formerr"] == 1 and server[0].stats["dropped"] == 2


async def test_formerr_and_refused_requests(port: int) -> None:
    query = dns.message.make_query("www.example.org.", "A")
    query.question.append(query.question[0])
    reply = dns.message.from_wire(await exchange_udp(port, query.to_wire()))
    assert reply.rcode() == dns.rcode.FORMERR
    query = dns.message.make_query("www.example.org.", "A", rdclass=dns.rdataclass.CH)
    reply = dns.message.from_wire(await exchange_udp(port, query.to_wire()))
    assert reply.rcode() == dns.rcode.REFUSED


async def test_tcp_answers_several_queries_per_connection(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    queries = [dns.message.make_query(name, "A") for name in ("www.example.org.", "x.example.org.")]
    for query in queries:  # pipelined: both sent before reading
        wire = query.to_wire()
        writer.write(struct.pack("!H", len(wire)) + wire)
    replies = []
    for _ in queries:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        replies.append(dns.message.from_wire(await reader.readexactly(length)))
    assert [reply.id for reply in replies] == [query.id for query in queries]
    assert [reply.rcode() for reply in replies] == [dns.rcode.NOERROR, dns.rcode.NXDOMAIN]
    writer.close()
    await writer.wait_closed()


async def test_idle_tcp_connection_is_closed(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # The fixture's idle timeout is 1 s: the server closes, the read sees EOF.
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""
    writer.close()
    await writer.wait_closed()


async def test_stop_closes_open_connections(rows: Rows, port: int) -> None:
    mini_dns = MiniDns(rows.db, DnsSettings(listen="127.0.0.1:0"))
    _, own_port = await mini_dns.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", own_port)
    wire = dns.message.make_query("www.example.org.", "A").to_wire()
    writer.write(struct.pack("!H", len(wire)) + wire)
    (length,) = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 5))
    await reader.readexactly(length)  # the server holds this connection open now
    await mini_dns.stop()
    assert await asyncio.wait_for(reader.read(), timeout=2) == b""
    writer.close()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", own_port)


async def test_mutated_requests_never_escape_the_responder(rows: Rows, port: int) -> None:
    """Flip, cut and extend real queries; every outcome is a parseable reply or a drop."""
    stats = dict.fromkeys(STATS, 0)
    responder = Responder(rows.db, DnsSettings(), stats)
    randomness = random.Random(1995)
    seeds = [
        dns.message.make_query(name, rtype, use_edns=0).to_wire()
        for name, rtype in [("www.example.org.", "A"), ("example.org.", "AXFR")]
    ]
    for _ in range(400):
        request = bytearray(randomness.choice(seeds))
        for _ in range(randomness.randint(1, 4)):
            request[randomness.randrange(len(request))] = randomness.randrange(256)
        request = request[: randomness.randint(0, len(request) + 4)]
        async for reply in responder.respond(bytes(request), tcp=True, source="127.0.0.1"):
            assert struct.unpack("!H", reply[:2]) == struct.unpack("!H", request[:2])
            dns.message.from_wire(reply)
    # The mutations reached every path: parsed queries, FORMERR from the header, drops.
    assert stats["queries"] > 0 and stats["formerr"] > 0 and stats["dropped"] > 0
