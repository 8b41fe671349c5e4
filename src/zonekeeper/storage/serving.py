"""The read-only queries the mini-DNS answers from: which zone owns a name, the records at a
few names, whether a name has descendants, the whole zone as a stream, and the IXFR journal.

Names are the stored form: lower-case absolute text with a trailing dot (``www.example.org.``).
A zone whose action is DELETE is not served, nor an expired SECONDARY zone, so none of these
queries return it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import DEFAULT_POOL_ID, Action
from zonekeeper.storage import secondary
from zonekeeper.storage.tables import records, recordsets, zone_changes, zones

STREAM_BATCH = 2000
"""Rows fetched per round trip while streaming a zone."""


@dataclass(frozen=True, slots=True)
class ServedZone:
    """The columns of a hosted zone that answering needs."""

    id: str
    name: str
    ttl: int
    serial: int
    pool_id: str = DEFAULT_POOL_ID
    """Whose TSIG keys and transfer ACL apply."""
    moving_from: str | None = None
    """The pool a pool move takes the zone from: its keys and ACL apply too meanwhile."""


RecordRow = tuple[str, str, int, bytes]
"""(owner, type mnemonic, effective TTL, uncompressed wire rdata): one record as streamed."""


class ServedRecord(NamedTuple):
    """One record as served: owner, type mnemonic, effective TTL and uncompressed wire rdata.
    It is a :data:`RecordRow` with names."""

    name: str
    type: str
    ttl: int
    rdata: bytes


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One ``zone_changes`` row. Entries are ``[name, type, ttl, data-text]`` lists; the first
    entry of ``removed`` is the SOA at ``from_serial``, the first of ``added`` the one at
    ``to_serial``."""

    from_serial: int
    to_serial: int
    removed: Sequence[Sequence[Any]]
    added: Sequence[Sequence[Any]]


async def snapshot(conn: AsyncConnection) -> None:
    """Make the reads that follow on ``conn`` see one consistent state of the database.

    Call it first on a fresh connection from ``Database.read()``. A zone transfer needs it: its
    SOA and its records must come from the same commit. (pysqlite runs a SELECT outside any
    transaction, and PostgreSQL's default READ COMMITTED takes a snapshot per statement.)
    """
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN")
    elif conn.dialect.name == "postgresql":
        await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        await conn.execution_options(isolation_level="REPEATABLE READ")


async def find_zone(conn: AsyncConnection, candidates: Collection[str]) -> ServedZone | None:
    """The served zone whose name is the longest of ``candidates`` (the ancestors of a query
    name), or None. One query. When pools host the same name twice, the default pool wins."""
    if not candidates:
        return None
    stmt = (
        select(
            zones.c.id,
            zones.c.name,
            zones.c.ttl,
            zones.c.serial,
            zones.c.pool_id,
            zones.c.moving_from_pool_id,
        )
        .where(
            zones.c.name.in_(candidates),
            zones.c.action != Action.DELETE.value,
            secondary.not_expired(),
        )
        .order_by(
            func.length(zones.c.name).desc(),
            case((zones.c.pool_id == DEFAULT_POOL_ID, 0), else_=1),
            zones.c.created_at,
        )
        .limit(1)
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else ServedZone(*row)


async def records_at(
    conn: AsyncConnection,
    zone: ServedZone,
    names: Collection[str],
    types: Collection[str] = (),
) -> list[ServedRecord]:
    """Every record of ``zone`` owned by one of ``names`` (only of ``types`` when given),
    grouped by name and type. One query, served by ``uq_recordsets_zone_name_type``."""
    if not names:
        return []
    where = [recordsets.c.zone_id == zone.id, recordsets.c.name.in_(names)]
    if types:
        where.append(recordsets.c.type.in_(types))
    stmt = (
        select(*_record_columns(zone))
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(*where)
        .order_by(recordsets.c.name, recordsets.c.type)
    )
    return [ServedRecord(*row) for row in await conn.execute(stmt)]


async def names_with_descendants(
    conn: AsyncConnection, zone: ServedZone, names: Sequence[str]
) -> set[str]:
    """Those of ``names`` that own at least one name below them in ``zone`` (so they exist,
    perhaps as empty non-terminals). One query with an EXISTS per name."""
    if not names:
        return set()
    # Selecting the name (not *) keeps each probe on the covering (zone_id, name, type) index.
    probes = [
        select(recordsets.c.name)
        .where(
            recordsets.c.zone_id == zone.id,
            recordsets.c.name.endswith("." + name, autoescape=True),
        )
        .exists()
        .label(f"d{index}")
        for index, name in enumerate(names)
    ]
    row = (await conn.execute(select(*probes))).one()
    return {name for name, found in zip(names, row, strict=True) if found}


async def stream_zone(
    conn: AsyncConnection, zone: ServedZone
) -> AsyncGenerator[Sequence[RecordRow], None]:
    """Every record of ``zone`` but its SOA, in batches, ordered by name then type.

    Rows are streamed (a server-side cursor where the driver has one), so a large zone is never
    held in memory at once. Use it after :func:`snapshot` to pair it with the zone's SOA.
    """
    stmt = (
        select(*_record_columns(zone))
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(recordsets.c.zone_id == zone.id, recordsets.c.type != "SOA")
        .order_by(recordsets.c.name, recordsets.c.type)
    )
    result = await conn.stream(stmt.execution_options(yield_per=STREAM_BATCH))
    async for batch in result.partitions(STREAM_BATCH):
        yield batch  # rows unpack as RecordRow; no per-row object is built


async def journal_since(conn: AsyncConnection, zone: ServedZone, serial: int) -> list[JournalEntry]:
    """The zone's journal from its latest change that starts at ``serial`` to its newest
    change, oldest first; empty when no change starts at ``serial``. The caller checks that
    the entries chain up to the zone's serial (a purged or reused serial breaks the chain)."""
    start = (
        select(func.max(zone_changes.c.id))
        .where(zone_changes.c.zone_id == zone.id, zone_changes.c.from_serial == serial)
        .scalar_subquery()
    )
    stmt = (
        select(
            zone_changes.c.from_serial,
            zone_changes.c.to_serial,
            zone_changes.c.removed,
            zone_changes.c.added,
        )
        .where(zone_changes.c.zone_id == zone.id, zone_changes.c.id >= start)
        .order_by(zone_changes.c.id)
    )
    return [JournalEntry(*row) for row in await conn.execute(stmt)]


def _record_columns(zone: ServedZone) -> list[ColumnElement[Any]]:
    return [
        recordsets.c.name,
        recordsets.c.type,
        func.coalesce(recordsets.c.ttl, zone.ttl).label("ttl"),
        records.c.rdata,
    ]
