"""TLDs (``/v2/tlds``, admin only): while any exists, a new zone must sit under one of them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import admin_resources, errors
from zonekeeper.domain.admin_resources import Tld
from zonekeeper.domain.models import ListQuery
from zonekeeper.service import catalog
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import admin_rows, listing
from zonekeeper.storage.tables import tlds


def _from_row(row: Row[Any]) -> Tld:
    return Tld(row.id, row.name, row.description, row.created_at, row.updated_at)


KIND = catalog.Kind(
    table=tlds,
    listing=listing.Listing(
        table=tlds,
        id=tlds.c.id,
        filters={"name": listing.match(tlds.c.name, str.lower)},
        sort_keys={key: tlds.c[key] for key in ("created_at", "id", "updated_at", "name")},
    ),
    from_row=_from_row,
    not_found=errors.TldNotFound,
    duplicate=errors.DuplicateTld,
    rule="tld",
)


def _columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    columns = {key: fields[key] for key in ("name", "description") if key in fields}
    if "name" in columns:
        columns["name"] = admin_resources.tld_name(str(columns["name"]))
    return columns


async def list(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> builtins.list[Tld]:
    return await catalog.list(KIND, ctx, env, query)


async def get(ctx: RequestContext, env: ServiceEnv, tld_id: str) -> Tld:
    return await catalog.get(KIND, ctx, env, tld_id)


async def create(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> Tld:
    """Raises Forbidden, InvalidObject (name), DuplicateTld."""
    return await catalog.create(KIND, ctx, env, _columns(fields))


async def update(
    ctx: RequestContext, env: ServiceEnv, tld_id: str, fields: Mapping[str, Any]
) -> Tld:
    """Change name and/or description. Raises Forbidden, TldNotFound, InvalidObject,
    DuplicateTld."""
    return await catalog.update(KIND, ctx, env, tld_id, lambda _: _columns(fields))


async def delete(ctx: RequestContext, env: ServiceEnv, tld_id: str) -> None:
    await catalog.delete(KIND, ctx, env, tld_id)


async def check_zone_name(conn: AsyncConnection, zone_name: str) -> None:
    """Raises InvalidZoneName ("Invalid TLD") when TLDs exist and none is a suffix of the new
    zone's ``zone_name``, or when it is a TLD itself."""
    admin_resources.check_tld(zone_name, await admin_rows.column(conn, tlds, "name"))
