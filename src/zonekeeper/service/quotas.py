"""Quotas: the configured defaults, overridden per project by rows of the ``quotas`` table;
checking them on writes, and reading, setting and resetting them (``/v2/quotas``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.domain.models import Zone
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import quotas as quota_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import quotas

UNLIMITED = -1
RESOURCES = ("api_export_size", "recordset_records", "zone_records", "zone_recordsets", "zones")
"""Every quota, in the order Designate renders them."""


def enforce(resource: str, limit: int, wanted: int) -> None:
    """Raises OverQuota when ``wanted`` units of ``resource`` exceed ``limit``."""
    if limit != UNLIMITED and wanted > limit:
        raise errors.OverQuota(f"Quota exceeded for {resource}.")


def _limit(settings: Settings, project_id: str, resource: str) -> ColumnElement[int]:
    """SQL for the project's limit of ``resource``: its ``quotas`` row, else the setting."""
    override = select(quotas.c.hard_limit).where(
        quotas.c.project_id == project_id, quotas.c.resource == resource
    )
    return func.coalesce(override.scalar_subquery(), getattr(settings.quotas, resource))


def _used(limit: ColumnElement[int], count: Any) -> ColumnElement[int | None]:
    """SQL counting only under a limit: a large unlimited zone is never counted."""
    return case((limit == UNLIMITED, None), else_=count)


async def check_zones(conn: AsyncConnection, settings: Settings, project_id: str) -> None:
    """Raises OverQuota when ``project_id`` may not own one zone more. The managed-resource
    project (reverse zones made for floating-IP PTRs) has no zone quota: its zones are made
    on tenants' behalf, one per /24, and a quota there would refuse tenants' PTRs."""
    if project_id == settings.network_api.managed_resource_project_id:
        return
    limit = (await conn.execute(select(_limit(settings, project_id, "zones")))).scalar_one()
    if limit != UNLIMITED:
        enforce("zones", limit, await zone_rows.count_for_project(conn, project_id) + 1)


async def check_records(
    conn: AsyncConnection,
    settings: Settings,
    zone: Zone,
    *,
    recordsets_added: int,
    records_added: int,
    recordset_records: int,
) -> None:
    """Raises OverQuota when the zone would get ``recordsets_added`` more recordsets and
    ``records_added`` more unmanaged records, or one recordset ``recordset_records`` records.
    A change that shrinks the zone passes even past a since-lowered quota. One small statement
    for the project's overrides; the zone is counted only under a limit it grows against (with
    quotas off, a create counts nothing)."""
    overrides = await quota_rows.overrides(conn, zone.project_id)
    limit_of = {
        resource: overrides.get(resource, getattr(settings.quotas, resource))
        for resource in ("zone_recordsets", "zone_records", "recordset_records")
    }
    enforce("recordset_records", limit_of["recordset_records"], recordset_records)
    counts = {
        "zone_recordsets": (recordsets_added, recordset_rows.count_in_zone),
        "zone_records": (records_added, recordset_rows.count_unmanaged_records),
    }
    for resource, (added, count) in counts.items():
        if added > 0 and limit_of[resource] != UNLIMITED:
            used = (await conn.execute(select(count(zone.id)))).scalar_one()
            enforce(resource, limit_of[resource], used + added)


async def get(ctx: RequestContext, env: ServiceEnv, project_id: str) -> dict[str, int]:
    """Every quota of ``project_id``: its overrides, else the configured defaults. Raises
    Forbidden unless it is the caller's project or the caller acts on all projects (and may
    read: ``get_quotas``)."""
    _check_project(ctx, "get_quotas", project_id)
    return await _current(env, project_id)


async def set_limits(
    ctx: RequestContext,
    env: ServiceEnv,
    project_id: str,
    limits: Mapping[str, int],
    token: str | None,
) -> dict[str, int]:
    """Override the given quotas of ``project_id`` (keys of RESOURCES, values -1 or more,
    checked by the caller) and return them all. Raises Forbidden (``set_quota``: admins; another
    project needs all-projects too) and InvalidProject when Keystone says the project does not
    exist."""
    _check_project(ctx, "set_quota", project_id)
    if env.projects is not None and not await env.projects.exists(project_id, token):
        raise errors.InvalidProject(f"{project_id} is not a valid project ID.")
    async with env.db.transaction() as conn:
        await quota_rows.set_limits(conn, project_id, limits)
    return await get(ctx, env, project_id)


async def reset(ctx: RequestContext, env: ServiceEnv, project_id: str) -> None:
    """Drop every override of ``project_id``. Raises Forbidden (``reset_quotas``: admins)."""
    policy.enforce(ctx, "reset_quotas", policy.project_target(ctx, project_id))
    async with env.db.transaction() as conn:
        await quota_rows.reset(conn, project_id)


async def limits(ctx: RequestContext, env: ServiceEnv) -> dict[str, int]:
    """The caller's own quotas (``/v2/limits`` checks no policy: any caller may see its own)."""
    return await _current(env, ctx.project_id)


async def _current(env: ServiceEnv, project_id: str) -> dict[str, int]:
    async with env.db.read() as conn:
        overrides = await quota_rows.overrides(conn, project_id)
    return {resource: overrides.get(resource, _default(env, resource)) for resource in RESOURCES}


def _check_project(ctx: RequestContext, rule: str, project_id: str) -> None:
    policy.enforce(ctx, rule, policy.project_target(ctx, project_id))
    if project_id != ctx.project_id and not ctx.all_projects:
        raise errors.Forbidden()


def _default(env: ServiceEnv, resource: str) -> int:
    value = getattr(env.settings.quotas, resource)
    assert isinstance(value, int)
    return value


async def check_export(conn: AsyncConnection, settings: Settings, zone: Zone) -> None:
    """Raises OverQuota when the zone has more recordsets than its project's
    ``api_export_size`` allows in one export."""
    limit = _limit(settings, zone.project_id, "api_export_size")
    size = recordset_rows.count_in_zone(zone.id)
    found_limit, found_size = (await conn.execute(select(limit, _used(limit, size)))).one()
    if found_size is not None:
        enforce("api_export_size", found_limit, found_size)
