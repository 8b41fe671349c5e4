"""Pool rows: where zones are served (ns_records, nameservers, targets, also-notifies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage.tables import pools


@dataclass(frozen=True, slots=True)
class Pool:
    """One pool as stored; the JSON columns are handed back as read."""

    id: str
    name: str
    ns_records: tuple[Mapping[str, Any], ...]
    """``{"hostname": "ns1.example.org.", "priority": 1}``, lowest priority first."""
    nameservers: tuple[Mapping[str, Any], ...]
    """``{"host": "127.0.0.1", "port": 53}``: polled for the served serial."""
    targets: tuple[Mapping[str, Any], ...]
    """``{"type": "bind9", "masters": [...], "options": {...}}``: where zones are provisioned."""
    also_notifies: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Pool:
        ns_records = sorted(row.ns_records, key=lambda ns: (ns["priority"], ns["hostname"]))
        return cls(
            id=row.id,
            name=row.name,
            ns_records=tuple(ns_records),
            nameservers=tuple(row.nameservers),
            targets=tuple(row.targets),
            also_notifies=tuple(row.also_notifies),
        )


async def get_pool(conn: AsyncConnection, pool_id: str) -> Pool | None:
    """The pool with ``pool_id``, or None."""
    row = (await conn.execute(select(pools).where(pools.c.id == pool_id))).first()
    return Pool.from_row(row) if row is not None else None


async def upsert_pool(conn: AsyncConnection, pool: Pool, now: datetime) -> None:
    """Write ``pool`` under its id: insert it, or replace the stored values. Idempotent."""
    values: dict[str, Any] = {
        "name": pool.name,
        "ns_records": [dict(ns) for ns in pool.ns_records],
        "nameservers": [dict(ns) for ns in pool.nameservers],
        "targets": [dict(target) for target in pool.targets],
        "also_notifies": [dict(entry) for entry in pool.also_notifies],
    }
    changed = await conn.execute(
        update(pools).where(pools.c.id == pool.id).values(**values, updated_at=now)
    )
    if changed.rowcount != 0:
        return
    try:
        # A savepoint, so that losing a race with another process starting up leaves the
        # surrounding transaction usable for the update that follows.
        async with conn.begin_nested():
            await conn.execute(
                pools.insert().values(id=pool.id, attributes={}, created_at=now, **values)
            )
    except IntegrityError:
        await conn.execute(
            update(pools).where(pools.c.id == pool.id).values(**values, updated_at=now)
        )
