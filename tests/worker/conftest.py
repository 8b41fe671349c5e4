"""Worker tests: a migrated SQLite database with the service settings around it, and short
timeouts so that unreachable nameservers fail fast; ``make_env`` for a second database and
``start_dns`` for a mini-DNS serving one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from zonekeeper.config import Settings
from zonekeeper.dns.server import MiniDns
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'zk.sqlite'}"
    await migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    settings.worker.poll_timeout = 0.2
    settings.worker.max_attempts = 2
    db = Database(settings.effective_database_url())
    yield ServiceEnv(db=db, settings=settings)
    await db.close()


async def make_env(path: Path, **worker: Any) -> ServiceEnv:
    """A migrated SQLite database at ``path`` with a quick poll timeout and the ``worker``
    settings given."""
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=path.parent)
    settings.worker.poll_timeout = 0.2
    for name, value in worker.items():
        setattr(settings.worker, name, value)
    return ServiceEnv(db=Database(url), settings=settings)


async def start_dns(env: ServiceEnv) -> tuple[MiniDns, tuple[str, int]]:
    """A mini-DNS serving ``env``'s database on a free loopback port, and its address."""
    server = MiniDns(env.db, env.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    return server, await server.start()
