"""Shared-zone rows: which projects a zone is shared with, and the scope terms that let a
project see the zones shared with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Share
from zonekeeper.storage import listing
from zonekeeper.storage.listing import Condition
from zonekeeper.storage.tables import recordsets, shared_zones, zones

LISTING = listing.Listing(
    table=shared_zones,
    id=shared_zones.c.id,
    filters={"target_project_id": listing.match(shared_zones.c.target_project_id)},
    sort_keys={
        "created_at": shared_zones.c.created_at,
        "id": shared_zones.c.id,
        "updated_at": shared_zones.c.updated_at,
    },
)


def from_row(row: Row[Any]) -> Share:
    return Share(
        id=row.id,
        zone_id=row.zone_id,
        project_id=row.project_id,
        target_project_id=row.target_project_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def insert_share(conn: AsyncConnection, share: Share) -> None:
    """Insert ``share``; raises DuplicateSharedZone when the zone is already shared with the
    target (the unique constraint decides, so two racing shares cannot both succeed)."""
    values = {
        "id": share.id,
        "zone_id": share.zone_id,
        "project_id": share.project_id,
        "target_project_id": share.target_project_id,
        "created_at": share.created_at,
        "updated_at": share.updated_at,
    }
    try:
        await conn.execute(insert(shared_zones).values(**values))
    except IntegrityError:
        raise errors.DuplicateSharedZone() from None


async def get(conn: AsyncConnection, zone_id: str, share_id: str) -> Share | None:
    stmt = select(shared_zones).where(
        shared_zones.c.id == share_id, shared_zones.c.zone_id == zone_id
    )
    row = (await conn.execute(stmt)).first()
    return from_row(row) if row is not None else None


async def delete_share(conn: AsyncConnection, share_id: str) -> None:
    await conn.execute(delete(shared_zones).where(shared_zones.c.id == share_id))


async def delete_zone_shares(conn: AsyncConnection, zone_id: str) -> None:
    await conn.execute(delete(shared_zones).where(shared_zones.c.zone_id == zone_id))


async def page(
    conn: AsyncConnection, zone_id: str, query: ListQuery
) -> tuple[list[Share], int | None]:
    scope = [shared_zones.c.zone_id == zone_id]
    rows, _ = await listing.page(conn, LISTING, shared_zones.select(), scope, query, False)
    return [from_row(row) for row in rows], None


async def is_shared_with(conn: AsyncConnection, zone_id: str, project_id: str) -> bool:
    stmt = select(
        exists().where(
            shared_zones.c.zone_id == zone_id, shared_zones.c.target_project_id == project_id
        )
    )
    return bool((await conn.execute(stmt)).scalar())


def shared_with(project_id: str) -> Condition:
    """Scope on ``zones``: the zones shared with ``project_id``."""
    targets = select(shared_zones.c.zone_id).where(shared_zones.c.target_project_id == project_id)
    return zones.c.id.in_(targets)


def is_shared() -> Any:
    """A column for ``zones`` selects: whether the zone is shared with any project."""
    return exists().where(shared_zones.c.zone_id == zones.c.id).label("shared")


async def owned_by_target(
    conn: AsyncConnection, zone_id: str, zone_name: str, project_id: str
) -> tuple[int, int]:
    """(recordsets, zones below) that ``project_id`` owns in or under the zone: what keeps a
    share from being removed."""
    in_zone = select(func.count()).where(
        recordsets.c.zone_id == zone_id, recordsets.c.project_id == project_id
    )
    below = select(func.count()).where(
        zones.c.name.endswith("." + zone_name, autoescape=True), zones.c.project_id == project_id
    )
    row = (await conn.execute(select(in_zone.scalar_subquery(), below.scalar_subquery()))).one()
    return int(row[0]), int(row[1])
