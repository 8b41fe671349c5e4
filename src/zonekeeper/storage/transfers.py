"""Zone transfer request and accept rows, and moving a zone to another project."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain.models import ListQuery
from zonekeeper.domain.models import TransferAccept as Accept
from zonekeeper.domain.models import TransferRequest as Request
from zonekeeper.storage import listing
from zonekeeper.storage.listing import Condition
from zonekeeper.storage.tables import (
    recordsets,
    shared_zones,
    zone_transfer_accepts,
    zone_transfer_requests,
    zones,
)

_REQUESTS = select(zone_transfer_requests, zones.c.name.label("zone_name")).select_from(
    zone_transfer_requests.join(zones, zone_transfer_requests.c.zone_id == zones.c.id)
)

REQUEST_LISTING = listing.Listing(
    table=zone_transfer_requests,
    id=zone_transfer_requests.c.id,
    filters={"status": listing.match(zone_transfer_requests.c.status, str.upper)},
    sort_keys={
        "created_at": zone_transfer_requests.c.created_at,
        "id": zone_transfer_requests.c.id,
        "updated_at": zone_transfer_requests.c.updated_at,
    },
)

ACCEPT_LISTING = listing.Listing(
    table=zone_transfer_accepts,
    id=zone_transfer_accepts.c.id,
    filters={"status": listing.match(zone_transfer_accepts.c.status, str.upper)},
    sort_keys={
        "created_at": zone_transfer_accepts.c.created_at,
        "id": zone_transfer_accepts.c.id,
        "updated_at": zone_transfer_accepts.c.updated_at,
    },
)


def _request(row: Row[Any]) -> Request:
    return Request(
        id=row.id,
        zone_id=row.zone_id,
        zone_name=row.zone_name,
        project_id=row.project_id,
        target_project_id=row.target_project_id,
        key=row.key,
        description=row.description,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _accept(row: Row[Any]) -> Accept:
    return Accept(
        id=row.id,
        zone_transfer_request_id=row.zone_transfer_request_id,
        zone_id=row.zone_id,
        project_id=row.project_id,
        key=row.key,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def insert_request(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(zone_transfer_requests).values(**values))


async def get_request(conn: AsyncConnection, request_id: str, lock: bool = False) -> Request | None:
    """The request, with its zone's name; ``lock`` holds its row until the transaction ends."""
    stmt = _REQUESTS.where(zone_transfer_requests.c.id == request_id)
    if lock:
        stmt = stmt.with_for_update(of=zone_transfer_requests)
    row = (await conn.execute(stmt)).first()
    return _request(row) if row is not None else None


async def active_request_of(conn: AsyncConnection, zone_id: str) -> str | None:
    """The id of the zone's ACTIVE request, if it has one."""
    stmt = select(zone_transfer_requests.c.id).where(
        zone_transfer_requests.c.zone_id == zone_id, zone_transfer_requests.c.status == "ACTIVE"
    )
    return (await conn.execute(stmt)).scalars().first()


async def update_request(conn: AsyncConnection, request_id: str, values: Mapping[str, Any]) -> None:
    stmt = update(zone_transfer_requests).where(zone_transfer_requests.c.id == request_id)
    await conn.execute(stmt.values(**values))


async def delete_request(conn: AsyncConnection, request_id: str) -> None:
    await conn.execute(
        delete(zone_transfer_requests).where(zone_transfer_requests.c.id == request_id)
    )


def requests_seen_by(project_id: str) -> Condition:
    """Scope: the requests ``project_id`` made or is the target of (Designate's list)."""
    return or_(
        zone_transfer_requests.c.project_id == project_id,
        zone_transfer_requests.c.target_project_id == project_id,
    )


async def request_page(
    conn: AsyncConnection, scope: list[Condition], query: ListQuery
) -> list[Request]:
    rows, _ = await listing.page(conn, REQUEST_LISTING, _REQUESTS, scope, query, False)
    return [_request(row) for row in rows]


async def insert_accept(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(zone_transfer_accepts).values(**values))


async def get_accept(conn: AsyncConnection, accept_id: str) -> Accept | None:
    stmt = select(zone_transfer_accepts).where(zone_transfer_accepts.c.id == accept_id)
    row = (await conn.execute(stmt)).first()
    return _accept(row) if row is not None else None


async def accept_page(
    conn: AsyncConnection, scope: list[Condition], query: ListQuery
) -> tuple[list[Accept], int | None]:
    rows, total = await listing.page(
        conn, ACCEPT_LISTING, zone_transfer_accepts.select(), scope, query
    )
    return [_accept(row) for row in rows], total


def accepts_of(project_id: str) -> Condition:
    """Scope: the accepts ``project_id`` made."""
    return zone_transfer_accepts.c.project_id == project_id


async def move_zone(conn: AsyncConnection, zone_id: str, project_id: str, now: datetime) -> None:
    """Give the zone and its recordsets to ``project_id``. Managed records keep their
    ``managed_*`` columns (the sink still finds them by resource); a share with the new
    owner has no meaning any more and goes."""
    await conn.execute(
        update(zones)
        .where(zones.c.id == zone_id)
        .values(project_id=project_id, updated_at=now, version=zones.c.version + 1)
    )
    await conn.execute(
        update(recordsets).where(recordsets.c.zone_id == zone_id).values(project_id=project_id)
    )
    await conn.execute(
        delete(shared_zones).where(
            shared_zones.c.zone_id == zone_id, shared_zones.c.target_project_id == project_id
        )
    )
