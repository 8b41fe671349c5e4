"""The use cases every simple admin resource (TLDs, blacklists, TSIG keys) shares: list, get,
create, update, delete, each behind its Designate policy rule and in one transaction.

A resource module describes itself with a :class:`Kind` and validates its own fields; this
module does the rest the same way for all of them.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery
from zonekeeper.service import policy
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import admin_rows, listing

T = TypeVar("T")

Within = Callable[[AsyncConnection, Mapping[str, Any]], Awaitable[None]]
"""A check run inside the write transaction on the row's new columns (e.g. that a TSIG key's
pool or zone exists, locked so that it cannot go away before the commit)."""


@dataclass(frozen=True, slots=True)
class Kind(Generic[T]):
    """One admin resource: its table, how it lists, its value, errors and policy rule names
    (``create_<rule>``, ``find_<rule>s``, ``get_<rule>``, ``update_<rule>``,
    ``delete_<rule>``)."""

    table: Table
    listing: listing.Listing
    from_row: Callable[[Row[Any]], T]
    not_found: type[errors.ZonekeeperError]
    duplicate: type[errors.ZonekeeperError]
    rule: str


async def list(
    kind: Kind[T], ctx: RequestContext, env: ServiceEnv, query: ListQuery
) -> builtins.list[T]:
    """One page. Raises Forbidden, BadRequest (filters), InvalidSortKey, InvalidSortDir,
    MarkerNotFound."""
    policy.enforce(ctx, f"find_{kind.rule}s")
    async with env.db.read() as conn:
        rows = await admin_rows.page(conn, kind.listing, query)
    return [kind.from_row(row) for row in rows]


async def get(kind: Kind[T], ctx: RequestContext, env: ServiceEnv, row_id: str) -> T:
    """The resource; raises Forbidden or the kind's NotFound."""
    policy.enforce(ctx, f"get_{kind.rule}")
    async with env.db.read() as conn:
        row = await admin_rows.get(conn, kind.table, row_id)
    if row is None:
        raise kind.not_found()
    return kind.from_row(row)


async def create(
    kind: Kind[T],
    ctx: RequestContext,
    env: ServiceEnv,
    columns: Mapping[str, Any],
    within: Within | None = None,
) -> T:
    """Store a new resource with ``columns`` (validated by the caller). Raises Forbidden, the
    kind's Duplicate, and whatever ``within`` raises."""
    policy.enforce(ctx, f"create_{kind.rule}")
    row_id = str(uuid.uuid4())
    values = {**columns, "id": row_id, "created_at": env.now(), "updated_at": None}
    async with env.db.transaction() as conn:
        if within is not None:
            await within(conn, values)
        await admin_rows.insert(conn, kind.table, values, kind.duplicate)
        row = await admin_rows.get(conn, kind.table, row_id)
    assert row is not None  # inserted in this transaction
    return kind.from_row(row)


async def update(
    kind: Kind[T],
    ctx: RequestContext,
    env: ServiceEnv,
    row_id: str,
    change: Callable[[T], Mapping[str, Any]],
    within: Within | None = None,
) -> T:
    """Apply ``change`` (the current value -> the columns to write, raising InvalidObject) to
    the locked row. Raises Forbidden, the kind's NotFound or Duplicate, and what ``change``
    and ``within`` raise."""
    policy.enforce(ctx, f"update_{kind.rule}")
    async with env.db.transaction() as conn:
        row = await admin_rows.lock(conn, kind.table, row_id)
        if row is None:
            raise kind.not_found()
        columns = {**change(kind.from_row(row)), "updated_at": env.now()}
        if within is not None:
            await within(conn, {**row._mapping, **columns})
        await admin_rows.update_row(conn, kind.table, row_id, columns, kind.duplicate)
        row = await admin_rows.get(conn, kind.table, row_id)
    assert row is not None  # locked in this transaction
    return kind.from_row(row)


async def delete(kind: Kind[T], ctx: RequestContext, env: ServiceEnv, row_id: str) -> None:
    """Delete the resource; raises Forbidden or the kind's NotFound."""
    policy.enforce(ctx, f"delete_{kind.rule}")
    async with env.db.transaction() as conn:
        if not await admin_rows.delete_row(conn, kind.table, row_id):
            raise kind.not_found()


@dataclass(frozen=True, slots=True)
class Resource(Generic[T]):
    """The five use cases of one kind, as its callers (the API) see them: ``columns`` checks a
    request's fields and returns the columns to write (raising InvalidObject), ``within`` runs
    in the write transaction (see :data:`Within`)."""

    kind: Kind[T]
    columns: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    within: Within | None = None

    async def list(
        self, ctx: RequestContext, env: ServiceEnv, query: ListQuery
    ) -> builtins.list[T]:
        return await list(self.kind, ctx, env, query)

    async def get(self, ctx: RequestContext, env: ServiceEnv, row_id: str) -> T:
        return await get(self.kind, ctx, env, row_id)

    async def create(self, ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> T:
        return await create(self.kind, ctx, env, self.columns(fields), self.within)

    async def update(
        self, ctx: RequestContext, env: ServiceEnv, row_id: str, fields: Mapping[str, Any]
    ) -> T:
        columns = self.columns(fields)
        return await update(self.kind, ctx, env, row_id, lambda _: columns, self.within)

    async def delete(self, ctx: RequestContext, env: ServiceEnv, row_id: str) -> None:
        await delete(self.kind, ctx, env, row_id)
