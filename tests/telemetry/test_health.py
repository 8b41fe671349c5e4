"""/healthz and /readyz, on the API and on the telemetry listener: not ready while the
database is away (an SQLite file moved aside, a PostgreSQL database dropped) or the mini-DNS
is down, ready again once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from tests.databases import _admin, scratch_postgres
from tests.telemetry.conftest import url, wait_for
from zonekeeper import app as zonekeeper_app
from zonekeeper.config import Settings


async def _get(address: tuple[str, int] | None, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url(address, path))


async def _readiness(app: zonekeeper_app.App) -> tuple[int, dict[str, Any]]:
    reply = await _get(app.telemetry_address, "/readyz")
    return reply.status_code, reply.json()


async def test_alive_ready_and_not_ready(running: zonekeeper_app.App) -> None:
    for address in (running.api_address, running.telemetry_address):
        alive = await _get(address, "/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
        ready = await _get(address, "/readyz")
        assert ready.status_code == 200, ready.text
        checks = {"database": "ok", "worker": "ok", "mdns": "ok"}
        assert ready.json() == {"status": "ready", "checks": checks}

    path = running.settings.data_dir / "zonekeeper.sqlite"
    aside = path.with_name("moved-aside.sqlite")
    path.rename(aside)
    try:
        status, body = await _readiness(running)
        assert status == 503
        assert body["status"] == "not ready"
        assert body["checks"]["database"] == f"no database at {path.resolve()}"
        assert body["checks"]["mdns"] == "ok"
    finally:
        aside.rename(path)
    status, body = await _readiness(running)
    assert (status, body["status"]) == (200, "ready")

    assert running.mini_dns is not None
    await running.mini_dns.stop()
    status, body = await _readiness(running)
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "worker": "ok",
        "mdns": "the mini-DNS is not listening",
    }


@pytest.fixture
def postgres_scratch() -> Iterator[str]:
    with scratch_postgres("zk_readyz") as scratch:
        yield scratch


@pytest.fixture
async def api_on_postgres(
    postgres_scratch: str, tmp_path: Path
) -> AsyncIterator[zonekeeper_app.App]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgres_scratch,
        api={"listen": "127.0.0.1:0"},
        telemetry={"listen": "127.0.0.1:0"},
    )
    app = zonekeeper_app.build(settings, frozenset({zonekeeper_app.Role.API}))
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@pytest.mark.postgres
async def test_not_ready_while_the_postgres_database_is_gone(
    api_on_postgres: zonekeeper_app.App, postgres_scratch: str
) -> None:
    ready = (200, {"status": "ready", "checks": {"database": "ok"}})
    assert await _readiness(api_on_postgres) == ready
    name = postgres_scratch.rsplit("/", 1)[1]
    await _rename(name, f"{name}_aside")
    try:
        status, body = await _readiness(api_on_postgres)
        assert status == 503
        assert f'database "{name}" does not exist' in body["checks"]["database"]
    finally:
        await _rename(f"{name}_aside", name)

    async def ready_again() -> bool:
        return await _readiness(api_on_postgres) == ready

    await wait_for(ready_again, "readiness once the database is back")


async def _rename(old: str, new: str) -> None:
    """Rename a database, first closing every connection to it (the API's pool would open
    new ones: retried until the rename wins)."""
    for _ in range(50):
        await _admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{old}'"
        )
        try:
            await _admin(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
            return
        except DBAPIError:  # "being accessed by other users": a connection came back
            await asyncio.sleep(0.05)
    raise AssertionError(f"could not rename {old}")
