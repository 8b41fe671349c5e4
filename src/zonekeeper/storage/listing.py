"""One page of a filtered, sorted list: Designate's filters, sort keys and markers, as SQL.

Pages are found by keyset (``WHERE (sort, id) > (marker's sort, marker id)``), never by
offset, so a deep page costs what the first one does and the ``(zone_id, created_at, id)``
index serves the default recordset order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Column,
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery

Condition = ColumnElement[bool]
Filter = Callable[[str], Condition]


@dataclass(frozen=True, slots=True)
class Listing:
    """How one resource is listed: its table, id, filter keys and sort keys."""

    table: FromClause
    id: Column[Any]
    filters: Mapping[str, Filter]
    sort_keys: Mapping[str, Column[Any]]


def match(column: Column[Any], normalize: Callable[[str], str] = str) -> Filter:
    """A filter comparing ``column`` with a value: LIKE when the value holds ``*`` (each ``*``
    becomes ``%``, nothing else is escaped, as in Designate), else equality.

    Raises BadRequest for a non-integer value compared with an integer column.
    """

    def condition(value: str) -> Condition:
        value = normalize(value)
        if "*" in value:
            text = column if isinstance(column.type, String) else cast(column, String)
            return text.like(value.replace("*", "%"))
        if isinstance(column.type, Integer):
            return _integer_equals(column, value)
        return column == value

    return condition


INTEGER_FILTER: Final = re.compile(r"[0-9]{1,10}")
"""The value of a filter on an integer column, unless it holds ``*`` (then a LIKE pattern)."""


def _integer_equals(column: Column[Any], value: str) -> Condition:
    """``column == value``; nothing matches a value past the column's 32-bit range (which
    PostgreSQL would refuse to compare). Raises BadRequest for anything but digits."""
    if not INTEGER_FILTER.fullmatch(value):
        raise errors.BadRequest(f"Invalid value for filter {column.name}: {value!r}")
    number = int(value)
    return column == number if number < 2**31 else false()


def conditions(listing: Listing, filters: Mapping[str, str]) -> list[Condition]:
    """The WHERE terms for ``filters``; raises BadRequest for a key ``listing`` doesn't know."""
    unknown = sorted(set(filters) - set(listing.filters))
    if unknown:
        raise errors.BadRequest(f"Invalid filters {', '.join(unknown)}")
    return [listing.filters[key](value) for key, value in filters.items()]


async def page(
    conn: AsyncConnection,
    listing: Listing,
    columns: Select[Any],
    scope: Sequence[Condition],
    query: ListQuery,
    count: bool = True,
) -> tuple[Sequence[Row[Any]], int | None]:
    """The rows of one page of ``columns`` (a SELECT over ``listing.table``) and, when
    ``count``, how many rows match ``scope`` and the query's filters in all.

    Raises InvalidSortKey, InvalidSortDir, BadRequest (filters) and MarkerNotFound.
    """
    where = [*scope, *conditions(listing, query.filters)]
    sort = listing.sort_keys.get(query.sort_key)
    if sort is None:
        raise errors.InvalidSortKey(f"Invalid sort key {query.sort_key}")
    descending = _is_descending(query.sort_dir)
    total = await _count(conn, listing, where) if count else None
    if query.marker is not None:
        where.append(await _after(conn, listing, sort, scope, query.marker, descending))
    stmt = columns.where(*where).order_by(*_ordering(listing, sort, descending))
    rows = (await conn.execute(stmt.limit(query.limit))).all()
    return rows, total


async def _count(conn: AsyncConnection, listing: Listing, where: Sequence[Condition]) -> int:
    stmt = select(func.count()).select_from(listing.table).where(*where)
    return int((await conn.execute(stmt)).scalar_one())


def _is_descending(sort_dir: str) -> bool:
    if sort_dir not in ("asc", "desc"):
        raise errors.InvalidSortDir("Invalid sort direction")
    return sort_dir == "desc"


def _ordering(listing: Listing, sort: Column[Any], descending: bool) -> list[Any]:
    keys: list[Any] = []
    if sort.nullable:
        # NULLs sort first ascending (last descending) on every database, spelled portably.
        keys.append(sort.is_(None).asc() if descending else sort.is_(None).desc())
    if sort is not listing.id:
        keys.append(sort.desc() if descending else sort.asc())
    keys.append(listing.id.desc() if descending else listing.id.asc())
    return keys


async def _after(
    conn: AsyncConnection,
    listing: Listing,
    sort: Column[Any],
    scope: Sequence[Condition],
    marker: str,
    descending: bool,
) -> Condition:
    """The rows after the marker row in the page order; raises MarkerNotFound, also for a
    row outside ``scope`` (another project's), whose existence and place must not show."""
    found = select(sort).where(listing.id == marker, *scope)
    row = (await conn.execute(found)).first()
    if row is None:
        raise errors.MarkerNotFound(f"Marker {marker} could not be found")
    value = row[0]
    beyond = listing.id < marker if descending else listing.id > marker
    if sort is listing.id:
        return beyond
    if value is None:
        tied_then_beyond = and_(sort.is_(None), beyond)
        return tied_then_beyond if descending else or_(tied_then_beyond, sort.is_not(None))
    later = sort < value if descending else sort > value
    terms = [later, and_(sort == value, beyond)]
    if descending and sort.nullable:
        terms.append(sort.is_(None))
    return or_(*terms)
