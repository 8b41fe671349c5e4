"""TSIG keys (``/v2/tsigkeys``, admin only), each scoped to one pool or one zone that must
exist: it is locked while the key is written, so it cannot be deleted under the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.admin_resources import TsigKey
from zonekeeper.service import catalog, policy
from zonekeeper.storage import admin_rows, listing
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.tables import pools, tsigkeys

FIELDS = ("name", "algorithm", "secret", "scope", "resource_id")


def _from_row(row: Row[Any]) -> TsigKey:
    return TsigKey(
        id=row.id,
        name=row.name,
        algorithm=row.algorithm,
        secret=row.secret,
        scope=row.scope,
        resource_id=row.resource_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


KIND = catalog.Kind(
    table=tsigkeys,
    listing=listing.Listing(
        table=tsigkeys,
        id=tsigkeys.c.id,
        filters={
            "name": listing.match(tsigkeys.c.name),
            "algorithm": listing.match(tsigkeys.c.algorithm, str.lower),
            "scope": listing.match(tsigkeys.c.scope, str.upper),
        },
        sort_keys={key: tsigkeys.c[key] for key in ("created_at", "id", "updated_at", "name")},
    ),
    from_row=_from_row,
    not_found=errors.TsigKeyNotFound,
    duplicate=errors.DuplicateTsigKey,
    rule="tsigkey",
)


def _columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields; an empty secret is refused (Designate's gate setting
    ``allow_empty_secrets_for_tsig = False``: an empty key signs nothing)."""
    reasons = policy.Reasons()
    if fields.get("secret") == "":
        reasons.invalid("secret", "'' is too short")
    reasons.raise_any()
    columns = {key: fields[key] for key in FIELDS if key in fields}
    if "resource_id" in columns:
        columns["resource_id"] = str(columns["resource_id"]).lower()
    return columns


async def _resource_exists(conn: AsyncConnection, key: Mapping[str, Any]) -> None:
    """Raises InvalidTsigKey unless the key's pool or zone exists; locks it till the commit."""
    resource_id = str(key["resource_id"])
    if key["scope"] == "ZONE":
        if await zone_rows.lock(conn, resource_id) is None:
            raise errors.InvalidTsigKey(f"Resource ID {resource_id} is not a valid zone")
    elif await admin_rows.lock(conn, pools, resource_id) is None:
        raise errors.InvalidTsigKey(f"Resource ID {resource_id} is not a valid pool")


RESOURCE = catalog.Resource(KIND, _columns, _resource_exists)
"""List, get, create and update (raise InvalidObject for an empty secret, InvalidTsigKey when
the pool or zone does not exist, DuplicateTsigKey for a taken name), delete."""
