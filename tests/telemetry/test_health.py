"""/healthz and /readyz, on the API and on the telemetry listener: not ready while the
database is away (an SQLite file moved aside, a PostgreSQL database dropped) or the mini-DNS
is down, ready again once it is back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import _admin, scratch_postgres
from tests.telemetry.conftest import url, wait_for
from zonekeeper import app as zonekeeper_app
from zonekeeper.config import Settings
from zonekeeper.storage import migrate


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
async def test_not_ready_while_the_postgres_database_is_dropped(
    api_on_postgres: zonekeeper_app.App, postgres_scratch: str
) -> None:
    assert await _readiness(api_on_postgres) == (
        200,
        {"status": "ready", "checks": {"database": "ok"}},
    )
    name = postgres_scratch.rsplit("/", 1)[1]
    await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    status, body = await _readiness(api_on_postgres)
    assert status == 503
    assert f'database "{name}" does not exist' in body["checks"]["database"]
    await _admin(f'CREATE DATABASE "{name}"')
    status, body = await _readiness(api_on_postgres)
    assert status == 503
    assert body["checks"]["database"].startswith("schema at nothing, needs ")
    await migrate.upgrade(postgres_scratch)

    async def ready() -> bool:
        return (await _readiness(api_on_postgres))[0] == 200

    await wait_for(ready, "readiness after the database came back")
