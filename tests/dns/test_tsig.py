"""TSIG and the transfer ACL on the real mini-DNS: signed transfers (every message of a long
AXFR signed), refusals of unsigned, wrongly signed and foreign requests, and signed answers."""

from __future__ import annotations

import asyncio
import base64
import struct
import uuid
from collections.abc import AsyncIterator
from typing import Any

import dns.asyncquery
import dns.message
import dns.name
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.versioned
import pytest
from sqlalchemy import select, update

from tests.dns.conftest import Rows, Zone
from tests.dns.test_xfr import bulk_entries, ixfr_query, zone_contents
from zonekeeper.config import DnsSettings
from zonekeeper.dns import throttle
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.domain.transfers import TsigKey
from zonekeeper.service.env import utcnow
from zonekeeper.storage.tables import pools, tsigkeys
from zonekeeper.worker import probe
from zonekeeper.worker.plan import Reason

SECRET = base64.b64encode(b"zonekeeper-test-secret-0123456789").decode()
KEY = dns.tsig.Key("pool-key", SECRET, "hmac-sha256")
OTHER_SECRET = base64.b64encode(b"another-secret-0123456789abcdef").decode()


async def set_pool(rows: Rows, *, key: bool, nameservers: list[dict[str, Any]]) -> None:
    options: dict[str, Any] = {"host": "127.0.0.1", "port": 53}
    if key:
        options |= {"tsigkey_name": "pool-key", "tsigkey_secret": SECRET}
    target = {"type": "bind9", "masters": [], "options": options}
    async with rows.db.transaction() as conn:
        await conn.execute(
            update(pools)
            .where(pools.c.id == DEFAULT_POOL_ID)
            .values(targets=[target], nameservers=nameservers)
        )


@pytest.fixture
async def signed_pool(rows: Rows) -> Zone:
    await set_pool(rows, key=True, nameservers=[{"host": "127.0.0.1", "port": 53}])
    return await rows.imported("signed.test.", bulk_entries("signed.test.", 2000))


@pytest.fixture
async def closed_server(rows: Rows) -> AsyncIterator[tuple[MiniDns, int]]:
    """A mini-DNS whose allow_transfer lists no network: only pool hosts may transfer."""
    settings = DnsSettings(listen="127.0.0.1:0", axfr_message_bytes=4096, allow_transfer=[])
    mini_dns = MiniDns(rows.db, settings)
    _, port = await mini_dns.start()
    try:
        yield mini_dns, port
    finally:
        await mini_dns.stop()


