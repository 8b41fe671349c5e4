"""Worker tests: a migrated SQLite database with the service settings around it, and short
timeouts so that unreachable nameservers fail fast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from zonekeeper.config import Settings
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
