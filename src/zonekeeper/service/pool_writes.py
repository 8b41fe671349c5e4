"""Pool writes through the API (Designate 23's deprecated ``POST``/``PATCH``/``DELETE
/v2/pools``), made with the same plan and writes as ``zonekeeper pool update``
(``pools.apply_in``): a changed ``ns_records`` rewrites every zone of the pool, a pool that
still holds zones (or the default pool) cannot be deleted.

The API sees a pool's name, description, attributes, ns_records and project_id; its targets,
nameservers and also-notifies stay as ``pools.yaml`` set them (a pool created here has none
until then).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.pools import PoolSpec
from zonekeeper.service import policy, pools
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import admin_rows
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage.tables import pools as pools_table

API_FIELDS: Final = ("name", "description", "attributes", "ns_records")
"""What the API may write of a pool (besides ``project_id``)."""


async def create(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> pools.Pool:
    """A new pool with no targets. Raises Forbidden, InvalidObject (name, ns_records, ...),
    DuplicatePool (name taken)."""
    policy.enforce(ctx, "create_pool")
    spec = dataclasses.replace(_spec(fields), id=str(uuid.uuid4()))
    row = dataclasses.replace(pools.row_of(spec), project_id=fields.get("project_id"))
    async with env.db.transaction() as conn:
        await pool_rows.insert_pool(conn, row, env.now())
        return await _stored(conn, row.id)


async def update(
    ctx: RequestContext, env: ServiceEnv, pool_id: str, fields: Mapping[str, Any]
) -> pools.Pool:
    """Change the given fields. Raises Forbidden, PoolNotFound, InvalidObject, DuplicatePool."""
    policy.enforce(ctx, "update_pool")
    async with env.db.transaction() as conn:
        current = pools.spec_of(await _locked(conn, pool_id))
        renamed = "name" in fields and fields["name"] != current.name
        if renamed and await pool_rows.by_name(conn, str(fields["name"])) is not None:
            raise errors.DuplicatePool()
        document = {**pool_specs.to_json(current), **_api_fields(fields)}
        changed = dataclasses.replace(_spec(document), id=pool_id)
        result = await pools.apply_in(conn, ctx, [changed], False, env.now())
        if "project_id" in fields:
            await pool_rows.set_project(conn, pool_id, fields["project_id"])
        pool = await _stored(conn, pool_id)
    if result.touches_zones:
        env.db.wake_worker()
    return pool


async def delete(ctx: RequestContext, env: ServiceEnv, pool_id: str) -> None:
    """Delete the pool. Raises Forbidden, PoolNotFound, InvalidOperation (the default pool, or
    one that still holds zones)."""
    policy.enforce(ctx, "delete_pool")
    async with env.db.transaction() as conn:
        await _locked(conn, pool_id)
        others = [pools.spec_of(p) for p in await pool_rows.list_pools(conn) if p.id != pool_id]
        await pools.apply_in(conn, ctx, others, True, env.now())


def _api_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: fields[key] for key in API_FIELDS if key in fields}


def _spec(document: Mapping[str, Any]) -> PoolSpec:
    """The pool ``document`` describes, checked as ``pools.yaml`` entries are; raises
    InvalidObject with the API's paths (no pool index)."""
    entry = {key: value for key, value in document.items() if key != "project_id"}
    try:
        [spec] = pool_specs.parse([entry])
    except errors.InvalidObject as invalid:
        reasons = [dataclasses.replace(e, path=e.path[1:]) for e in invalid.errors]
        raise errors.InvalidObject(reasons) from None
    return spec


async def _locked(conn: AsyncConnection, pool_id: str) -> pools.Pool:
    """The pool row, locked for this transaction; raises PoolNotFound."""
    row = await admin_rows.lock(conn, pools_table, pool_id)
    if row is None:
        raise errors.PoolNotFound()
    return pool_rows.Pool.from_row(row)


async def _stored(conn: AsyncConnection, pool_id: str) -> pools.Pool:
    pool = await pool_rows.get_pool(conn, pool_id)
    assert pool is not None  # written in this transaction
    return pool
