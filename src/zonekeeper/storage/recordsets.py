"""Recordset and record rows: reads, pages, writes, and the zone's SOA record."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Row,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import Action, ListQuery, RecordSet, Status, Zone
from zonekeeper.domain.rdata import CanonicalRecord
from zonekeeper.storage import listing, shares
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.listing import Condition
from zonekeeper.storage.tables import records, recordsets, zones

_WITH_ZONE_NAME = select(recordsets, zones.c.name.label("zone_name")).select_from(
    recordsets.join(zones, recordsets.c.zone_id == zones.c.id)
)

LISTING = listing.Listing(
    table=recordsets,
    id=recordsets.c.id,
    filters={
        "name": listing.match(recordsets.c.name, str.lower),
        "type": listing.match(recordsets.c.type, str.upper),
        "ttl": listing.match(recordsets.c.ttl),
        "status": listing.match(recordsets.c.status, str.upper),
        "description": listing.match(recordsets.c.description),
        # A recordset matches when any of its records does.
        "data": lambda value: recordsets.c.id.in_(
            select(records.c.recordset_id).where(listing.match(records.c.data)(value))
        ),
    },
    sort_keys={
        "created_at": recordsets.c.created_at,
        "id": recordsets.c.id,
        "updated_at": recordsets.c.updated_at,
        "zone_id": recordsets.c.zone_id,
        "tenant_id": recordsets.c.project_id,
        "project_id": recordsets.c.project_id,
        "name": recordsets.c.name,
        "type": recordsets.c.type,
        "ttl": recordsets.c.ttl,
        "status": recordsets.c.status,
    },
)


ServedRow = tuple[str, str, int | None, str]
"""One record as exported: (owner name, type, TTL or None for the zone's, data)."""


@dataclass(frozen=True, slots=True)
class SoaRecord:
    """Where a zone's SOA lives, and what it says now."""

    recordset_id: str
    record_id: str
    data: str


def from_row(row: Row[Any], records_data: Sequence[str]) -> RecordSet:
    """The RecordSet of a ``recordsets`` row selected with its ``zone_name``."""
    return RecordSet(
        id=row.id,
        zone_id=row.zone_id,
        zone_name=row.zone_name,
        project_id=row.project_id,
        name=row.name,
        type=row.type,
        ttl=row.ttl,
        description=row.description,
        records=tuple(sorted(records_data)),
        managed=row.managed,
        status=Status(row.status),
        action=Action(row.action),
        serial=row.serial,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_row(recordset: RecordSet) -> dict[str, Any]:
    """The ``recordsets`` columns of ``recordset``."""
    return {
        "id": recordset.id,
        "zone_id": recordset.zone_id,
        "project_id": recordset.project_id,
        "name": recordset.name,
        "type": recordset.type,
        "ttl": recordset.ttl,
        "description": recordset.description,
        "managed": recordset.managed,
        "status": recordset.status.value,
        "action": recordset.action.value,
        "serial": recordset.serial,
        "version": recordset.version,
        "created_at": recordset.created_at,
        "updated_at": recordset.updated_at,
    }


# Statements of the write path are built once, with bound parameters: building a statement
# and computing its cache key cost SQLAlchemy more than SQLite spends running it (~100 µs of
# a ~150 µs statement), and a statement object reused keeps its cache key memoised.
_GET = _WITH_ZONE_NAME.where(recordsets.c.id == bindparam("b_id"))


async def get(conn: AsyncConnection, recordset_id: str) -> RecordSet | None:
    """The recordset with ``recordset_id`` and its records, or None."""
    row = (await conn.execute(_GET, {"b_id": recordset_id})).first()
    if row is None:
        return None
    data = await records_of(conn, [row.id])
    return from_row(row, data[row.id])


async def records_of(conn: AsyncConnection, recordset_ids: Sequence[str]) -> dict[str, list[str]]:
    """The record data of each of ``recordset_ids`` (one query)."""
    found: dict[str, list[str]] = defaultdict(list)
    if recordset_ids:
        for recordset_id, data in await conn.execute(_RECORDS_OF, {"b_ids": list(recordset_ids)}):
            found[recordset_id].append(data)
    return found


_RECORDS_OF = select(records.c.recordset_id, records.c.data).where(
    records.c.recordset_id.in_(bindparam("b_ids", expanding=True))
)


async def page(
    conn: AsyncConnection, scope: Sequence[Condition], query: ListQuery, count: bool
) -> tuple[list[RecordSet], int | None]:
    """One page of the recordsets matching ``scope`` and the query (see ``listing.page``)."""
    rows, total = await listing.page(conn, LISTING, _WITH_ZONE_NAME, scope, query, count)
    data = await records_of(conn, [row.id for row in rows])
    return [from_row(row, data[row.id]) for row in rows], total


def in_zone(zone_id: str) -> Condition:
    """Scope: the recordsets of one zone."""
    return recordsets.c.zone_id == zone_id


def in_project(project_id: str) -> Condition:
    """Scope: the recordsets of the zones ``project_id`` owns."""
    return recordsets.c.zone_id.in_(select(zones.c.id).where(zones.c.project_id == project_id))


async def occupants(
    conn: AsyncConnection, zone_id: str, name: str, zone_names: Sequence[str]
) -> tuple[list[str], list[str]]:
    """What already holds ``name`` in the zone, in one statement: (the types of its
    recordsets, those of ``zone_names`` that are zones)."""
    types: list[str] = []
    zone_list: list[str] = []
    params = {"b_zone_id": zone_id, "b_name": name, "b_names": list(zone_names)}
    for kind, value in await conn.execute(_OCCUPANTS, params):
        (types if kind == "type" else zone_list).append(value)
    return types, zone_list


_OCCUPANTS = union_all(
    select(literal("type"), recordsets.c.type).where(
        recordsets.c.zone_id == bindparam("b_zone_id"), recordsets.c.name == bindparam("b_name")
    ),
    # An empty ``b_names`` renders as an always-false IN, which keeps this one statement.
    select(literal("zone"), zones.c.name).where(
        zones.c.name.in_(bindparam("b_names", expanding=True))
    ),
)


def count_in_zone(zone_id: str) -> ScalarSelect[int]:
    """SQL for the number of recordsets in the zone, SOA and NS included."""
    stmt = select(func.count()).select_from(recordsets).where(recordsets.c.zone_id == zone_id)
    return stmt.scalar_subquery()


async def count_records(conn: AsyncConnection, zone_id: str) -> int:
    """The number of records in the zone, managed ones included."""
    stmt = select(func.count()).select_from(records).where(records.c.zone_id == zone_id)
    return int((await conn.execute(stmt)).scalar_one())


def count_unmanaged_records(zone_id: str) -> ScalarSelect[int]:
    """SQL for the number of records in the zone that the system does not manage."""
    unmanaged = and_(records.c.zone_id == zone_id, records.c.managed.is_(False))
    return select(func.count()).select_from(records).where(unmanaged).scalar_subquery()


async def insert_recordset(
    conn: AsyncConnection, recordset: RecordSet, new_records: Sequence[CanonicalRecord]
) -> None:
    """Insert ``recordset`` and its records (flagged managed when the recordset is)."""
    await conn.execute(_INSERT_RECORDSET, to_row(recordset))
    await add_records(conn, recordset, new_records)


_INSERT_RECORDSET = insert(recordsets)
_INSERT_RECORD = insert(records)


async def insert_recordsets(conn: AsyncConnection, new: Sequence[RecordSet]) -> None:
    """Insert recordsets without records (one executemany)."""
    if new:
        await conn.execute(insert(recordsets), [to_row(recordset) for recordset in new])


async def insert_many(
    conn: AsyncConnection, items: Sequence[tuple[RecordSet, Sequence[CanonicalRecord]]]
) -> None:
    """Insert recordsets with their records: two executemany statements, whatever their
    number (a zone import writes tens of thousands at once)."""
    if not items:
        return
    set_rows = [to_row(recordset) for recordset, _ in items]
    rows = [
        {
            "id": str(uuid.uuid4()),
            "recordset_id": recordset.id,
            "zone_id": recordset.zone_id,
            "data": record.data,
            "rdata": record.rdata,
            "managed": recordset.managed,
        }
        for recordset, new_records in items
        for record in new_records
    ]
    if conn.dialect.name == "postgresql":
        await _copy(conn, recordsets, set_rows)
        await _copy(conn, records, rows)
        return
    await conn.execute(insert(recordsets), set_rows)
    if rows:
        await conn.execute(insert(records), rows)


async def _copy(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``rows`` into ``table`` by PostgreSQL's COPY, on ``conn`` and so in its transaction:
    several times cheaper than INSERT for the tens of thousands of rows of an import. The
    rows hold a value for each column they name (the others are NULL)."""
    if not rows:
        return
    columns = list(rows[0])
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg's connection, inside our transaction
    values = [tuple(row[column] for column in columns) for row in rows]
    await driver.copy_records_to_table(table.name, records=values, columns=columns)


async def add_records(
    conn: AsyncConnection, recordset: RecordSet, new_records: Sequence[CanonicalRecord]
) -> None:
    """Insert ``new_records`` into ``recordset`` (one executemany)."""
    if not new_records:
        return
    rows = [
        {
            "id": str(uuid.uuid4()),
            "recordset_id": recordset.id,
            "zone_id": recordset.zone_id,
            "data": record.data,
            "rdata": record.rdata,
            "managed": recordset.managed,
        }
        for record in new_records
    ]
    # One row as a dict: the single-row path is cheaper than executemany's.
    await conn.execute(_INSERT_RECORD, rows[0] if len(rows) == 1 else rows)


async def remove_records(conn: AsyncConnection, recordset_id: str, data: Collection[str]) -> None:
    """Delete the records of ``recordset_id`` whose data is in ``data``."""
    if data:
        await conn.execute(
            delete(records).where(records.c.recordset_id == recordset_id, records.c.data.in_(data))
        )


async def update_recordsets(
    conn: AsyncConnection, recordset_ids: Collection[str], values: Mapping[str, Any]
) -> None:
    """Set ``values`` on each of ``recordset_ids``; ``version`` goes up by one."""
    if recordset_ids:
        await conn.execute(_UPDATE_RECORDSETS, {**values, "b_ids": list(recordset_ids)})


_UPDATE_RECORDSETS = (
    update(recordsets)
    .where(recordsets.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(version=recordsets.c.version + 1)
)


async def delete_recordset(conn: AsyncConnection, recordset_id: str) -> None:
    """Delete the recordset and its records."""
    await conn.execute(delete(records).where(records.c.recordset_id == recordset_id))
    await conn.execute(delete(recordsets).where(recordsets.c.id == recordset_id))


async def delete_recordsets(conn: AsyncConnection, recordset_ids: Collection[str]) -> None:
    """Delete the recordsets and their records (two statements, whatever their number)."""
    if recordset_ids:
        ids = sorted(recordset_ids)
        await conn.execute(delete(records).where(records.c.recordset_id.in_(ids)))
        await conn.execute(delete(recordsets).where(recordsets.c.id.in_(ids)))


async def lock_zone_with_soa(conn: AsyncConnection, zone_id: str) -> tuple[Zone, SoaRecord] | None:
    """The zone, its row locked as by ``zones.lock``, with its SOA record, or None: what every
    change reads first, in one statement."""
    row = (await conn.execute(_LOCK_ZONE_WITH_SOA, {"b_zone_id": zone_id})).first()
    if row is None:
        return None
    soa = SoaRecord(row.soa_recordset_id, row.soa_record_id, row.soa_data)
    return zone_rows.from_row(row), soa


_LOCK_ZONE_WITH_SOA = (
    select(
        zones,
        shares.is_shared(),
        recordsets.c.id.label("soa_recordset_id"),
        records.c.id.label("soa_record_id"),
        records.c.data.label("soa_data"),
    )
    .select_from(
        zones.join(
            recordsets,
            and_(
                recordsets.c.zone_id == zones.c.id,
                recordsets.c.name == zones.c.name,  # so the unique index finds it
                recordsets.c.type == "SOA",
            ),
        ).join(records, records.c.recordset_id == recordsets.c.id)
    )
    .where(zones.c.id == bindparam("b_zone_id"))
    .with_for_update(of=zones)
)


async def stream_served(
    conn: AsyncConnection, zone: Zone, batch: int = 2000
) -> AsyncIterator[list[ServedRow]]:
    """Every record of the zone as (name, type, ttl, data), in batches streamed from the
    database (a server-side cursor where there is one): the SOA first, then the apex NS, then
    the rest by name and type. ``ttl`` is None for records served with the zone's TTL."""
    first = case(
        (recordsets.c.type == "SOA", 0),
        (and_(recordsets.c.type == "NS", recordsets.c.name == zone.name), 1),
        else_=2,
    )
    stmt = (
        select(recordsets.c.name, recordsets.c.type, recordsets.c.ttl, records.c.data)
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(recordsets.c.zone_id == zone.id)
        .order_by(first, recordsets.c.name, recordsets.c.type, records.c.data)
        .execution_options(yield_per=batch)
    )
    result = await conn.stream(stmt)
    async for rows in result.partitions(batch):
        yield [(row[0], row[1], row[2], row[3]) for row in rows]


async def soa_data(conn: AsyncConnection, zone: Zone) -> str | None:
    """The zone's SOA record as stored (presentation text), without locking anything."""
    stmt = (
        select(records.c.data)
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(
            recordsets.c.zone_id == zone.id,
            recordsets.c.name == zone.name,  # so the unique index finds it
            recordsets.c.type == "SOA",
        )
    )
    return (await conn.execute(stmt)).scalar()


async def set_record(conn: AsyncConnection, record_id: str, record: CanonicalRecord) -> None:
    """Overwrite one record's data and rdata (used for the SOA)."""
    await conn.execute(_SET_RECORD, {"b_id": record_id, "data": record.data, "rdata": record.rdata})


_SET_RECORD = update(records).where(records.c.id == bindparam("b_id"))


async def inheriting_ttl(conn: AsyncConnection, zone_id: str) -> list[tuple[str, str, str, str]]:
    """(recordset id, name, type, data) of every record served with the zone TTL because its
    recordset has none, the SOA excepted."""
    stmt = (
        select(recordsets.c.id, recordsets.c.name, recordsets.c.type, records.c.data)
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(
            recordsets.c.zone_id == zone_id,
            recordsets.c.ttl.is_(None),
            recordsets.c.type != "SOA",
        )
    )
    return [(row[0], row[1], row[2], row[3]) for row in await conn.execute(stmt)]


async def find_id(conn: AsyncConnection, zone_id: str, name: str, rtype: str) -> str | None:
    """The id of the zone's recordset ``name``/``rtype``, or None."""
    stmt = select(recordsets.c.id).where(
        recordsets.c.zone_id == zone_id, recordsets.c.name == name, recordsets.c.type == rtype
    )
    found: str | None = (await conn.execute(stmt)).scalar_one_or_none()
    return found
