"""Zone exports: a task that says a zone may be exported, and the zone file itself, rendered
from the database while it is sent (never held whole in memory).

As in Designate (``export_synchronous``), the file is not stored: :func:`finish` marks the
export COMPLETE with its ``designate://`` location, and each download renders the zone as it
is at that moment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from zonekeeper.domain import errors, zonefile
from zonekeeper.domain.models import ListQuery, Page, TaskStatus, TaskType, Zone, ZoneTask
from zonekeeper.service import policy, quotas, zone_tasks
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zone_tasks as task_rows
from zonekeeper.storage import zones as zone_rows

LOCATION = "designate://v2/zones/tasks/exports/{id}/export"
HEADER_LINES = 3
"""Lines of a file before its records: $ORIGIN, $TTL and a blank line."""


async def create(ctx: RequestContext, env: ServiceEnv, zone_id: str) -> ZoneTask:
    """Record a PENDING export of the zone; :func:`finish` completes it. Raises Forbidden
    (also for a zone only shared with the caller), ZoneNotFound, and OverQuota when the zone
    has more recordsets than the ``api_export_size`` quota."""
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id, "create_zone_export")
        await quotas.check_export(conn, env.settings, zone)
        task = zone_tasks.new_task(ctx, env, TaskType.EXPORT, zone.id)
        await task_rows.insert_task(conn, task)
    return task


async def finish(env: ServiceEnv, task_id: str) -> None:
    """Complete the export: COMPLETE with its location, or ERROR when its zone is gone (or
    going). Idempotent; an export deleted meanwhile is left alone."""
    async with env.db.transaction() as conn:
        task = await task_rows.get(conn, task_id, TaskType.EXPORT)
        if task is None or task.status is not TaskStatus.PENDING:
            return
        zone = await zone_rows.get(conn, task.zone_id) if task.zone_id else None
        values: dict[str, object] = {"updated_at": env.now()}
        if zone is None:
            values |= {"status": TaskStatus.ERROR.value, "message": "Could not find Zone"}
        else:
            location = LOCATION.format(id=task.id)
            values |= {"status": TaskStatus.COMPLETE.value, "location": location}
        await task_rows.update_task(conn, task.id, values)


async def get(ctx: RequestContext, env: ServiceEnv, task_id: str) -> ZoneTask:
    """The export; raises Forbidden or ZoneExportNotFound (also another project's)."""
    return await zone_tasks.get(ctx, env, task_id, TaskType.EXPORT)


async def list(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[ZoneTask]:
    """One page of the caller's exports (every project's with all-projects)."""
    return await zone_tasks.list(ctx, env, TaskType.EXPORT, query)


async def delete(ctx: RequestContext, env: ServiceEnv, task_id: str) -> None:
    """Forget the export. Raises Forbidden or ZoneExportNotFound."""
    await zone_tasks.delete(ctx, env, task_id, TaskType.EXPORT)


async def zone_of(ctx: RequestContext, env: ServiceEnv, task_id: str) -> Zone:
    """The zone a COMPLETE export of the caller's stands for, before streaming its file.
    Raises Forbidden, ZoneExportNotFound, BadRequest (not COMPLETE) or ZoneNotFound (the zone
    was deleted since)."""
    task = await get(ctx, env, task_id)
    policy.enforce(ctx, "zone_export", policy.project_target(ctx))
    if task.status is not TaskStatus.COMPLETE or task.zone_id is None:
        raise errors.BadRequest("Zone can not be exported synchronously")
    async with env.db.read() as conn:
        zone = await zone_rows.get(conn, task.zone_id)
    if zone is None:
        raise errors.ZoneNotFound()
    return zone


async def record_count(env: ServiceEnv, zone: Zone) -> int:
    """How many records (lines after the header) the zone's file has now."""
    async with env.db.read() as conn:
        return await recordset_rows.count_records(conn, zone.id)


async def render(env: ServiceEnv, zone: Zone, chunk_lines: int = 2000) -> AsyncIterator[str]:
    """The zone file of ``zone``, in pieces of up to ``chunk_lines`` lines, read from the
    database as they are sent."""
    yield zonefile.export_header(zone.name, zone.ttl)
    async with env.db.read() as conn:
        async for rows in recordset_rows.stream_served(conn, zone, chunk_lines):
            yield "".join(zonefile.export_lines(rows))
