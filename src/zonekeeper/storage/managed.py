"""Managed record rows: the records the sink writes, tagged with the resource that owns them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import RecordSet
from zonekeeper.domain.rdata import CanonicalRecord
from zonekeeper.storage.tables import records, recordsets


@dataclass(frozen=True, slots=True)
class ManagedBy:
    """Who manages a record: the handler, the resource whose lifetime bounds the record, the
    resource's project, and (for a floating IP) the port it is associated with."""

    plugin_name: str
    resource_type: str
    resource_id: str
    project_id: str | None = None
    port_id: str | None = None
    revision: int | None = None
    """The resource's revision (Neutron's ``revision_number``) the record was written at, when
    known: notifications of that revision or older are stale for the record."""


@dataclass(frozen=True, slots=True)
class OwnedRecord:
    """One managed record, with where it is served."""

    record_id: str
    recordset_id: str
    zone_id: str
    name: str
    type: str
    ttl: int | None
    """The recordset's own TTL (None: the zone's)."""
    data: str
    managed_by: ManagedBy


@dataclass(frozen=True, slots=True)
class Occupant:
    """A recordset at a name the sink wants, and what it holds."""

    recordset_id: str
    name: str
    type: str
    ttl: int | None
    managed: bool
    foreign: bool
    """It holds a record no sink handler manages (a tenant's, or the zone's SOA/NS)."""


Condition = ColumnElement[bool]


def of_resource(resource_type: str, resource_id: str) -> Condition:
    """Records owned by the resource."""
    return and_(
        records.c.managed_resource_type == resource_type,
        records.c.managed_resource_id == resource_id,
    )


def any_resource() -> Condition:
    """Every managed record."""
    return records.c.managed_resource_id.is_not(None)


def via_port(port_id: str) -> Condition:
    """Records owned by a resource associated with the port (a floating IP's)."""
    return records.c.managed_port_id == port_id


def of_resources(resource_ids: Collection[str]) -> Condition:
    """Records owned by any resource with one of these ids (of any type or plugin)."""
    return records.c.managed_resource_id.in_(resource_ids)


def of_ids(record_ids: Collection[str]) -> Condition:
    """The records with these ids."""
    return records.c.id.in_(record_ids)


def of_plugin(plugin_name: str) -> Condition:
    """Records written by one plugin (a sink handler, or the floating-IP PTR API)."""
    return records.c.managed_plugin_name == plugin_name


def via_other_port(port_id: str) -> Condition:
    """Records held through a port other than ``port_id``."""
    return and_(records.c.managed_port_id.is_not(None), records.c.managed_port_id != port_id)


def older_than(revision: int | None) -> Condition:
    """Records written at a revision before ``revision``, or at no known one (None: all)."""
    if revision is None:
        return true()
    return or_(records.c.managed_revision.is_(None), records.c.managed_revision < revision)


def via_no_port() -> Condition:
    """Records held through no port."""
    return records.c.managed_port_id.is_(None)


async def owned(
    conn: AsyncConnection, condition: Condition, zone_id: str | None = None
) -> list[OwnedRecord]:
    """The managed records matching ``condition`` (and in ``zone_id`` when given)."""
    stmt = (
        select(
            records.c.id,
            records.c.recordset_id,
            records.c.zone_id,
            recordsets.c.name,
            recordsets.c.type,
            recordsets.c.ttl,
            records.c.data,
            records.c.managed_plugin_name,
            records.c.managed_resource_type,
            records.c.managed_resource_id,
            records.c.managed_project_id,
            records.c.managed_port_id,
            records.c.managed_revision,
        )
        .select_from(records.join(recordsets, records.c.recordset_id == recordsets.c.id))
        .where(condition, records.c.managed_plugin_name.is_not(None))
    )
    if zone_id is not None:
        stmt = stmt.where(records.c.zone_id == zone_id)
    return [OwnedRecord(*row[:7], ManagedBy(*row[7:])) for row in await conn.execute(stmt)]


