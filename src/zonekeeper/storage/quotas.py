"""Per-project quota rows (``quotas``): the overrides of the configured defaults."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Executable, bindparam, delete, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage.tables import quotas


async def overrides(conn: AsyncConnection, project_id: str) -> dict[str, int]:
    """{resource: hard limit} of the project's stored overrides."""
    rows = (await conn.execute(_OVERRIDES, {"b_project_id": project_id})).all()
    return {resource: int(limit) for resource, limit in rows}


# Built once: every recordset write reads it (see storage.recordsets).
_OVERRIDES = select(quotas.c.resource, quotas.c.hard_limit).where(
    quotas.c.project_id == bindparam("b_project_id")
)


async def set_limits(conn: AsyncConnection, project_id: str, limits: Mapping[str, int]) -> None:
    """Store the project's ``limits``, each an insert-or-update in one statement, so two
    admins setting one quota at once both succeed (the last one wins) instead of one meeting
    the primary key."""
    for resource, limit in limits.items():
        values = {"project_id": project_id, "resource": resource, "hard_limit": limit}
        await conn.execute(_upsert(conn.dialect.name, values))


def _upsert(dialect: str, values: Mapping[str, object]) -> Executable:
    if dialect == "postgresql":
        pg = postgresql.insert(quotas).values(**values)
        return pg.on_conflict_do_update(
            index_elements=["project_id", "resource"], set_={"hard_limit": pg.excluded.hard_limit}
        )
    if dialect in ("mysql", "mariadb"):
        my = mysql.insert(quotas).values(**values)
        return my.on_duplicate_key_update(hard_limit=my.inserted.hard_limit)
    lite = sqlite.insert(quotas).values(**values)
    return lite.on_conflict_do_update(
        index_elements=["project_id", "resource"], set_={"hard_limit": lite.excluded.hard_limit}
    )


async def reset(conn: AsyncConnection, project_id: str) -> None:
    """Drop the project's overrides: its quotas are the defaults again."""
    await conn.execute(delete(quotas).where(quotas.c.project_id == project_id))
