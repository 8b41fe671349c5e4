"""Aggregate reads for the metrics scraped from the database (docs/metrics.md): each one
query, answered from indexes or small tables, cheap enough to run on every scrape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import Status
from zonekeeper.storage.tables import nameserver_states, pools, target_states, zones

WAITING = (Status.PENDING.value, Status.ERROR.value)


@dataclass(frozen=True, slots=True)
class ZoneCounts:
    pending_older_than: dict[int, int]
    """Seconds -> PENDING zones whose last change is older than that."""
    error: int
    due: int
    """PENDING or ERROR zones whose next attempt is due now."""
    oldest_due: datetime | None


@dataclass(frozen=True, slots=True)
class ServerFigures:
    """One nameserver (``host:port``) or target (its pool description) of one pool."""

    pool: str
    server: str
    failing: int
    """Zones it was last found not serving (nameserver) or failing to provision (target)."""
    oldest_failing_change: datetime | None
    last_success: datetime | None


async def zone_counts(conn: AsyncConnection, now: datetime, ages: Sequence[int]) -> ZoneCounts:
    changed = func.coalesce(zones.c.updated_at, zones.c.created_at)
    pending = zones.c.status == Status.PENDING.value
    due = and_(zones.c.status.in_(WAITING), zones.c.next_attempt_at <= now)
    columns = [
        *(_count(and_(pending, changed < now - timedelta(seconds=age))) for age in ages),
        _count(zones.c.status == Status.ERROR.value),
        _count(due),
        func.min(case((due, zones.c.next_attempt_at))),
    ]
    row = (await conn.execute(select(*columns).where(zones.c.status.in_(WAITING)))).one()
    counts = [int(value or 0) for value in row[: len(ages) + 2]]
    return ZoneCounts(
        pending_older_than=dict(zip(ages, counts, strict=False)),
        error=counts[len(ages)],
        due=counts[len(ages) + 1],
        oldest_due=row[-1],
    )


async def nameservers(conn: AsyncConnection) -> list[ServerFigures]:
    """Per pool and nameserver, from each zone's last check (``nameserver_states``)."""
    behind = nameserver_states.c.status != Status.ACTIVE.value
    changed = func.coalesce(zones.c.updated_at, zones.c.created_at)
    stmt = (
        select(
            pools.c.name,
            nameserver_states.c.host,
            nameserver_states.c.port,
            _count(behind),
            func.min(case((behind, changed))),
            func.max(case((~behind, nameserver_states.c.checked_at))),
        )
        .join(zones, zones.c.id == nameserver_states.c.zone_id)
        .join(pools, pools.c.id == zones.c.pool_id)
        .group_by(pools.c.name, nameserver_states.c.host, nameserver_states.c.port)
    )
    return [
        ServerFigures(pool, _hostport(host, port), int(n or 0), oldest, last)
        for pool, host, port, n, oldest, last in await conn.execute(stmt)
    ]


async def targets(conn: AsyncConnection) -> list[ServerFigures]:
    """Per pool and target, from each zone's last provisioning (``target_states``)."""
    failing = target_states.c.status != Status.ACTIVE.value
    changed = func.coalesce(zones.c.updated_at, zones.c.created_at)
    stmt = (
        select(
            pools.c.name,
            target_states.c.target,
            _count(failing),
            func.min(case((failing, changed))),
            func.max(case((~failing, target_states.c.checked_at))),
        )
        .join(zones, zones.c.id == target_states.c.zone_id)
        .join(pools, pools.c.id == zones.c.pool_id)
        .group_by(pools.c.name, target_states.c.target)
    )
    return [
        ServerFigures(pool, target, int(n or 0), oldest, last)
        for pool, target, n, oldest, last in await conn.execute(stmt)
    ]


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
