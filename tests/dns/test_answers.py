"""Ordinary queries: authoritative answers, negative answers, CNAMEs, wildcards, referrals,
REFUSED, truncation and EDNS."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from tests.dns.conftest import ADMIN, Rows, query_tcp, query_udp
from zonekeeper.dns.server import MiniDns
from zonekeeper.service import zones

BIG_TXT = [f'"{index:03d}{"x" * 200}"' for index in range(40)]


@pytest.fixture
async def port(rows: Rows, server: tuple[MiniDns, int]) -> int:
    zone = await rows.zone("example.org.")
    await rows.rrset(zone, "www.example.org.", "A", ["192.0.2.1", "192.0.2.2"], ttl=300)
    await rows.rrset(zone, "www.example.org.", "AAAA", ["2001:db8::1"])
    await rows.rrset(zone, "alias.example.org.", "CNAME", ["alias2.example.org."])
    await rows.rrset(zone, "alias2.example.org.", "CNAME", ["www.example.org."])
    await rows.rrset(zone, "out.example.org.", "CNAME", ["www.example.net."])
    await rows.rrset(zone, "dangling.example.org.", "CNAME", ["gone.b.example.org."])
    await rows.rrset(zone, "loop1.example.org.", "CNAME", ["loop2.example.org."])
    await rows.rrset(zone, "loop2.example.org.", "CNAME", ["loop1.example.org."])
    await rows.rrset(zone, "*.example.org.", "TXT", ['"wild"'])
    await rows.rrset(zone, "a.b.example.org.", "A", ["192.0.2.3"])
    await rows.rrset(zone, "sub.example.org.", "NS", ["ns.sub.example.org.", "ns.example.net."])
    await rows.rrset(zone, "ns.sub.example.org.", "A", ["192.0.2.53"])
    await rows.rrset(zone, "big.example.org.", "TXT", BIG_TXT)
    other = await rows.zone("example.com.")
    await rows.rrset(other, "www.example.com.", "A", ["198.51.100.1"])
    child = await rows.zone("child.example.org.")
    await rows.rrset(child, "www.child.example.org.", "A", ["203.0.113.7"])
    await rows.zone("deleted.org.", deleting=True)
    return server[1]


def texts(reply: dns.message.Message, section: str = "answer") -> set[tuple[str, str, str]]:
    """(owner, type, data) of every record in a section."""
    return {
        (rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rdata.to_text())
        for rrset in getattr(reply, section)
        for rdata in rrset
    }


def assert_negative(reply: dns.message.Message, rcode: dns.rcode.Rcode, zone: str) -> None:
    assert reply.rcode() == rcode
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    [soa] = reply.authority
    assert soa.rdtype == dns.rdatatype.SOA and soa.name == dns.name.from_text(zone)
    assert soa.ttl == 300  # min(SOA TTL 3600, SOA MINIMUM 300)


async def test_a_and_aaaa_answers_are_authoritative(port: int) -> None:
    reply = await query_udp(port, "www.example.org.", "A")
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    assert texts(reply) == {
        ("www.example.org.", "A", "192.0.2.1"),
        ("www.example.org.", "A", "192.0.2.2"),
    }
    assert reply.answer[0].ttl == 300
    reply = await query_udp(port, "WWW.Example.ORG.", "AAAA")
    assert texts(reply) == {("WWW.Example.ORG.", "AAAA", "2001:db8::1")}
    assert reply.answer[0].ttl == 3600  # NULL TTL: the zone's


async def test_soa_at_apex(port: int, rows: Rows) -> None:
    reply = await query_udp(port, "example.org.", "SOA")
    assert reply.flags & dns.flags.AA
    stored = await zones.by_name(ADMIN, rows.env, "example.org.")
    assert reply.answer[0][0].serial == stored.serial


async def test_nxdomain_and_nodata_carry_the_soa(port: int) -> None:
    assert_negative(
        await query_udp(port, "nope.example.com.", "A"), dns.rcode.NXDOMAIN, "example.com."
    )
    assert_negative(
        await query_udp(port, "www.example.org.", "MX"), dns.rcode.NOERROR, "example.org."
    )


async def test_empty_non_terminal_is_nodata_and_blocks_the_wildcard(port: int) -> None:
    assert_negative(
        await query_udp(port, "b.example.org.", "TXT"), dns.rcode.NOERROR, "example.org."
    )
    # b.example.org. exists (it has a child), so it is the closest encloser of x.b, and it
    # has no wildcard: *.example.org. does not apply (RFC 4592 section 2.2.2).
    reply = await query_udp(port, "x.b.example.org.", "TXT")
    assert_negative(reply, dns.rcode.NXDOMAIN, "example.org.")


async def test_wildcard_synthesises_the_query_name(port: int) -> None:
    reply = await query_udp(port, "anything.example.org.", "TXT")
    assert reply.flags & dns.flags.AA
    assert texts(reply) == {("anything.example.org.", "TXT", '"wild"')}
    reply = await query_udp(port, "deep.er.example.org.", "TXT")
    assert texts(reply) == {("deep.er.example.org.", "TXT", '"wild"')}
    assert_negative(
        await query_udp(port, "anything.example.org.", "A"), dns.rcode.NOERROR, "example.org."
    )
    # An existing name is never covered by the wildcard.
    assert_negative(
        await query_udp(port, "www.example.org.", "TXT"), dns.rcode.NOERROR, "example.org."
    )


async def test_cname_chain_inside_the_zone_is_followed(port: int) -> None:
    reply = await query_udp(port, "alias.example.org.", "A")
    assert reply.flags & dns.flags.AA
    assert texts(reply) == {
        ("alias.example.org.", "CNAME", "alias2.example.org."),
        ("alias2.example.org.", "CNAME", "www.example.org."),
        ("www.example.org.", "A", "192.0.2.1"),
        ("www.example.org.", "A", "192.0.2.2"),
    }
    reply = await query_udp(port, "alias.example.org.", "CNAME")
    assert texts(reply) == {("alias.example.org.", "CNAME", "alias2.example.org.")}


async def test_cname_out_of_zone_dangling_and_looping(port: int) -> None:
    reply = await query_udp(port, "out.example.org.", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert texts(reply) == {("out.example.org.", "CNAME", "www.example.net.")}
    reply = await query_udp(port, "dangling.example.org.", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN  # RFC 6604: the rcode of the last name
    assert texts(reply) == {("dangling.example.org.", "CNAME", "gone.b.example.org.")}
    reply = await query_udp(port, "loop1.example.org.", "A")
    assert len(reply.answer) == 2


async def test_delegation_is_a_referral_with_glue(port: int) -> None:
    reply = await query_udp(port, "host.sub.example.org.", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert not reply.flags & dns.flags.AA
    assert reply.answer == []
    assert texts(reply, "authority") == {
        ("sub.example.org.", "NS", "ns.sub.example.org."),
        ("sub.example.org.", "NS", "ns.example.net."),
    }
    assert texts(reply, "additional") == {("ns.sub.example.org.", "A", "192.0.2.53")}
    # DS belongs to the parent side of the cut.
    reply = await query_udp(port, "sub.example.org.", "DS")
    assert_negative(reply, dns.rcode.NOERROR, "example.org.")


async def test_longest_hosted_zone_answers(port: int) -> None:
    reply = await query_udp(port, "www.child.example.org.", "A")
    assert texts(reply) == {("www.child.example.org.", "A", "203.0.113.7")}
    reply = await query_udp(port, "nope.child.example.org.", "TXT")
    assert_negative(reply, dns.rcode.NXDOMAIN, "child.example.org.")


async def test_refused_for_unhosted_and_deleted_zones(
    port: int, server: tuple[MiniDns, int]
) -> None:
    for name in ("www.example.net.", "www.deleted.org.", "deleted.org."):
        reply = await query_udp(port, name, "A")
        assert reply.rcode() == dns.rcode.REFUSED
        assert not reply.flags & dns.flags.AA
    assert server[0].stats["refused"] == 3


async def test_big_answer_truncates_over_udp_and_fits_over_tcp(
    port: int, server: tuple[MiniDns, int]
) -> None:
    reply = await query_udp(port, "big.example.org.", "TXT")
    assert reply.flags & dns.flags.TC and reply.answer == []
    reply = await query_udp(port, "big.example.org.", "TXT", use_edns=0, payload=1232)
    assert reply.flags & dns.flags.TC
    reply = await query_tcp(port, "big.example.org.", "TXT")
    assert not reply.flags & dns.flags.TC
    assert len(reply.answer[0]) == len(BIG_TXT)
    assert server[0].stats["truncated"] == 2


async def test_edns_is_advertised_and_the_client_size_honoured(port: int) -> None:
    reply = await query_udp(port, "www.example.org.", "A")
    assert reply.edns == -1  # no OPT without one in the query
    reply = await query_udp(port, "big.example.org.", "TXT", use_edns=0, payload=16384)
    assert reply.edns == 0 and reply.payload == 1232
    assert not reply.flags & dns.flags.TC
    assert len(reply.answer[0]) == len(BIG_TXT)


async def test_edns_version_above_zero_is_badvers(port: int) -> None:
    reply = await query_udp(port, "www.example.org.", "A", use_edns=1)
    assert reply.rcode() == dns.rcode.BADVERS
