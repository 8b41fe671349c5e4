"""Zone import and export rows (``zone_tasks``), and their lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import ListQuery, TaskStatus, TaskType, ZoneTask
from zonekeeper.storage import listing
from zonekeeper.storage.listing import Condition
from zonekeeper.storage.tables import zone_tasks

LISTING = listing.Listing(
    table=zone_tasks,
    id=zone_tasks.c.id,
    filters={
        "status": listing.match(zone_tasks.c.status, str.upper),
        "message": listing.match(zone_tasks.c.message),
        "zone_id": listing.match(zone_tasks.c.zone_id, str.lower),
    },
    sort_keys={
        "created_at": zone_tasks.c.created_at,
        "id": zone_tasks.c.id,
        "updated_at": zone_tasks.c.updated_at,
    },
)


def from_row(row: Row[Any]) -> ZoneTask:
    return ZoneTask(
        id=row.id,
        task_type=TaskType(row.task_type),
        project_id=row.project_id,
        zone_id=row.zone_id,
        status=TaskStatus(row.status),
        message=row.message,
        location=row.location,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_row(task: ZoneTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "task_type": task.task_type.value,
        "project_id": task.project_id,
        "zone_id": task.zone_id,
        "status": task.status.value,
        "message": task.message,
        "location": task.location,
        "version": task.version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


async def insert_task(conn: AsyncConnection, task: ZoneTask) -> None:
    await conn.execute(insert(zone_tasks).values(**to_row(task)))


async def get(conn: AsyncConnection, task_id: str, task_type: TaskType) -> ZoneTask | None:
    """The import or export ``task_id`` (None when absent or of the other type)."""
    stmt = select(zone_tasks).where(
        zone_tasks.c.id == task_id, zone_tasks.c.task_type == task_type.value
    )
    row = (await conn.execute(stmt)).first()
    return from_row(row) if row is not None else None


async def update_task(conn: AsyncConnection, task_id: str, values: Mapping[str, Any]) -> None:
    """Set ``values`` on the task; ``version`` goes up by one."""
    stmt = update(zone_tasks).where(zone_tasks.c.id == task_id)
    await conn.execute(stmt.values(**values, version=zone_tasks.c.version + 1))


async def delete_task(conn: AsyncConnection, task_id: str) -> None:
    await conn.execute(delete(zone_tasks).where(zone_tasks.c.id == task_id))


async def page(
    conn: AsyncConnection, task_type: TaskType, scope: Sequence[Condition], query: ListQuery
) -> tuple[list[ZoneTask], int | None]:
    """One page of the imports or exports in ``scope`` (see ``listing.page``)."""
    of_type = zone_tasks.c.task_type == task_type.value
    rows, total = await listing.page(conn, LISTING, zone_tasks.select(), [of_type, *scope], query)
    return [from_row(row) for row in rows], total


def of_project(project_id: str) -> Condition:
    """Scope: the tasks ``project_id`` started."""
    return zone_tasks.c.project_id == project_id
