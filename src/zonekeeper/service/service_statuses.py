"""Reading the processes' heartbeats (``/v2/service_statuses``, admin only), as
``openstack dns service list`` shows them. Writing them is ``service.statuses``'s job."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import admin_rows, listing
from zonekeeper.storage.tables import service_statuses as table

LISTING = listing.Listing(
    table=table,
    id=table.c.id,
    filters={
        "hostname": listing.match(table.c.hostname),
        "service_name": listing.match(table.c.service_name),
        "status": listing.match(table.c.status, str.upper),
    },
    sort_keys={
        key: table.c[key]
        for key in ("created_at", "id", "updated_at", "hostname", "service_name", "status")
    },
)


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """One process role's last heartbeat."""

    id: str
    hostname: str
    service_name: str
    status: str
    stats: dict[str, Any]
    capabilities: dict[str, Any]
    heartbeated_at: datetime
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ServiceStatus:
        return cls(
            id=row.id,
            hostname=row.hostname,
            service_name=row.service_name,
            status=row.status,
            stats=dict(row.stats),
            capabilities=dict(row.capabilities),
            heartbeated_at=row.heartbeated_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


async def list(
    ctx: RequestContext, env: ServiceEnv, query: ListQuery
) -> builtins.list[ServiceStatus]:
    """One page of heartbeats. Raises Forbidden (admins only), BadRequest (filters),
    InvalidSortKey, InvalidSortDir, MarkerNotFound."""
    policy.enforce(ctx, "find_service_statuses")
    async with env.db.read() as conn:
        rows = await admin_rows.page(conn, LISTING, query)
    return [ServiceStatus.from_row(row) for row in rows]


async def get(ctx: RequestContext, env: ServiceEnv, status_id: str) -> ServiceStatus:
    """One heartbeat; raises Forbidden or ServiceStatusNotFound."""
    policy.enforce(ctx, "find_service_status")
    async with env.db.read() as conn:
        row = await admin_rows.get(conn, table, status_id)
    if row is None:
        raise errors.ServiceStatusNotFound()
    return ServiceStatus.from_row(row)
