"""``/v2/pools`` on SQLite and PostgreSQL: list, get, filters, sorting, and the errors (403,
404, invalid_uuid, 405)."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import BASE_URL, MEMBER
from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from tests.service.conftest import admin
from zonekeeper.api.app import create_app
from zonekeeper.cli.pool import check_target
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.service import pools
from zonekeeper.service.env import ServiceEnv

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")


@pytest.fixture
async def client(env: ServiceEnv) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(env))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


async def load(env: ServiceEnv) -> None:
    desired = pool_specs.parse(copy.deepcopy([BIND9_POOL, PDNS4_POOL]), check_target)
    await pools.apply(admin(), env, desired)


async def test_list_renders_designate_pools(client: httpx.AsyncClient, env: ServiceEnv) -> None:
    await load(env)
    response = await client.get("/v2/pools")
    assert response.status_code == 200
    document = response.json()
    assert set(document) == {"pools", "links"}  # no metadata for pools
    assert document["links"] == {"self": "http://api.test/v2/pools"}
    by_name = {pool["name"]: pool for pool in document["pools"]}
    default = by_name["default"]
    assert set(default) == {
        "id",
        "project_id",
        "name",
        "description",
        "attributes",
        "ns_records",
        "created_at",
        "updated_at",
        "links",
    }
    assert default["id"] == DEFAULT_POOL_ID and default["project_id"] is None
    assert default["ns_records"] == BIND9_POOL["ns_records"]
    assert default["description"] == "Default Pool"
    assert TIMESTAMP.fullmatch(default["created_at"])
    assert TIMESTAMP.fullmatch(default["updated_at"])
    assert default["links"] == {"self": f"http://api.test/v2/pools/{DEFAULT_POOL_ID}"}
    assert by_name["pdns"]["attributes"] == {"tier": "gold"}
    assert by_name["pdns"]["updated_at"] is None


async def test_filter_sort_and_paginate(client: httpx.AsyncClient, env: ServiceEnv) -> None:
    await load(env)
    named = (await client.get("/v2/pools", params={"name": "pd*"})).json()
    assert [pool["name"] for pool in named["pools"]] == ["pdns"]
    ordered = (
        await client.get("/v2/pools", params={"sort_key": "name", "sort_dir": "desc"})
    ).json()
    assert [pool["name"] for pool in ordered["pools"]] == ["pdns", "default"]
    first = (await client.get("/v2/pools", params={"limit": 1, "sort_key": "name"})).json()
    assert [pool["name"] for pool in first["pools"]] == ["default"]
    assert "marker=" in first["links"]["next"]
    rest = (await client.get(first["links"]["next"])).json()
    assert [pool["name"] for pool in rest["pools"]] == ["pdns"]
    bad_sort = await client.get("/v2/pools", params={"sort_key": "serial"})
    assert (bad_sort.status_code, bad_sort.json()["type"]) == (400, "invalid_sort_key")
    bad_filter = await client.get("/v2/pools", params={"tier": "gold"})
    assert (bad_filter.status_code, bad_filter.json()["type"]) == (400, "bad_request")


async def test_get_one(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v2/pools/{DEFAULT_POOL_ID.upper()}")
    assert response.status_code == 200
    assert response.json()["ns_records"] == [{"hostname": "ns1.zonekeeper.test.", "priority": 1}]


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v2/pools/11111111-2222-3333-4444-555555555555")
    assert missing.status_code == 404
    assert missing.json()["type"] == "pool_not_found"
    assert missing.json()["message"] == "Could not find Pool"
    malformed = await client.get("/v2/pools/not-a-uuid")
    assert (malformed.status_code, malformed.json()["type"]) == (400, "invalid_uuid")


async def test_non_admins_are_forbidden(client: httpx.AsyncClient) -> None:
    for path in ("/v2/pools", f"/v2/pools/{DEFAULT_POOL_ID}"):
        response = await client.get(path, headers=MEMBER)
        assert response.status_code == 403
        body = response.json()
        assert body["type"] == "forbidden" and "message" not in body


async def test_writes_answer_405(client: httpx.AsyncClient) -> None:
    created = await client.post("/v2/pools", json={"name": "x"})
    patched = await client.patch(f"/v2/pools/{DEFAULT_POOL_ID}", json={"description": "x"})
    deleted = await client.delete(f"/v2/pools/{DEFAULT_POOL_ID}")
    for response in (created, patched, deleted):
        assert (response.status_code, response.json()["type"]) == (405, "method_not_allowed")
