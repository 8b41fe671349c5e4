"""TLDs (``/v2/tlds``, admin only): while any exists, a new zone must sit under one of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import admin_resources, errors
from zonekeeper.domain.admin_resources import Tld
from zonekeeper.service import catalog
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


RESOURCE = catalog.Resource(KIND, _columns)
"""List, get, create (raises InvalidObject for a bad name, DuplicateTld), update, delete."""


async def check_zone_name(conn: AsyncConnection, zone_name: str) -> None:
    """Raises InvalidZoneName ("Invalid TLD") when TLDs exist and none is a suffix of the new
    zone's ``zone_name``, or when it is a TLD itself."""
    admin_resources.check_tld(zone_name, await admin_rows.column(conn, tlds, "name"))
