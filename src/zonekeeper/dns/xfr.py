"""Zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995), streamed from storage as wire.

The caller opens the connection and calls ``serving.snapshot`` first, so the SOA, the records
and the journal all come from one commit. AXFR reads the next batch of rows while it encodes
the current one (the database works in its own thread or server meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Any, TypeVar

import dns.message
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.SOA import SOA
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.dns.answer import OUR_PAYLOAD
from zonekeeper.dns.wire import MAX_MESSAGE, Encoder, Framer
from zonekeeper.domain.serial import serial_ge
from zonekeeper.storage import serving

READ_AHEAD = 2
"""Batches of rows fetched ahead of the encoder during an AXFR."""

T = TypeVar("T")


async def soa_record(conn: AsyncConnection, zone: serving.ServedZone) -> serving.ServedRecord:
    """The zone's SOA row (every zone has exactly one)."""
    rows = await serving.records_at(conn, zone, [zone.name], types=("SOA",))
    return rows[0]


def soa_serial(record: serving.ServedRecord) -> int:
    """The serial in a stored SOA row."""
    rdata = dns.rdata.from_wire(
        dns.rdataclass.IN, dns.rdatatype.SOA, record.rdata, 0, len(record.rdata)
    )
    assert isinstance(rdata, SOA)
    return int(rdata.serial)


async def axfr(
    conn: AsyncConnection,
    zone: serving.ServedZone,
    query: dns.message.Message,
    limit: int,
    soa: serving.ServedRecord,
) -> AsyncGenerator[bytes, None]:
    """The whole zone as messages of about ``limit`` bytes: ``soa``, every other record,
    ``soa`` again. ``soa`` is the zone's SOA row read in the same snapshot."""
    encoder = Encoder(zone.name)
    framer = Framer(query, limit, OUR_PAYLOAD)
    soa_wire = encoder.encode(soa)
    framer.add([soa_wire])
    async with contextlib.aclosing(_read_ahead(serving.stream_zone(conn, zone))) as batches:
        async for batch in batches:
            for message in framer.add(encoder.encode_all(batch)):
                yield message
    for message in framer.add([soa_wire]):
        yield message
    yield framer.flush()


async def _read_ahead(source: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
    """Items of ``source``, fetched up to :data:`READ_AHEAD` items ahead by a task of its
    own. An error in ``source`` is raised here; closing this closes ``source``."""
    queue: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue(READ_AHEAD)

    async def produce() -> None:
        async with contextlib.aclosing(source):
            try:
                async for item in source:
                    await queue.put((True, item))
            except Exception as error:
                await queue.put((False, error))
                return
        await queue.put((False, None))

    task = asyncio.create_task(produce())
    try:
        while True:
            more, item = await queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def only_soa(query: dns.message.Message, soa: serving.ServedRecord) -> bytes:
    """One message holding just the current SOA: IXFR's "you are up to date" (or "use TCP")."""
    framer = Framer(query, MAX_MESSAGE, OUR_PAYLOAD)
    framer.add([Encoder(soa.name).encode(soa)])
    return framer.flush()


def client_serial(query: dns.message.Message) -> int | None:
    """The serial in an IXFR query's authority SOA, or None if it carries none."""
    for rrset in query.authority:
        if rrset.rdtype == dns.rdatatype.SOA and len(rrset) == 1:
            rdata = rrset[0]
            assert isinstance(rdata, SOA)
            return int(rdata.serial)
    return None


def is_up_to_date(since: int, current: int) -> bool:
    """True when a client at serial ``since`` needs nothing (RFC 1982 comparison)."""
    return serial_ge(since, current)


async def ixfr_changes(
    conn: AsyncConnection, zone: serving.ServedZone, since: int, current: int
) -> list[serving.JournalEntry] | None:
    """The journal entries leading from serial ``since`` to ``current``, or None when the
    journal does not reach back that far (or its chain is broken)."""
    entries = await serving.journal_since(conn, zone, since)
    expected = since
    for entry in entries:
        if entry.from_serial != expected:
            return None
        expected = entry.to_serial
    return entries if entries and expected == current else None


def ixfr_messages(
    query: dns.message.Message,
    soa: serving.ServedRecord,
    entries: Sequence[serving.JournalEntry],
    limit: int,
) -> list[bytes]:
    """The incremental answer: current SOA, then per change its old SOA, the removed records,
    its new SOA and the added records (RFC 1995 sequence), then the current SOA again."""
    encoder = Encoder(soa.name)
    framer = Framer(query, limit, OUR_PAYLOAD)
    current = encoder.encode(soa)
    messages = framer.add([current])
    for entry in entries:
        messages += framer.add(encoder.encode_all(_journal_rows(entry.removed)))
        messages += framer.add(encoder.encode_all(_journal_rows(entry.added)))
    messages += framer.add([current])
    messages.append(framer.flush())
    return messages


def _journal_rows(entries: Iterable[Sequence[Any]]) -> list[serving.RecordRow]:
    """Journal entries ``[name, type, ttl, data-text]`` as rows with wire rdata."""
    rows = []
    for name, rtype, ttl, data in entries:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), data)
        rows.append((str(name), str(rtype), int(ttl), rdata.to_digestable()))
    return rows
