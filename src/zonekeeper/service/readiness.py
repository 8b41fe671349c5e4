"""Readiness of the database for every process: the (embedded) database is there, answers,
and is at the code's schema."""

from __future__ import annotations

from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate


async def database_problem(env: ServiceEnv) -> str | None:
    """None when the database answers at the code's schema, else why not. Raises what the
    database raises (the readiness check reports it)."""
    missing = migrate.missing_sqlite_file(env.db.url)
    if missing is not None:
        return missing
    async with env.db.read() as conn:
        return await migrate.schema_problem(conn)
