"""Alembic, driven from code: ``zonekeeper db upgrade`` and ``serve`` on embedded SQLite."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


class NotReady(Exception):
    """The database cannot be used as it is: missing, unreachable, or not at the code's
    schema. The message is one line that names the database (never its password)."""


class Unmigrated(NotReady):
    """No database file yet, or a database whose schema is not the code's."""


class Unreachable(NotReady):
    """The database server cannot be reached, or refuses us."""


class NoPlace(NotReady):
    """The embedded SQLite database's directory cannot be made (not permitted, a file there)."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, making an SQLite file's directory first when
    missing (NoPlace when it cannot be made). Idempotent."""
    _make_sqlite_dir(url)
    engine = create_async_engine(url)
    try:
        conn = await _connect(engine, url)
        try:
            async with conn.begin():
                await conn.run_sync(_upgrade, url, revision)
        finally:
            await conn.close()
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def require_current(url: str) -> None:
    """Raise NotReady unless the database at ``url`` exists and is migrated to the head
    revision. Creates nothing: a missing SQLite file is reported, never made (opening one
    would create it), so commands that only read cannot leave an empty database behind."""
    _require_sqlite_file(url)
    where = make_url(url).render_as_string(hide_password=True)
    engine = create_async_engine(url)
    try:
        conn = await _connect(engine, where)
        try:
            current = await conn.run_sync(_current_heads)
        finally:
            await conn.close()
    finally:
        await engine.dispose()
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    if set(current) != set(heads):
        at = ", ".join(current) or "no schema"
        raise Unmigrated(
            f"the database {where} is not migrated (at {at}, needs {', '.join(heads)})"
        )


def _make_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    directory = Path(parsed.database).parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NoPlace(f"cannot make the data directory {directory}: {error.strerror}") from error


def _require_sqlite_file(url: str) -> None:
    """Unmigrated when ``url`` is SQLite and its file does not exist (a stat, nothing made)."""
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise Unmigrated(missing)


def missing_sqlite_file(url: str) -> str | None:
    """ "no database at PATH" when ``url`` is SQLite and its file is not there, else None.
    (A stat: an open connection would go on using a file removed or replaced meanwhile.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if not Path(parsed.database or "").is_file():
        return f"no database at {parsed.database}"
    return None


async def _connect(engine: AsyncEngine, where: str) -> AsyncConnection:
    """A connection of ``engine``; Unreachable (one line) when the server cannot be reached or
    refuses us, rather than a driver's traceback."""
    try:
        return await engine.connect()
    except (DBAPIError, OSError) as error:
        reason = error.orig if isinstance(error, DBAPIError) else error
        first_line = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
        where = make_url(where).render_as_string(hide_password=True)
        raise Unreachable(f"cannot open the database {where}: {first_line}") from error


async def schema_problem(conn: AsyncConnection) -> str | None:
    """None when the database behind ``conn`` is at the code's head revision, else what it is
    at (for readiness: reuses the caller's connection, opens nothing)."""
    current = await conn.run_sync(_current_heads)
    heads = _code_heads()
    if set(current) == set(heads):
        return None
    return f"schema at {', '.join(current) or 'nothing'}, needs {', '.join(heads)}"


@functools.cache
def _code_heads() -> tuple[str, ...]:
    """The head revisions of the migrations shipped with the code (read once)."""
    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _current_heads(connection: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(connection).get_current_heads())


def check(url: str) -> None:
    """Raise if the tables in ``tables.py`` differ from what the migrations create."""

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_upgrade, url, "head")
                await conn.run_sync(_check, url)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _check(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.check(config)
