"""Blacklists (``/v2/blacklists``, admin only): patterns refusing new zone names, unless the
caller may ``use_blacklisted_zone`` (admins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import admin_resources, errors
from zonekeeper.domain.admin_resources import Blacklist
from zonekeeper.service import catalog, policy
from zonekeeper.service.context import RequestContext
from zonekeeper.storage import admin_rows, listing
from zonekeeper.storage.tables import blacklists


def _from_row(row: Row[Any]) -> Blacklist:
    return Blacklist(row.id, row.pattern, row.description, row.created_at, row.updated_at)


KIND = catalog.Kind(
    table=blacklists,
    listing=listing.Listing(
        table=blacklists,
        id=blacklists.c.id,
        filters={"pattern": listing.match(blacklists.c.pattern)},
        sort_keys={key: blacklists.c[key] for key in ("created_at", "id", "updated_at", "pattern")},
    ),
    from_row=_from_row,
    not_found=errors.BlacklistNotFound,
    duplicate=errors.DuplicateBlacklist,
    rule="blacklist",
)


def _columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    columns = {key: fields[key] for key in ("pattern", "description") if key in fields}
    if "pattern" in columns:
        columns["pattern"] = admin_resources.blacklist_pattern(str(columns["pattern"]))
    return columns


RESOURCE = catalog.Resource(KIND, _columns)
"""List, get, create (raises InvalidObject for a pattern that does not compile,
DuplicateBlacklist), update, delete."""


async def check_zone_name(conn: AsyncConnection, ctx: RequestContext, zone_name: str) -> None:
    """Raises InvalidZoneName ("Blacklisted zone name") when a pattern is found in the new
    zone's ``zone_name`` and the caller may not override it (``use_blacklisted_zone``)."""
    if policy.check(ctx, "use_blacklisted_zone"):
        return
    patterns = await admin_rows.column(conn, blacklists, "pattern")
    if admin_resources.blacklisted(zone_name, patterns):
        raise errors.InvalidZoneName("Blacklisted zone name")
