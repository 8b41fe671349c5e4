"""The API under test: ``create_app`` over a real ServiceEnv on a temp SQLite database,
driven in-process through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from zonekeeper.api.app import create_app
from zonekeeper.config import Settings
from zonekeeper.service import policy, pools
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database

BASE_URL = "http://api.test"
NAMESERVERS = [("127.0.0.1", 5354)]
MEMBER = {"X-Auth-Project-ID": "project-b", "X-Roles": "member,reader"}
"""Headers of an ordinary (non-admin) user of another project."""


async def build_env(path: Path, **settings: Any) -> ServiceEnv:
    """A migrated SQLite database with the default pool, wrapped in a ServiceEnv."""
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade(url)
    loaded = Settings(data_dir=path.parent, **settings)
    env = ServiceEnv(db=Database(url), settings=loaded, policy=policy.load(loaded))
    await pools.ensure_default_pool(env, NAMESERVERS)
    return env


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings a test module can override (e.g. small page sizes)."""
    return {}


@pytest.fixture
async def env(tmp_path: Path, settings_overrides: dict[str, Any]) -> AsyncIterator[ServiceEnv]:
    env = await build_env(tmp_path / "api.sqlite", **settings_overrides)
    try:
        yield env
    finally:
        await env.db.close()


@pytest.fixture
async def client(env: ServiceEnv) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(env))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


ZoneFactory = Callable[..., Any]


@pytest.fixture
def make_zone(client: httpx.AsyncClient) -> ZoneFactory:
    """POST a zone and return its JSON (asserting the 202)."""

    async def make(name: str = "example.org.", **fields: Any) -> dict[str, Any]:
        headers = fields.pop("headers", {})
        body = {"name": name, "email": f"hostmaster@{name.rstrip('.')}", **fields}
        response = await client.post("/v2/zones", json=body, headers=headers)
        assert response.status_code == 202, response.text
        document: dict[str, Any] = response.json()
        return document

    return make
