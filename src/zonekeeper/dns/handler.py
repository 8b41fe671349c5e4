"""One request in, its response messages out: parsing, TSIG verification, opcode and qtype
dispatch, the transfer ACL, UDP size and truncation, and the per-request safety net.
Transport-free; ``server.py`` moves the bytes.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.config import DnsSettings
from zonekeeper.dns import access, answer, signing, throttle, wire, xfr
from zonekeeper.storage import secondary, serving
from zonekeeper.storage.database import Database
from zonekeeper.telemetry.metrics import Metrics

log = logging.getLogger("zonekeeper.dns")

STATS = (
    "queries",
    "tcp_connections",
    "axfr",
    "ixfr",
    "ixfr_fallback_axfr",
    "notify",
    "nxdomain",
    "refused",
    "notauth",
    "notimp",
    "formerr",
    "servfail",
    "badvers",
    "truncated",
    "dropped",
    "transfer_refused",
    "tsig_rejected",
)
"""The counters in ``MiniDns.stats``; every one starts at 0."""

_RCODE_STATS = {
    dns.rcode.NXDOMAIN: "nxdomain",
    dns.rcode.REFUSED: "refused",
    dns.rcode.NOTAUTH: "notauth",
    dns.rcode.NOTIMP: "notimp",
    dns.rcode.FORMERR: "formerr",
    dns.rcode.SERVFAIL: "servfail",
    dns.rcode.BADVERS: "badvers",
}
_QTYPES = frozenset(
    [
        "A",
        "AAAA",
        "CNAME",
        "MX",
        "NS",
        "PTR",
        "SOA",
        "SRV",
        "TXT",
        "CAA",
        "DS",
        "DNSKEY",
        "NAPTR",
        "SSHFP",
        "ANY",
        "AXFR",
        "IXFR",
        "none",
    ]
)
"""Question types with a label of their own in ``zonekeeper_dns_queries``; any other is
`other`, so that odd queries cannot add label values without bound."""
TSIG_LOG_INTERVAL = 60.0
"""Seconds between logged TSIG rejections of one source address (the rest are only counted,
in ``tsig_rejected``, and the next line says how many were not logged)."""
UDP_MIN = 512
TCP_MAX = 65535


class Responder:
    """Answers requests from the database. Counts into ``stats`` (see :data:`STATS`)."""

    def __init__(
        self,
        db: Database,
        settings: DnsSettings,
        stats: dict[str, int],
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._stats = stats
        self._metrics = metrics or Metrics()
        self._answered: dict[tuple[int | None, int], Counter] = {}
        self._tsig_log = throttle.LogThrottle(TSIG_LOG_INTERVAL)

    async def respond(
        self, request: bytes, *, tcp: bool, source: str
    ) -> AsyncGenerator[bytes, None]:
        """The response messages to the wire-format ``request`` from the address ``source``:
        none when it is dropped (too short to answer, a response), one, or several for a zone
        transfer over TCP. Over UDP at most one message, never larger than the client allows.
        A signed request is verified with its zone's pool keys and answered signed, or
        answered NOTAUTH with the TSIG error. Never raises for anything the request contains:
        failures become SERVFAIL."""
        query = self._parse(request)
        if isinstance(query, bytes):
            yield query
            return
        if query is None:
            self._count("dropped")
            return
        self._count("queries")
        sent = False
        try:
            if query.had_tsig:
                verified = await self._verify(request, query, source)
                if isinstance(verified, bytes):
                    yield verified
                    return
                query = verified
            async for message in self._dispatch(query, tcp, source):
                sent = True
                yield message
        except Exception:
            log.exception("failed to answer %s", query.question[:1])
            if sent:
                raise  # a transfer broke mid-way; only closing the connection tells the client
            yield self._error(query, dns.rcode.SERVFAIL)

    def _parse(self, request: bytes) -> dns.message.Message | bytes | None:
        """The query, its TSIG (if any) not yet verified: which keys apply depends on the
        question. Or a FORMERR reply built from the header; or None to drop it."""
        try:
            query = dns.message.from_wire(request, keyring=False)
        except (dns.exception.DNSException, ValueError, UnicodeError):
            return self._formerr_from_header(request)
        return None if query.flags & dns.flags.QR else query

    def _formerr_from_header(self, request: bytes) -> bytes | None:
        if len(request) < wire.HEADER.size:
            return None
        query_id, flags = struct.unpack_from("!HH", request)
        if flags & dns.flags.QR:
            return None
        self._count("formerr")
        keep = flags & (0x7800 | dns.flags.RD)  # the opcode bits and RD are echoed
        return wire.HEADER.pack(query_id, dns.flags.QR | keep | dns.rcode.FORMERR, 0, 0, 0, 0)

    async def _verify(
        self, request: bytes, query: dns.message.Message, source: str
    ) -> dns.message.Message | bytes:
        """The request verified with the keys of its zone's pool, or the NOTAUTH answer."""
        try:
            async with self._db.read() as conn:
                keys = await access.keyring(conn, query.question[0].name) if query.question else {}
            return signing.verify(request, keys)
        except signing.Rejected as rejected:
            held_back = self._tsig_log.admit(source)
            if held_back is not None:
                log.warning(
                    "TSIG from %s rejected (%s, key %s): %s%s",
                    source,
                    dns.rcode.to_text(rejected.error),
                    query.keyname,
                    rejected.reason,
                    f" ({held_back} more from it not logged)" if held_back else "",
                )
            self._count("tsig_rejected")
            self._metrics.dns_tsig_failures.inc()
            self._count_rcode(query, dns.rcode.NOTAUTH)
            return signing.rejection(query, rejected.error, answer.OUR_PAYLOAD)

    async def _dispatch(
        self, query: dns.message.Message, tcp: bool, source: str
    ) -> AsyncIterator[bytes]:
        opcode = query.opcode()
        if query.edns > 0:
            yield self._error(query, dns.rcode.BADVERS)
        elif opcode == dns.opcode.QUERY:
            async for message in self._query(query, tcp, source):
                yield message
        elif opcode == dns.opcode.NOTIFY:
            yield await self._notify(query, source)
        elif opcode == dns.opcode.UPDATE:
            yield self._error(query, dns.rcode.REFUSED)
        else:
            yield self._error(query, dns.rcode.NOTIMP)

    async def _query(
        self, query: dns.message.Message, tcp: bool, source: str
    ) -> AsyncIterator[bytes]:
        if len(query.question) != 1:
            yield self._error(query, dns.rcode.FORMERR)
            return
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN:
            yield self._error(query, dns.rcode.REFUSED)
        elif question.rdtype == dns.rdatatype.AXFR:
            async for message in self._axfr(query, tcp, source):
                yield message
        elif question.rdtype == dns.rdatatype.IXFR:
            async for message in self._ixfr(query, tcp, source):
                yield message
        else:
            async with self._db.read() as conn:
                response = await answer.answer(conn, query)
            yield self._render(query, response, tcp)

    async def _notify(self, query: dns.message.Message, source: str) -> bytes:
        """NOTIFY (RFC 1996) is acknowledged: AA, same id, question and opcode. For a
        SECONDARY zone it comes from one of the zone's masters, whose transfer is then due at
        once; from any other address it is refused (and changes nothing), as in Designate."""
        self._count("notify")
        if len(query.question) == 1:
            name = query.question[0].name.to_text().lower()
            async with self._db.transaction() as conn:
                from_master = await secondary.notified(conn, name, source, _utcnow())
            if from_master is False:
                log.warning("NOTIFY for %s from %s, not one of its masters: refused", name, source)
                return self._error(query, dns.rcode.REFUSED)
            if from_master:
                self._db.wake_transfers()
        response = dns.message.make_response(query, our_payload=answer.OUR_PAYLOAD)
        response.flags |= dns.flags.AA
        return response.to_wire(max_size=_size_limit(query, tcp=False))

    async def _axfr(
        self, query: dns.message.Message, tcp: bool, source: str
    ) -> AsyncIterator[bytes]:
        if not tcp:
            yield self._error(query, dns.rcode.REFUSED)  # AXFR over UDP is not defined
            return
        async with self._db.read() as conn:
            zone = await self._transfer_zone(conn, query)
            if zone is None:
                yield self._error(query, dns.rcode.NOTAUTH)
                return
            if not await self._may_transfer(conn, zone, query, source):
                yield self._error(query, dns.rcode.REFUSED)
                return
            self._count("axfr")
            self._metrics.dns_transfers.labels("axfr").inc()
            soa = await xfr.soa_record(conn, zone)
            log.info("AXFR %s at serial %d to %s", zone.name, xfr.soa_serial(soa), source)
            limit = self._settings.axfr_message_bytes - signing.reserve(query)
            messages = xfr.axfr(conn, zone, query, limit, soa)
            async for message in self._measured("axfr", signing.signed(query, messages)):
                yield message

    async def _ixfr(
        self, query: dns.message.Message, tcp: bool, source: str
    ) -> AsyncIterator[bytes]:
        since = xfr.client_serial(query)
        if since is None:
            yield self._error(query, dns.rcode.FORMERR)
            return
        async with self._db.read() as conn:
            zone = await self._transfer_zone(conn, query)
            if zone is None:
                yield self._error(query, dns.rcode.NOTAUTH)
                return
            if not await self._may_transfer(conn, zone, query, source):
                yield self._error(query, dns.rcode.REFUSED)
                return
            self._count("ixfr")
            self._metrics.dns_transfers.labels("ixfr").inc()
            messages = self._ixfr_messages(conn, zone, query, since, tcp)
            async for message in self._measured("ixfr", signing.signed(query, messages)):
                yield message

    async def _measured(
        self, kind: str, messages: AsyncIterator[bytes]
    ) -> AsyncGenerator[bytes, None]:
        """``messages``, their sizes added up into ``zonekeeper_dns_transfer_bytes``."""
        size = 0
        try:
            async for message in messages:
                size += len(message)
                yield message
        finally:
            self._metrics.dns_transfer_bytes.labels(kind).observe(size)

    async def _may_transfer(
        self,
        conn: AsyncConnection,
        zone: serving.ServedZone,
        query: dns.message.Message,
        source: str,
    ) -> bool:
        """Whether the zone's pool lets ``source`` transfer it with the request's (verified)
        key; a refusal is logged with its reason and counted."""
        policy = await access.transfer_policy(conn, zone, self._settings.allow_transfer)
        reason = (
            f"pool {zone.pool_id} is missing"
            if policy is None
            else policy.refusal(source, query.keyname)
        )
        if reason is None:
            return True
        kind = dns.rdatatype.to_text(query.question[0].rdtype)
        log.warning("refused %s of %s to %s: %s", kind, zone.name, source, reason)
        self._count("transfer_refused")
        self._metrics.dns_transfers_refused.inc()
        return False

    async def _ixfr_messages(
        self,
        conn: AsyncConnection,
        zone: serving.ServedZone,
        query: dns.message.Message,
        since: int,
        tcp: bool,
    ) -> AsyncGenerator[bytes, None]:
        """Up to date: the SOA. In the journal: the changes (over UDP only if they fit in one
        message, else the SOA, which tells the client to use TCP). Otherwise the whole zone.
        Unsigned: the caller signs them."""
        soa = await xfr.soa_record(conn, zone)
        current = xfr.soa_serial(soa)
        if xfr.is_up_to_date(since, current):
            yield xfr.only_soa(query, soa)
            return
        entries = await xfr.ixfr_changes(conn, zone, since, current)
        limit = self._settings.axfr_message_bytes if tcp else _size_limit(query, tcp=False)
        limit -= signing.reserve(query)
        if entries is not None:
            log.info("IXFR %s %d -> %d: %d changes", zone.name, since, current, len(entries))
            messages = xfr.ixfr_messages(query, soa, entries, limit)
            for message in messages if tcp or len(messages) == 1 else [xfr.only_soa(query, soa)]:
                yield message
            return
        self._count("ixfr_fallback_axfr")
        self._metrics.dns_transfers.labels("ixfr_axfr").inc()
        log.info("IXFR %s from %d: the journal does not reach back, full zone", zone.name, since)
        if not tcp:
            yield xfr.only_soa(query, soa)
            return
        async for message in xfr.axfr(conn, zone, query, limit, soa):
            yield message

    async def _transfer_zone(
        self, conn: AsyncConnection, query: dns.message.Message
    ) -> serving.ServedZone | None:
        """The hosted zone whose apex is the question name, read in one snapshot with what
        follows on ``conn``."""
        await serving.snapshot(conn)
        return await serving.find_zone(conn, [answer.stored(query.question[0].name)])

    def _render(
        self, query: dns.message.Message, response: dns.message.Message, tcp: bool
    ) -> bytes:
        """``response`` as wire within the client's limit; if it does not fit, the same header
        with empty sections and TC set, so the client retries over TCP."""
        self._count_rcode(query, response.rcode())
        limit = _size_limit(query, tcp)
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            self._count("truncated")
        truncated = dns.message.make_response(query, our_payload=answer.OUR_PAYLOAD)
        truncated.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
        truncated.set_rcode(response.rcode())
        return truncated.to_wire(max_size=limit)

    def _error(self, query: dns.message.Message, rcode: dns.rcode.Rcode) -> bytes:
        self._count_rcode(query, rcode)
        response = dns.message.make_response(query, our_payload=answer.OUR_PAYLOAD)
        response.set_rcode(rcode)
        return response.to_wire(max_size=TCP_MAX)

    def _count_rcode(self, query: dns.message.Message, rcode: dns.rcode.Rcode) -> None:
        rdtype = query.question[0].rdtype if query.question else None
        counter = self._answered.get((rdtype, rcode))
        if counter is None:  # labels() takes a lock: each series is looked up once
            counter = self._metrics.dns_queries.labels(_qtype_label(rdtype), _rcode_text(rcode))
            self._answered[(rdtype, rcode)] = counter
        counter.inc()
        name = _RCODE_STATS.get(rcode)
        if name is not None:
            self._count(name)

    def _count(self, name: str) -> None:
        self._stats[name] += 1


def _size_limit(query: dns.message.Message, tcp: bool) -> int:
    """The largest response the client takes: 65535 over TCP; over UDP its EDNS payload
    size (at least 512), or 512 without EDNS."""
    if tcp:
        return TCP_MAX
    if query.edns >= 0:
        return min(max(query.payload, UDP_MIN), TCP_MAX)
    return UDP_MIN


def _utcnow() -> datetime:
    """Naive UTC, as every stored timestamp."""
    return datetime.now(UTC).replace(tzinfo=None)


def _qtype_label(rdtype: int | None) -> str:
    if rdtype is None:
        return "none"
    qtype = dns.rdatatype.to_text(dns.rdatatype.RdataType(rdtype))
    return qtype if qtype in _QTYPES else "other"


def _rcode_text(rcode: int) -> str:
    try:
        return dns.rcode.to_text(dns.rcode.Rcode(rcode))
    except ValueError:
        return str(rcode)
