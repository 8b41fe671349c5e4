"""Fixtures every test package shares: the databases behind the tests, and RabbitMQ's scratch
exchanges and queue (``names``) with oslo.messaging's Notifier on them (``publisher``).

``database_url`` runs a test on SQLite (a copy of a migrated template), on PostgreSQL and on
MariaDB (one scratch database each per session; tests empty it themselves). Packages that need
something else override these fixtures in their own conftest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import databases
from tests.sink import broker
from tests.sink.broker import Names, Publisher


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with databases.scratch_postgres("zk_test") as url:
        yield url


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    with databases.scratch_mariadb("zk_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param != "sqlite":
        return str(request.getfixturevalue(f"{request.param}_url"))
    return databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)


@pytest.fixture
def names() -> Iterator[Names]:
    names = Names()
    yield names
    asyncio.run(broker.delete_everything(names))


@pytest.fixture
def publisher(names: Names) -> Iterator[Publisher]:
    publisher = Publisher(names)
    yield publisher
    publisher.close()
