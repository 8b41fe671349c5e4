"""Scratch databases for tests: a migrated SQLite template, PostgreSQL on 127.0.0.1:5432 and
MariaDB on 127.0.0.1:3306.

A missing PostgreSQL or MariaDB fails the tests that need it, never skips them.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import metadata

PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MARIADB_SERVER = "mysql+asyncmy://root@127.0.0.1:3306"


def migrated_sqlite(directory: Path) -> Path:
    """A migrated SQLite file in ``directory``, to copy per test (copying beats migrating)."""
    path = directory / "template.sqlite"
    asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@contextmanager
def scratch_postgres(prefix: str, *, migrated: bool = True) -> Iterator[str]:
    """A PostgreSQL database named ``<prefix>_<random>`` (migrated unless told), dropped
    afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        if migrated:
            asyncio.run(migrate.upgrade(url))
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def scratch_mariadb(prefix: str) -> Iterator[str]:
    """A migrated MariaDB database named ``<prefix>_<random>``, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE DATABASE `{name}`", MARIADB_SERVER))
    url = f"{MARIADB_SERVER}/{name}"
    try:
        asyncio.run(migrate.upgrade(url))
        yield url
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS `{name}`", MARIADB_SERVER))


async def _admin(statement: str, url: str = PG_ADMIN_URL) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def sqlite_copy(template: Path, directory: Path) -> str:
    """The URL of a fresh copy of ``template`` in ``directory``."""
    path = directory / "zonekeeper.sqlite"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def empty(db: Database) -> None:
    """Delete every row of a shared scratch database (SQLite ones are fresh copies already)."""
    if db.is_sqlite:
        return
    async with db.transaction() as conn:
        if db.dialect == "postgresql":
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
            return
        # MariaDB's TRUNCATE rebuilds the table: deleting children first is quicker.
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
