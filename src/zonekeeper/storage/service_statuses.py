"""Heartbeats of running processes (Designate's service_statuses)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage.tables import service_statuses


async def heartbeat(
    conn: AsyncConnection,
    service_name: str,
    hostname: str,
    status: str,
    stats: dict[str, Any],
    now: datetime,
) -> None:
    """Insert or refresh the row of (service_name, hostname)."""
    values = {"status": status, "stats": stats, "heartbeated_at": now, "updated_at": now}
    result = await conn.execute(
        update(service_statuses)
        .where(
            service_statuses.c.service_name == service_name,
            service_statuses.c.hostname == hostname,
        )
        .values(**values)
    )
    if result.rowcount == 0:
        await conn.execute(
            service_statuses.insert().values(
                id=str(uuid.uuid4()),
                service_name=service_name,
                hostname=hostname,
                capabilities={},
                created_at=now,
                **values,
            )
        )


async def all_rows(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(select(service_statuses).order_by(service_statuses.c.created_at))
    return [dict(row._mapping) for row in rows]