async def occupants(conn: AsyncConnection, zone_id: str, names: Sequence[str]) -> list[Occupant]:
    """The recordsets of the zone at ``names``, each with whether it holds a foreign record
    (one statement)."""
    foreign = func.coalesce(
        func.max(case((records.c.managed_plugin_name.is_(None), 1), else_=0)), 0
    )
    stmt = (
        select(
            recordsets.c.id,
            recordsets.c.name,
            recordsets.c.type,
            recordsets.c.ttl,
            recordsets.c.managed,
            foreign,
        )
        .select_from(recordsets.outerjoin(records, records.c.recordset_id == recordsets.c.id))
        .where(recordsets.c.zone_id == zone_id, recordsets.c.name.in_(names))
        .group_by(
            recordsets.c.id,
            recordsets.c.name,
            recordsets.c.type,
            recordsets.c.ttl,
            recordsets.c.managed,
        )
    )
    rows = await conn.execute(stmt)
    return [Occupant(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]


async def data_in(conn: AsyncConnection, recordset_ids: Collection[str]) -> set[tuple[str, str]]:
    """(recordset id, data) of every record in ``recordset_ids``."""
    if not recordset_ids:
        return set()
    stmt = select(records.c.recordset_id, records.c.data).where(
        records.c.recordset_id.in_(recordset_ids)
    )
    return {(row[0], row[1]) for row in await conn.execute(stmt)}


async def insert_records(
    conn: AsyncConnection,
    recordset: RecordSet,
    new_records: Sequence[CanonicalRecord],
    managed_by: ManagedBy,
) -> None:
    """Insert ``new_records`` into ``recordset``, managed by ``managed_by``."""
    if not new_records:
        return
    rows = [
        {
            "id": str(uuid.uuid4()),
            "recordset_id": recordset.id,
            "zone_id": recordset.zone_id,
            "data": record.data,
            "rdata": record.rdata,
            "managed": True,
            "managed_plugin_name": managed_by.plugin_name,
            "managed_resource_type": managed_by.resource_type,
            "managed_resource_id": managed_by.resource_id,
            "managed_project_id": managed_by.project_id,
            "managed_port_id": managed_by.port_id,
            "managed_revision": managed_by.revision,
        }
        for record in new_records
    ]
    await conn.execute(insert(records), rows)


async def insert_many(
    conn: AsyncConnection,
    zone_id: str,
    rows: Sequence[tuple[str, CanonicalRecord, ManagedBy]],
) -> None:
    """Insert records of the zone, each (recordset id, record, manager), in one statement."""
    if not rows:
        return
    values = [
        {
            "id": str(uuid.uuid4()),
            "recordset_id": recordset_id,
            "zone_id": zone_id,
            "data": record.data,
            "rdata": record.rdata,
            "managed": True,
            "managed_plugin_name": managed_by.plugin_name,
            "managed_resource_type": managed_by.resource_type,
            "managed_resource_id": managed_by.resource_id,
            "managed_project_id": managed_by.project_id,
            "managed_port_id": managed_by.port_id,
            "managed_revision": managed_by.revision,
        }
        for recordset_id, record, managed_by in rows
    ]
    await conn.execute(insert(records), values)


async def retag(conn: AsyncConnection, record_ids: Collection[str], managed_by: ManagedBy) -> None:
    """Set the manager of the records with ``record_ids`` (their data stays)."""
    if record_ids:
        await conn.execute(
            update(records)
            .where(records.c.id.in_(record_ids))
            .values(
                managed_plugin_name=managed_by.plugin_name,
                managed_resource_type=managed_by.resource_type,
                managed_resource_id=managed_by.resource_id,
                managed_project_id=managed_by.project_id,
                managed_port_id=managed_by.port_id,
                managed_revision=managed_by.revision,
            )
        )


async def delete_records(conn: AsyncConnection, record_ids: Collection[str]) -> None:
    """Delete the records with ``record_ids``."""
    if record_ids:
        await conn.execute(delete(records).where(records.c.id.in_(record_ids)))


async def empty(conn: AsyncConnection, recordset_ids: Collection[str]) -> set[str]:
    """Those of ``recordset_ids`` that hold no record."""
    if not recordset_ids:
        return set()
    holding = select(records.c.recordset_id).where(records.c.recordset_id.in_(recordset_ids))
    full = {row[0] for row in await conn.execute(holding.distinct())}
    return set(recordset_ids) - full


def matching(conditions: Sequence[Condition]) -> Condition:
    """Records matching any of ``conditions``."""
    return or_(*conditions)


def all_of(*conditions: Condition) -> Condition:
    """Records matching every one of ``conditions``."""
    return and_(*conditions)
