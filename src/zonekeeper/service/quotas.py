"""Quotas: the configured defaults, overridden per project by rows of the ``quotas`` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.domain.models import MANAGED_PROJECT_ID, Zone
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import quotas

UNLIMITED = -1


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
    if project_id == MANAGED_PROJECT_ID:
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
    A change that shrinks the zone passes even past a since-lowered quota. One statement."""
    limits = {
        resource: _limit(settings, zone.project_id, resource)
        for resource in ("zone_recordsets", "zone_records", "recordset_records")
    }
    used = {
        "zone_recordsets": _used(limits["zone_recordsets"], recordset_rows.count_in_zone(zone.id)),
        "zone_records": _used(
            limits["zone_records"], recordset_rows.count_unmanaged_records(zone.id)
        ),
    }
    row = (await conn.execute(select(*limits.values(), *used.values()))).one()
    limit_of = dict(zip(limits, row[:3], strict=True))
    used_of = dict(zip(used, row[3:], strict=True))
    enforce("recordset_records", limit_of["recordset_records"], recordset_records)
    growth = {"zone_recordsets": recordsets_added, "zone_records": records_added}
    for resource, added in growth.items():
        if added > 0 and used_of[resource] is not None:
            enforce(resource, limit_of[resource], used_of[resource] + added)


async def check_export(conn: AsyncConnection, settings: Settings, zone: Zone) -> None:
    """Raises OverQuota when the zone has more recordsets than its project's
    ``api_export_size`` allows in one export."""
    limit = _limit(settings, zone.project_id, "api_export_size")
    size = recordset_rows.count_in_zone(zone.id)
    found_limit, found_size = (await conn.execute(select(limit, _used(limit, size)))).one()
    if found_size is not None:
        enforce("api_export_size", found_limit, found_size)
