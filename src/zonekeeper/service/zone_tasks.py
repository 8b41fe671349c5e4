"""What imports and exports share: a new task row, and reading, listing and deleting them
within the caller's project (another project's task does not exist to the caller: 404)."""

from __future__ import annotations

import uuid

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Page, TaskStatus, TaskType, ZoneTask
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import zone_tasks as task_rows

_RULES = {
    TaskType.IMPORT: ("get_zone_import", "find_zone_imports", "delete_zone_import"),
    TaskType.EXPORT: ("get_zone_export", "find_zone_exports", "delete_zone_export"),
}
"""Designate's rules for reading, listing and deleting each kind of task."""

_NOT_FOUND = {
    TaskType.IMPORT: errors.ZoneImportNotFound,
    TaskType.EXPORT: errors.ZoneExportNotFound,
}


def new_task(
    ctx: RequestContext, env: ServiceEnv, task_type: TaskType, zone_id: str | None
) -> ZoneTask:
    """A PENDING task of the caller's project (not yet written)."""
    return ZoneTask(
        id=str(uuid.uuid4()),
        task_type=task_type,
        project_id=ctx.project_id,
        zone_id=zone_id,
        status=TaskStatus.PENDING,
        message=None,
        location=None,
        version=1,
        created_at=env.now(),
        updated_at=None,
    )


def visible(ctx: RequestContext, task: ZoneTask | None, task_type: TaskType) -> ZoneTask:
    """``task`` if the caller may see it, else raises Zone{Import,Export}NotFound."""
    if task is None or not (ctx.all_projects or task.project_id == ctx.project_id):
        raise _NOT_FOUND[task_type]()
    return task


async def get(ctx: RequestContext, env: ServiceEnv, task_id: str, task_type: TaskType) -> ZoneTask:
    policy.enforce(ctx, _RULES[task_type][0], policy.project_target(ctx))
    async with env.db.read() as conn:
        return visible(ctx, await task_rows.get(conn, task_id, task_type), task_type)


async def list(
    ctx: RequestContext, env: ServiceEnv, task_type: TaskType, query: ListQuery
) -> Page[ZoneTask]:
    policy.enforce(ctx, _RULES[task_type][1], policy.project_target(ctx))
    scope = [] if ctx.all_projects else [task_rows.of_project(ctx.project_id)]
    async with env.db.read() as conn:
        items, total = await task_rows.page(conn, task_type, scope, query)
    return Page(items=items, total_count=total)


async def delete(ctx: RequestContext, env: ServiceEnv, task_id: str, task_type: TaskType) -> None:
    policy.enforce(ctx, _RULES[task_type][2], policy.project_target(ctx))
    async with env.db.transaction() as conn:
        visible(ctx, await task_rows.get(conn, task_id, task_type), task_type)
        await task_rows.delete_task(conn, task_id)
