"""Built-in API tokens (api.auth.strategy = token): made by the CLI, shown once, stored hashed,
refused when wrong, expired or revoked."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.api.conftest import BASE_URL, build_env
from tests.e2e.serve import ZONEKEEPER, Serve
from zonekeeper.api.app import create_app
from zonekeeper.domain import errors
from zonekeeper.service import tokens
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.tables import api_tokens

ZONE = {"name": "tokens.example.", "email": "hostmaster@tokens.example"}
START = datetime(2030, 1, 1, 12, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def env(tmp_path: Path, clock: Clock) -> AsyncIterator[ServiceEnv]:
    built = await build_env(tmp_path / "api.sqlite", api={"auth": {"strategy": "token"}})
    try:
        yield dataclasses.replace(built, now=clock)
    finally:
        await built.db.close()


@pytest.fixture
async def api(env: ServiceEnv) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(env))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    document = response.json()
    assert (document["code"], document["type"]) == (401, "unauthorized")
    assert document["request_id"] == response.headers["x-openstack-request-id"]


async def test_missing_or_wrong_token_is_401(api: httpx.AsyncClient, env: ServiceEnv) -> None:
    await tokens.create(env, "p1", ["member", "reader"])
    assert_unauthorized(await api.get("/v2/zones"))
    assert_unauthorized(await api.get("/v2/zones", headers={"X-Auth-Token": "zk_wrong"}))
    # noauth's headers are no credentials here
    assert_unauthorized(await api.get("/v2/zones", headers={"X-Auth-Project-ID": "p1"}))
    assert (await api.get("/")).status_code == 200


async def test_a_token_acts_in_its_project_with_its_roles(
    api: httpx.AsyncClient, env: ServiceEnv
) -> None:
    _, member = await tokens.create(env, "p1", ["member", "reader"])
    _, reader = await tokens.create(env, "p1", ["reader"])
    created = await api.post("/v2/zones", json=ZONE, headers={"X-Auth-Token": member})
    assert created.status_code == 202, created.text
    assert created.json()["project_id"] == "p1"
    listed = await api.get("/v2/zones", headers={"X-Auth-Token": reader})
    assert [zone["name"] for zone in listed.json()["zones"]] == [ZONE["name"]]
    other = ZONE | {"name": "other.example."}
    refused = await api.post("/v2/zones", json=other, headers={"X-Auth-Token": reader})
    assert refused.status_code == 403


async def test_an_expired_token_is_401(
    api: httpx.AsyncClient, env: ServiceEnv, clock: Clock
) -> None:
    _, token = await tokens.create(env, "p1", ["reader"], expires_at=START + timedelta(hours=1))
    headers = {"X-Auth-Token": token}
    clock.now = START + timedelta(minutes=59)
    assert (await api.get("/v2/zones", headers=headers)).status_code == 200
    clock.now = START + timedelta(hours=1)
    assert_unauthorized(await api.get("/v2/zones", headers=headers))


async def test_a_revoked_token_is_401_at_once(api: httpx.AsyncClient, env: ServiceEnv) -> None:
    record, token = await tokens.create(env, "p1", ["reader"])
    headers = {"X-Auth-Token": token}
    assert (await api.get("/v2/zones", headers=headers)).status_code == 200
    await tokens.revoke(env, record.id)
    assert_unauthorized(await api.get("/v2/zones", headers=headers))
    await tokens.revoke(env, record.id)  # idempotent
    [listed] = await tokens.list(env)
    assert listed.revoked_at == START


async def test_nothing_is_stored_in_clear(env: ServiceEnv) -> None:
    record, token = await tokens.create(env, "p1", ["member"], description="ci")
    async with env.db.read() as conn:
        rows = [dict(row._mapping) for row in await conn.execute(select(api_tokens))]
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert token not in stored
    assert token.removeprefix(tokens.PREFIX) not in stored
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert rows[0]["id"] == record.id


async def test_bad_requests_are_refused(env: ServiceEnv) -> None:
    with pytest.raises(errors.BadRequest):
        await tokens.create(env, "p1", [])
    with pytest.raises(errors.BadRequest):
        await tokens.create(env, "p1", ["member"], expires_at=START - timedelta(seconds=1))
    with pytest.raises(errors.NotFound):
        await tokens.revoke(env, "no-such-token")


def test_the_cli_token_works_against_serve(tmp_path: Path) -> None:
    """`zonekeeper token create` prints the token once; `serve` with strategy token accepts
    it, and refuses it once `token revoke` ran."""
    data = tmp_path / "data"
    made = _cli("token", "create", "--project", "cli-p", "--role", "member", "--role",
                "reader", "--expires", "1h", "--data-dir", str(data))  # fmt: skip
    token = made.stdout.strip()
    assert token.startswith(tokens.PREFIX)
    listing = _cli("token", "list", "--data-dir", str(data)).stdout
    assert token not in listing
    [line] = listing.splitlines()
    token_id, state = line.split()[:2]
    assert state == "valid"
    served = Serve(data, env={"ZONEKEEPER_API__AUTH__STRATEGY": "token"})
    try:
        url = f"{served.base_url}/v2/zones"
        created = httpx.post(url, json=ZONE, headers={"X-Auth-Token": token})
        assert created.status_code == 202, created.text
        assert created.json()["project_id"] == "cli-p"
        assert httpx.get(url).status_code == 401
        _cli("token", "revoke", token_id, "--data-dir", str(data))
        assert_unauthorized(httpx.get(url, headers={"X-Auth-Token": token}))
    finally:
        served.terminate()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONEKEEPER_")}
    done = subprocess.run([ZONEKEEPER, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done
