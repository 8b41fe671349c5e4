"""Sink tests: a scratch database (SQLite in tmp_path, or PostgreSQL) with a zone for the
handlers, and the real RabbitMQ on 127.0.0.1:5672 (missing: the tests fail, never skip) with
scratch exchanges and queue per test (``names``) and oslo.messaging's Notifier (``publisher``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests import databases
from zonekeeper.config import Settings
from zonekeeper.domain.models import Zone
from zonekeeper.service import context, pools, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import metadata

TENANT = context.build(
    project_id="tenant-a", user_id="alice", roles=frozenset({"member", "reader"})
)


async def open_env(url: str, settings: Settings) -> ServiceEnv:
    db = Database(url)
    if not db.is_sqlite:
        async with db.transaction() as conn:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    env = ServiceEnv(db=db, settings=settings)
    await pools.ensure_default_pool(env, [("127.0.0.1", 5354)])
    return env


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def sqlite_env(
    sqlite_template: Path, tmp_path: Path, settings: Settings
) -> AsyncIterator[ServiceEnv]:
    env = await open_env(databases.sqlite_copy(sqlite_template, tmp_path), settings)
    try:
        yield env
    finally:
        await env.db.close()


@pytest.fixture
async def zone(sqlite_env: ServiceEnv) -> Zone:
    """The tenant's zone the handlers write into."""
    return await zones.create(
        TENANT, sqlite_env, {"name": "cloud.example.", "email": "admin@example.org"}
    )
