"""Shared helpers: quick zone/recordset creation and reading what a zone serves from the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from zonekeeper.domain.models import RecordSet, Zone
from zonekeeper.service import recordsets, zones
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes as change_rows
from zonekeeper.storage.tables import records
from zonekeeper.storage.tables import recordsets as recordsets_table
from zonekeeper.storage.tables import zones as zones_table

RR = tuple[str, str, int, str]


async def make_zone(
    ctx: RequestContext, env: ServiceEnv, name: str = "example.org.", **fields: Any
) -> Zone:
    return await zones.create(ctx, env, {"name": name, "email": "admin@example.org", **fields})


async def make_recordset(
    ctx: RequestContext,
    env: ServiceEnv,
    zone: Zone,
    name: str,
    rtype: str = "A",
    records: list[str] | None = None,
    **fields: Any,
) -> RecordSet:
    body = {"name": name, "type": rtype, "records": records or ["192.0.2.1"], **fields}
    return await recordsets.create(ctx, env, zone.id, body)


async def served(env: ServiceEnv, zone_id: str) -> set[RR]:
    """Every record the zone's rows say is served, with its served TTL."""
    ttl = func.coalesce(recordsets_table.c.ttl, zones_table.c.ttl)
    stmt = (
        select(recordsets_table.c.name, recordsets_table.c.type, ttl, records.c.data)
        .select_from(
            records.join(recordsets_table, records.c.recordset_id == recordsets_table.c.id).join(
                zones_table, zones_table.c.id == recordsets_table.c.zone_id
            )
        )
        .where(zones_table.c.id == zone_id)
    )
    async with env.db.read() as conn:
        return {(row[0], row[1], int(row[2]), row[3]) for row in await conn.execute(stmt)}


async def journal(env: ServiceEnv, zone_id: str) -> list[change_rows.Journalled]:
    async with env.db.read() as conn:
        return await change_rows.journal(conn, zone_id)


async def zone_column(env: ServiceEnv, zone_id: str, column: str) -> Any:
    async with env.db.read() as conn:
        stmt = select(zones_table.c[column]).where(zones_table.c.id == zone_id)
        return (await conn.execute(stmt)).scalar_one()
