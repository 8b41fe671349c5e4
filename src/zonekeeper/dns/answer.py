"""Authoritative answers to ordinary queries (RFC 1034 section 4.3.2, wildcards per RFC 4592).

Each lookup reads only the names it needs: the owning zone in one query, then in one query the
records at the query name, at every name between it and the apex (delegation points, the apex
SOA) and at their wildcard children. An empty non-terminal costs one more query, a CNAME hop
one more lookup, a referral one more query for its glue.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.NS import NS
from dns.rdtypes.ANY.SOA import SOA
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage import serving

MAX_CNAME_HOPS = 8
"""CNAMEs followed inside the zone before the answer stops (a loop stops earlier)."""

OUR_PAYLOAD = 1232
"""The EDNS UDP payload size we advertise (the DNS flag day 2020 value)."""

Node = dict[dns.rdatatype.RdataType, list[serving.ServedRecord]]
"""The records at one name, by type."""


class Kind(enum.Enum):
    ANSWER = enum.auto()
    CNAME = enum.auto()
    NODATA = enum.auto()
    NXDOMAIN = enum.auto()
    DELEGATION = enum.auto()


@dataclass(slots=True)
class Found:
    """What one name holds for one type, as rrsets owned by the name that was looked up."""

    kind: Kind
    rrsets: list[dns.rrset.RRset] = field(default_factory=list)
    soa: dns.rrset.RRset | None = None
    target: dns.name.Name | None = None
    """The CNAME target (Kind.CNAME)."""


def ancestors(name: dns.name.Name, stop: dns.name.Name = dns.name.root) -> list[dns.name.Name]:
    """``name`` and its parents up to ``stop`` (included), deepest first. ``name`` must be a
    subdomain of ``stop``."""
    chain = [name]
    while chain[-1] != stop:
        chain.append(chain[-1].parent())
    return chain


def stored(name: dns.name.Name) -> str:
    """The stored text form of ``name``: lower-case, absolute, with the trailing dot."""
    return name.to_text().lower()


async def find_zone(conn: AsyncConnection, qname: dns.name.Name) -> serving.ServedZone | None:
    """The hosted zone that owns ``qname`` (the longest hosted ancestor), or None."""
    return await serving.find_zone(conn, [stored(name) for name in ancestors(qname)])


async def answer(conn: AsyncConnection, query: dns.message.Message) -> dns.message.Message:
    """The response to a one-question, class IN, non-transfer ``query``: authoritative (AA)
    for a hosted zone, a referral at a delegation, REFUSED for a name no hosted zone owns."""
    response = dns.message.make_response(query, our_payload=OUR_PAYLOAD)
    question = query.question[0]
    zone = await find_zone(conn, question.name)
    if zone is None:
        response.set_rcode(dns.rcode.REFUSED)
        return response
    await _fill(conn, zone, question.name, question.rdtype, response)
    return response


async def _fill(
    conn: AsyncConnection,
    zone: serving.ServedZone,
    qname: dns.name.Name,
    qtype: dns.rdatatype.RdataType,
    response: dns.message.Message,
) -> None:
    """Add to ``response`` the answer for ``qname``, following CNAMEs while they stay in zone."""
    origin = dns.name.from_text(zone.name)
    name, seen = qname, {qname}
    for hop in range(MAX_CNAME_HOPS + 1):
        found = await lookup(conn, zone, origin, name, qtype)
        if found.kind is Kind.DELEGATION:
            if hop == 0:
                response.authority.extend(found.rrsets)
                response.additional.extend(await _glue(conn, zone, origin, found.rrsets[0]))
            return
        response.flags |= dns.flags.AA
        response.answer.extend(found.rrsets)
        if found.kind in (Kind.NODATA, Kind.NXDOMAIN):
            _negative(response, found)
        target = found.target
        if target is None or target in seen or not target.is_subdomain(origin):
            return
        name = target
        seen.add(target)


def _negative(response: dns.message.Message, found: Found) -> None:
    if found.kind is Kind.NXDOMAIN:
        response.set_rcode(dns.rcode.NXDOMAIN)
    assert found.soa is not None
    soa = found.soa
    rdata = soa[0]
    assert isinstance(rdata, SOA)
    # RFC 2308: negative answers live for min(SOA TTL, SOA MINIMUM).
    negative = dns.rrset.from_rdata_list(soa.name, min(soa.ttl, rdata.minimum), [rdata])
    response.authority.append(negative)


async def lookup(
    conn: AsyncConnection,
    zone: serving.ServedZone,
    origin: dns.name.Name,
    name: dns.name.Name,
    qtype: dns.rdatatype.RdataType,
) -> Found:
    """What ``zone`` (apex ``origin``) holds at ``name`` for ``qtype``: an answer, a CNAME to
    follow, NODATA, NXDOMAIN (both carrying the apex SOA), or the NS rrset of a delegation."""
    path = ancestors(name, origin)
    wildcards = [dns.name.Name((b"*", *parent.labels)) for parent in path[1:]]
    rows = await serving.records_at(conn, zone, [stored(n) for n in (*path, *wildcards)])
    nodes = _nodes(rows)
    cut = _delegation(nodes, path, qtype)
    if cut is not None:
        return Found(Kind.DELEGATION, [_rrset(cut, nodes[cut][dns.rdatatype.NS])])
    soa = _rrset(origin, nodes[origin][dns.rdatatype.SOA])
    node = nodes.get(name)
    if node is not None:
        return _from_node(name, node, qtype, soa)
    return await _without_node(conn, zone, path, nodes, qtype, soa)


async def _without_node(
    conn: AsyncConnection,
    zone: serving.ServedZone,
    path: Sequence[dns.name.Name],
    nodes: dict[dns.name.Name, Node],
    qtype: dns.rdatatype.RdataType,
    soa: dns.rrset.RRset,
) -> Found:
    """``path[0]`` has no records: an empty non-terminal (NODATA), a wildcard match at its
    closest encloser (RFC 4592), or NXDOMAIN."""
    name = path[0]
    deepest = next(index for index, node_name in enumerate(path) if node_name in nodes)
    # Names below the deepest ancestor with records may still exist as empty non-terminals.
    unknown = list(path[:deepest])
    existing = await serving.names_with_descendants(conn, zone, [stored(n) for n in unknown])
    if stored(name) in existing:
        return Found(Kind.NODATA, soa=soa)
    closest = next(n for n in path[1:] if n in nodes or stored(n) in existing)
    wildcard = nodes.get(dns.name.Name((b"*", *closest.labels)))
    if wildcard is not None:
        return _from_node(name, wildcard, qtype, soa)
    return Found(Kind.NXDOMAIN, soa=soa)


def _from_node(
    owner: dns.name.Name, node: Node, qtype: dns.rdatatype.RdataType, soa: dns.rrset.RRset
) -> Found:
    """The answer ``node`` gives for ``qtype``, its rrsets owned by ``owner``."""
    if qtype == dns.rdatatype.ANY:
        return Found(Kind.ANSWER, [_rrset(owner, rows) for rows in node.values()])
    if qtype in node:
        return Found(Kind.ANSWER, [_rrset(owner, node[qtype])])
    if dns.rdatatype.CNAME in node:
        cname = _rrset(owner, node[dns.rdatatype.CNAME])
        rdata = cname[0]
        assert isinstance(rdata, CNAME)
        return Found(Kind.CNAME, [cname], target=rdata.target)
    return Found(Kind.NODATA, soa=soa)


def _delegation(
    nodes: dict[dns.name.Name, Node],
    path: Sequence[dns.name.Name],
    qtype: dns.rdatatype.RdataType,
) -> dns.name.Name | None:
    """The highest zone cut between the apex (excluded) and ``path[0]``, if any. A DS query at
    the cut itself is answered by this (the parent) side."""
    for index in range(len(path) - 2, -1, -1):
        name = path[index]
        node = nodes.get(name)
        if node is None or dns.rdatatype.NS not in node:
            continue
        if index == 0 and qtype == dns.rdatatype.DS:
            return None
        return name
    return None


async def _glue(
    conn: AsyncConnection,
    zone: serving.ServedZone,
    origin: dns.name.Name,
    ns: dns.rrset.RRset,
) -> list[dns.rrset.RRset]:
    """A and AAAA rrsets of the in-zone targets of the referral's ``ns`` rrset."""
    targets = {rdata.target for rdata in ns if isinstance(rdata, NS)}
    in_zone = [stored(target) for target in targets if target.is_subdomain(origin)]
    rows = await serving.records_at(conn, zone, in_zone, types=("A", "AAAA"))
    nodes = _nodes(rows)
    return [_rrset(name, records) for name, node in nodes.items() for records in node.values()]


def _nodes(rows: Iterable[serving.ServedRecord]) -> dict[dns.name.Name, Node]:
    """Group stored rows by owner name and type (rdata is parsed only when answered)."""
    nodes: dict[dns.name.Name, Node] = {}
    for row in rows:
        node = nodes.setdefault(dns.name.from_text(row.name), {})
        node.setdefault(dns.rdatatype.from_text(row.type), []).append(row)
    return nodes


def _rrset(owner: dns.name.Name, rows: Sequence[serving.ServedRecord]) -> dns.rrset.RRset:
    """One rrset owned by ``owner`` from the stored rows of one name and type."""
    rdtype = dns.rdatatype.from_text(rows[0].type)
    rdatas = [
        dns.rdata.from_wire(dns.rdataclass.IN, rdtype, row.rdata, 0, len(row.rdata)) for row in rows
    ]
    return dns.rrset.from_rdata_list(owner, rows[0].ttl, rdatas)