async def raw(port: int, query: dns.message.Message, source: str = "127.0.0.1") -> bytes:
    """The first response message to ``query`` over TCP, unparsed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    wire = query.to_wire()
    writer.write(struct.pack("!H", len(wire)) + wire)
    try:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        return await reader.readexactly(length)
    finally:
        writer.close()
        await writer.wait_closed()


def unverified(reply: bytes) -> dns.message.Message:
    return dns.message.from_wire(reply, keyring=False)


async def test_a_signed_axfr_is_answered_with_every_message_signed(
    signed_pool: Zone, rows: Rows, server: tuple[MiniDns, int]
) -> None:
    zone = dns.versioned.Zone("signed.test.")
    # dnspython verifies each message's TSIG (chained to the previous MAC) and fails otherwise.
    query = dns.message.make_query("signed.test.", "AXFR")
    query.use_tsig(KEY)
    await dns.asyncquery.inbound_xfr("127.0.0.1", zone, query, port=server[1], timeout=10)
    assert zone_contents(zone) == await rows.served(signed_pool)
    assert server[0].stats["axfr"] == 1 and server[0].stats["tsig_rejected"] == 0
    # The transfer spans many messages, and each one carries a TSIG RR of our key.
    reader, writer = await asyncio.open_connection("127.0.0.1", server[1])
    query.use_tsig(KEY)
    wire = query.to_wire()
    writer.write(struct.pack("!H", len(wire)) + wire)
    counted = []
    for _ in range(5):
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        counted.append(await reader.readexactly(length))
    writer.close()
    await writer.wait_closed()
    assert all(unverified(m).keyname == dns.name.from_text("pool-key") for m in counted)


async def test_a_signed_ixfr_and_a_signed_soa_query_are_answered_signed(
    signed_pool: Zone, rows: Rows, server: tuple[MiniDns, int]
) -> None:
    await rows.change(signed_pool, add=[("new.signed.test.", "A", "192.0.2.9")])
    ixfr = ixfr_query("signed.test.", signed_pool.serial - 1)
    ixfr.use_tsig(KEY)
    reply = await dns.asyncquery.tcp(ixfr, "127.0.0.1", port=server[1], timeout=5)
    assert reply.had_tsig and reply.rcode() == dns.rcode.NOERROR
    assert any(rrset.name.to_text() == "new.signed.test." for rrset in reply.answer)
    soa = dns.message.make_query("signed.test.", "SOA")
    soa.use_tsig(KEY)
    answer = await dns.asyncquery.udp(soa, "127.0.0.1", port=server[1], timeout=5)
    assert answer.had_tsig and answer.answer[0][0].serial == signed_pool.serial


async def test_unsigned_and_wrongly_signed_transfers_of_a_keyed_pool_are_refused(
    signed_pool: Zone, server: tuple[MiniDns, int]
) -> None:
    mini_dns, port = server
    unsigned = unverified(await raw(port, dns.message.make_query("signed.test.", "AXFR")))
    assert unsigned.rcode() == dns.rcode.REFUSED and not unsigned.answer

    wrong_secret = dns.message.make_query("signed.test.", "AXFR")
    wrong_secret.use_tsig(dns.tsig.Key("pool-key", OTHER_SECRET))
    bad_sig = unverified(await raw(port, wrong_secret))
    assert (bad_sig.rcode(), bad_sig.tsig_error) == (dns.rcode.NOTAUTH, dns.rcode.BADSIG)

    unknown = dns.message.make_query("signed.test.", "IXFR")
    unknown.use_tsig(dns.tsig.Key("stranger", SECRET))
    bad_key = unverified(await raw(port, unknown))
    assert (bad_key.rcode(), bad_key.tsig_error) == (dns.rcode.NOTAUTH, dns.rcode.BADKEY)
    assert not bad_sig.answer and not bad_key.answer
    assert mini_dns.stats["transfer_refused"] == 1 and mini_dns.stats["tsig_rejected"] == 2


async def test_a_wrongly_signed_axfr_fails_in_a_dnspython_client(
    signed_pool: Zone, server: tuple[MiniDns, int]
) -> None:
    query = dns.message.make_query("signed.test.", "AXFR")
    query.use_tsig(dns.tsig.Key("pool-key", OTHER_SECRET))
    with pytest.raises(dns.tsig.PeerBadSignature):
        zone = dns.versioned.Zone("signed.test.")
        await dns.asyncquery.inbound_xfr("127.0.0.1", zone, query, port=server[1], timeout=5)


async def test_without_keys_only_pool_hosts_and_allowed_networks_transfer(
    rows: Rows, closed_server: tuple[MiniDns, int]
) -> None:
    await set_pool(rows, key=False, nameservers=[{"host": "127.0.0.2", "port": 53}])
    await rows.zone("open.test.")
    mini_dns, port = closed_server
    query = dns.message.make_query("open.test.", "AXFR")
    stranger = unverified(await raw(port, query, source="127.0.0.9"))
    assert stranger.rcode() == dns.rcode.REFUSED
    target_host = unverified(await raw(port, query, source="127.0.0.1"))  # the target's host
    nameserver = unverified(await raw(port, query, source="127.0.0.2"))
    assert target_host.rcode() == nameserver.rcode() == dns.rcode.NOERROR
    assert nameserver.answer[0].rdtype == dns.rdatatype.SOA
    soa = unverified(await raw(port, dns.message.make_query("open.test.", "SOA"), "127.0.0.9"))
    assert soa.rcode() == dns.rcode.NOERROR and soa.answer  # ordinary queries stay open
    assert mini_dns.stats["transfer_refused"] == 1


async def test_the_default_allow_transfer_keeps_loopback_open(
    rows: Rows, server: tuple[MiniDns, int]
) -> None:
    await set_pool(rows, key=False, nameservers=[])
    await rows.zone("loop.test.")
    reply = unverified(
        await raw(server[1], dns.message.make_query("loop.test.", "AXFR"), "127.0.0.9")
    )
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer


async def test_a_signed_notify_is_verified_and_its_rejections_are_told_apart(
    signed_pool: Zone, server: tuple[MiniDns, int]
) -> None:
    port = server[1]
    good = TsigKey("pool-key", SECRET)
    assert await probe.notify("signed.test.", "127.0.0.1", port, 2, good) is None
    wrong = TsigKey("pool-key", OTHER_SECRET)
    assert await probe.notify("signed.test.", "127.0.0.1", port, 2, wrong) == Reason.TSIG_BADSIG
    unknown = TsigKey("stranger", SECRET)
    assert await probe.notify("signed.test.", "127.0.0.1", port, 2, unknown) == Reason.TSIG_BADKEY
    assert server[0].stats["notify"] == 1 and server[0].stats["tsig_rejected"] == 2


async def test_rejected_tsig_is_logged_once_a_minute_per_source(
    signed_pool: Zone, server: tuple[MiniDns, int], caplog: pytest.LogCaptureFixture
) -> None:
    mini_dns, port = server
    clock = [1000.0]
    mini_dns._responder._tsig_log._clock = lambda: clock[0]  # type: ignore[attr-defined]
    query = dns.message.make_query("signed.test.", "SOA")
    query.use_tsig(dns.tsig.Key("pool-key", OTHER_SECRET))

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if "TSIG from" in r.getMessage()]

    for _ in range(5):
        await raw(port, query, source="127.0.0.1")
    await raw(port, query, source="127.0.0.2")  # another source has its own budget
    assert mini_dns.stats["tsig_rejected"] == 6  # every one is still counted
    assert [line.split(" rejected")[0] for line in lines()] == [
        "TSIG from 127.0.0.1",
        "TSIG from 127.0.0.2",
    ]

    clock[0] += 61
    await raw(port, query, source="127.0.0.1")
    assert len(lines()) == 3 and lines()[-1].endswith("(4 more from it not logged)")


def test_the_log_throttle_keeps_its_memory_bounded() -> None:
    clock = [0.0]
    limiter = throttle.LogThrottle(60, capacity=3, clock=lambda: clock[0])
    assert [limiter.admit(f"192.0.2.{n}") for n in range(5)] == [0, 0, 0, 0, 0]
    assert len(limiter._windows) == 3  # the oldest sources were forgotten
    assert limiter.admit("192.0.2.4") is None  # a remembered one is still held back


ZONE_SECRET = base64.b64encode(b"a-zone-scoped-secret-0123456789").decode()


async def add_key_resource(rows: Rows, name: str, secret: str, scope: str, resource: str) -> None:
    """A TSIG key as POST /v2/tsigkeys stores it."""
    values = {"name": name, "algorithm": "hmac-sha256", "secret": secret, "scope": scope}
    async with rows.db.transaction() as conn:
        await conn.execute(
            tsigkeys.insert().values(
                id=str(uuid.uuid4()), resource_id=resource, created_at=utcnow(), **values
            )
        )


async def test_key_resources_of_the_zone_or_pool_may_sign_its_transfers(
    signed_pool: Zone, rows: Rows, closed_server: tuple[MiniDns, int]
) -> None:
    other = await rows.zone("other.test.")
    await add_key_resource(rows, "zone-key", ZONE_SECRET, "ZONE", signed_pool.id)
    await add_key_resource(rows, "other-key", OTHER_SECRET, "ZONE", other.id)
    await add_key_resource(rows, "pool-api-key", OTHER_SECRET, "POOL", DEFAULT_POOL_ID)
    await add_key_resource(rows, "not-base64", "SomeSecretKey", "ZONE", signed_pool.id)
    mini_dns, port = closed_server
    for name, secret in [("zone-key", ZONE_SECRET), ("pool-api-key", OTHER_SECRET)]:
        query = dns.message.make_query("signed.test.", "AXFR")
        query.use_tsig(dns.tsig.Key(name, secret))
        reply = unverified(await raw(port, query, source="127.0.0.9"))
        assert (reply.rcode(), reply.keyname) == (dns.rcode.NOERROR, dns.name.from_text(name))
    foreign = dns.message.make_query("signed.test.", "AXFR")
    foreign.use_tsig(dns.tsig.Key("other-key", OTHER_SECRET))
    refused = unverified(await raw(port, foreign, source="127.0.0.9"))
    assert (refused.rcode(), refused.tsig_error) == (dns.rcode.NOTAUTH, dns.rcode.BADKEY)
    unsigned = unverified(await raw(port, dns.message.make_query("signed.test.", "AXFR")))
    assert unsigned.rcode() == dns.rcode.REFUSED  # the pool's own key is still required
    assert mini_dns.stats["tsig_rejected"] == 1


async def test_a_key_resource_does_not_close_an_unkeyed_pool(
    rows: Rows, closed_server: tuple[MiniDns, int]
) -> None:
    await set_pool(rows, key=False, nameservers=[{"host": "127.0.0.2", "port": 53}])
    zone = await rows.zone("open.test.")
    await add_key_resource(rows, "zone-key", ZONE_SECRET, "ZONE", zone.id)
    _, port = closed_server
    query = dns.message.make_query("open.test.", "AXFR")
    nameserver = unverified(await raw(port, query, source="127.0.0.2"))
    assert nameserver.rcode() == dns.rcode.NOERROR and nameserver.answer


async def test_a_target_key_named_by_tsigkey_id_is_required_and_follows_the_resource(
    rows: Rows, server: tuple[MiniDns, int]
) -> None:
    await add_key_resource(rows, "ref-key", ZONE_SECRET, "POOL", DEFAULT_POOL_ID)
    async with rows.db.read() as conn:
        key_id = (await conn.execute(select(tsigkeys.c.id))).scalar_one()
    target = {
        "type": "bind9",
        "masters": [],
        "options": {"host": "127.0.0.1"},
        "tsigkey_id": key_id,
    }
    async with rows.db.transaction() as conn:
        await conn.execute(
            update(pools).where(pools.c.id == DEFAULT_POOL_ID).values(targets=[target])
        )
    await rows.zone("ref.test.")
    _, port = server
    unsigned = unverified(await raw(port, dns.message.make_query("ref.test.", "AXFR")))
    assert unsigned.rcode() == dns.rcode.REFUSED  # the target's key makes signing required
    signed = dns.message.make_query("ref.test.", "AXFR")
    signed.use_tsig(dns.tsig.Key("ref-key", ZONE_SECRET))
    assert unverified(await raw(port, signed)).rcode() == dns.rcode.NOERROR
    # Rotating the key through the resource applies at once.
    async with rows.db.transaction() as conn:
        await conn.execute(update(tsigkeys).values(secret=OTHER_SECRET))
    old = dns.message.make_query("ref.test.", "AXFR")
    old.use_tsig(dns.tsig.Key("ref-key", ZONE_SECRET))
    assert unverified(await raw(port, old)).tsig_error == dns.rcode.BADSIG
    new = dns.message.make_query("ref.test.", "AXFR")
    new.use_tsig(dns.tsig.Key("ref-key", OTHER_SECRET))
    assert unverified(await raw(port, new)).rcode() == dns.rcode.NOERROR


async def test_an_md5_key_resource_is_never_used(
    signed_pool: Zone, rows: Rows, server: tuple[MiniDns, int]
) -> None:
    async with rows.db.transaction() as conn:
        await conn.execute(
            tsigkeys.insert().values(
                id=str(uuid.uuid4()),
                name="md5-key",
                algorithm="hmac-md5",
                secret=ZONE_SECRET,
                scope="ZONE",
                resource_id=signed_pool.id,
                created_at=utcnow(),
            )
        )
    query = dns.message.make_query("signed.test.", "AXFR")
    query.use_tsig(dns.tsig.Key("md5-key", ZONE_SECRET, dns.tsig.HMAC_MD5))
    reply = unverified(await raw(server[1], query))
    assert (reply.rcode(), reply.tsig_error) == (dns.rcode.NOTAUTH, dns.rcode.BADKEY)
