"""Service tests run against every database: SQLite in tmp_path, PostgreSQL on
127.0.0.1:5432 and MariaDB on 127.0.0.1:3306 (a scratch database each per session). A missing
server fails, never skips."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests import databases
from zonekeeper.config import Settings
from zonekeeper.service import context, pools
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage.database import Database

NAMESERVERS = [("127.0.0.1", 5354)]


@dataclass
class Clock:
    """A clock the test moves; starts at the real time so serials look like Unix times."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def env(database_url: str, settings: Settings, clock: Clock) -> AsyncIterator[ServiceEnv]:
    db = Database(database_url)
    await databases.empty(db)
    service_env = ServiceEnv(db=db, settings=settings, now=clock.now)
    await pools.ensure_default_pool(service_env, NAMESERVERS)
    try:
        yield service_env
    finally:
        await db.close()


def member(project_id: str = "p1") -> context.RequestContext:
    """A project member who may read and write (Keystone implies reader)."""
    return context.RequestContext(
        project_id=project_id, user_id="u-" + project_id, roles=frozenset({"member", "reader"})
    )


def reader(project_id: str = "p1") -> context.RequestContext:
    return context.RequestContext(
        project_id=project_id, user_id="r-" + project_id, roles=frozenset({"reader"})
    )


def admin(
    project_id: str = "admin-project", all_projects: bool = False, edit_managed: bool = False
) -> context.RequestContext:
    return context.RequestContext(
        project_id=project_id,
        user_id="admin",
        roles=frozenset({"admin"}),
        all_projects=all_projects,
        edit_managed=edit_managed,
    )
