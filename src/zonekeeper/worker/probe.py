"""The worker's DNS conversations with nameservers: NOTIFY, and SOA queries for the serial."""

from __future__ import annotations

import asyncio

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig

from zonekeeper.domain import transfers
from zonekeeper.worker.plan import Observation, Reason


async def notify(
    zone: str,
    host: str,
    port: int,
    timeout: float,
    key: transfers.TsigKey | None = None,
    soa: dns.rrset.RRset | None = None,
) -> Reason | None:
    """Send a NOTIFY for ``zone``, signed with ``key`` when given; None when acknowledged
    (and, if signed, the answer's signature verified), else why not. Never raises.

    ``soa``, the zone's SOA, goes in the answer section (RFC 1996's hint): BIND then knows the
    new serial without first asking us for it, and ignores a NOTIFY it is already up to date
    with."""
    message = dns.message.make_query(zone, dns.rdatatype.SOA)
    message.set_opcode(dns.opcode.NOTIFY)
    message.flags |= dns.flags.AA
    message.flags &= ~dns.flags.RD
    if soa is not None:
        message.answer.append(soa)
    if key is not None:
        message.use_tsig(key.to_dnspython())
    try:
        reply = await dns.asyncquery.udp(message, host, port=port, timeout=timeout)
    except dns.exception.Timeout:
        return Reason.TIMEOUT
    except dns.tsig.PeerBadKey:
        return Reason.TSIG_BADKEY
    except dns.tsig.PeerBadSignature:
        return Reason.TSIG_BADSIG
    except (dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadTime):
        return Reason.TSIG_REJECTED
    except dns.exception.FormError:
        # An unsigned answer to a signed NOTIFY: how PowerDNS turns down a key it cannot use.
        return Reason.TSIG_REJECTED if key is not None else Reason.NETWORK_ERROR
    except (OSError, dns.exception.DNSException):
        return Reason.NETWORK_ERROR
    return _notify_failure(reply.rcode())


def _notify_failure(rcode: dns.rcode.Rcode) -> Reason | None:
    if rcode == dns.rcode.NOERROR:
        return None
    # NOTAUTH: BIND's answer for a zone it is not a secondary of.
    return Reason.NOT_AUTHORITATIVE if rcode == dns.rcode.NOTAUTH else Reason.REFUSED


async def soa_serial(zone: str, host: str, port: int, timeout: float) -> Observation:
    """Ask ``host:port`` for the zone's SOA. The serial counts only from an authoritative
    answer that holds the zone's own SOA. Never raises."""
    name = dns.name.from_text(zone)
    query = dns.message.make_query(name, dns.rdatatype.SOA)
    query.flags &= ~dns.flags.RD
    try:
        reply = await dns.asyncquery.udp(query, host, port=port, timeout=timeout)
    except dns.exception.Timeout:
        return Observation(host, port, None, Reason.TIMEOUT)
    except (OSError, dns.exception.DNSException):
        return Observation(host, port, None, Reason.NETWORK_ERROR)
    return Observation(host, port, _serial_from(reply, name), _failure_from(reply))


def _serial_from(reply: dns.message.Message, name: dns.name.Name) -> int | None:
    if reply.rcode() != dns.rcode.NOERROR or not reply.flags & dns.flags.AA:
        return None
    for rrset in reply.answer:
        if rrset.name == name and rrset.rdtype == dns.rdatatype.SOA:
            return int(rrset[0].serial)
    return None


def _failure_from(reply: dns.message.Message) -> Reason | None:
    if reply.rcode() == dns.rcode.REFUSED:
        return Reason.REFUSED
    return None


async def observe_all(
    zone: str, nameservers: list[tuple[str, int]], timeout: float
) -> list[Observation]:
    """SOA-query every nameserver at once."""
    return list(await asyncio.gather(*(soa_serial(zone, h, p, timeout) for h, p in nameservers)))
