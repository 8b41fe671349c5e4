"""Rows of the simple admin resources (TLDs, blacklists, TSIG keys): one table each, keyed by
id, with a unique column that the database itself keeps unique.

Each call takes the table and the domain error that a unique-constraint violation means, so
the three resources share these few statements instead of copying them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery
from zonekeeper.storage import listing


async def get(conn: AsyncConnection, table: Table, row_id: str) -> Row[Any] | None:
    """The row with ``row_id``, or None."""
    return (await conn.execute(select(table).where(table.c.id == row_id))).first()


async def lock(conn: AsyncConnection, table: Table, row_id: str) -> Row[Any] | None:
    """The row with ``row_id``, locked until the transaction ends (PostgreSQL, MariaDB; SQLite
    writers take turns anyway), or None."""
    stmt = select(table).where(table.c.id == row_id).with_for_update()
    return (await conn.execute(stmt)).first()


async def insert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    duplicate: type[errors.ZonekeeperError],
) -> None:
    """Insert a row; raises ``duplicate`` when a unique column already holds the value."""
    try:
        async with conn.begin_nested():
            await conn.execute(table.insert().values(**values))
    except IntegrityError:
        raise duplicate() from None


async def update_row(
    conn: AsyncConnection,
    table: Table,
    row_id: str,
    values: Mapping[str, Any],
    duplicate: type[errors.ZonekeeperError],
) -> None:
    """Change the row's ``values``; raises ``duplicate`` as :func:`insert` does."""
    try:
        async with conn.begin_nested():
            await conn.execute(update(table).where(table.c.id == row_id).values(**values))
    except IntegrityError:
        raise duplicate() from None


async def delete_row(conn: AsyncConnection, table: Table, row_id: str) -> bool:
    """Delete the row; False when there was none."""
    result = await conn.execute(delete(table).where(table.c.id == row_id))
    return bool(result.rowcount)


async def page(
    conn: AsyncConnection, spec: listing.Listing, query: ListQuery
) -> Sequence[Row[Any]]:
    """One page of rows (no total: Designate counts none of these). Raises InvalidSortKey,
    InvalidSortDir, BadRequest (filters), MarkerNotFound."""
    assert isinstance(spec.table, Table)
    rows, _ = await listing.page(conn, spec, select(spec.table), [], query, count=False)
    return rows


async def column(conn: AsyncConnection, table: Table, name: str) -> list[Any]:
    """Every value of one column (the TLD names, the blacklist patterns)."""
    return list((await conn.execute(select(table.c[name]))).scalars())
