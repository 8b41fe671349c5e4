"""``/v2/pools`` on SQLite and PostgreSQL: list, get, filters, sorting, and the errors (403,
404, invalid_uuid), and the API's writes, which share `zonekeeper pool update`'s plan."""

from __future__ import annotations

import base64
import copy
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import BASE_URL, MEMBER
from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from tests.service.conftest import admin
from zonekeeper.api.app import create_app
from zonekeeper.cli.pool import check_target
from zonekeeper.domain import errors, transfers
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.service import pools
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import tsigkeys as tsigkey_rows

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


NEW_POOL = {
    "name": "Example Pool",
    "project_id": "1",
    "ns_records": [{"hostname": "ns1.example.org.", "priority": 1}],
}


async def test_create_then_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/pools", json=NEW_POOL)
    assert response.status_code == 201, response.text
    pool = response.json()
    assert response.headers["location"] == pool["links"]["self"]
    assert {key: pool[key] for key in NEW_POOL} == NEW_POOL
    assert (pool["description"], pool["attributes"]) == (None, {})
    assert (await client.get(f"/v2/pools/{pool['id']}")).json() == pool
    # (Both pools were created at the test clock's one moment: the order is then by id.)
    names = {item["name"] for item in (await client.get("/v2/pools")).json()["pools"]}
    assert names == {"default", "Example Pool"}


async def test_a_name_is_taken_once(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v2/pools", json=NEW_POOL)).status_code == 201
    again = await client.post("/v2/pools", json=NEW_POOL)
    assert (again.status_code, again.json()["type"]) == (409, "duplicate_pool")
    renamed = await client.patch(f"/v2/pools/{DEFAULT_POOL_ID}", json={"name": "Example Pool"})
    assert (renamed.status_code, renamed.json()["type"]) == (409, "duplicate_pool")
    assert len((await client.get("/v2/pools")).json()["pools"]) == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x" * 51},
        {"ns_records": [{"hostname": "ns1_example_org_", "priority": 1}]},
        {"ns_records": [{"hostname": "ns1.example.org.", "priority": -1}]},
        {"ns_records": []},
        {"colour": "red"},
    ],
)
async def test_invalid_bodies_change_nothing(
    client: httpx.AsyncClient, fields: dict[str, object]
) -> None:
    response = await client.post("/v2/pools", json=NEW_POOL | fields)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    patched = await client.patch(f"/v2/pools/{DEFAULT_POOL_ID}", json=fields)
    assert (patched.status_code, patched.json()["type"]) == (400, "invalid_object")
    [pool] = (await client.get("/v2/pools")).json()["pools"]
    assert pool["name"] == "default"


async def test_patch_ns_records_rewrites_the_pools_zones(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    zone = (await client.post("/v2/zones", json={"name": "p.example.", "email": "a@b.c"})).json()
    ns_records = [
        {"hostname": "ns2.example.net.", "priority": 2},
        {"hostname": "ns1.example.net.", "priority": 1},
    ]
    url = f"/v2/pools/{DEFAULT_POOL_ID}"
    response = await client.patch(url, json={"ns_records": ns_records, "description": "d"})
    assert response.status_code == 202, response.text
    assert response.json()["ns_records"] == sorted(ns_records, key=lambda ns: ns["priority"])
    assert response.json()["description"] == "d"
    listed = await client.get(f"/v2/zones/{zone['id']}/recordsets", params={"type": "NS"})
    [apex] = listed.json()["recordsets"]
    assert sorted(apex["records"]) == ["ns1.example.net.", "ns2.example.net."]
    changed = (await client.get(f"/v2/zones/{zone['id']}")).json()
    assert (changed["action"], changed["serial"] > zone["serial"]) == ("UPDATE", True)
    # What the CLI sees is what the API wrote: `zonekeeper pool show` then `update` is a no-op.
    [spec] = await pools.current(admin(), env)
    assert [ns.hostname for ns in spec.ns_records] == ["ns1.example.net.", "ns2.example.net."]
    assert not (await pools.apply(admin(), env, [spec])).changed


async def test_pools_yaml_keeps_what_the_api_set(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    created = (await client.post("/v2/pools", json=NEW_POOL | {"name": "pdns"})).json()
    desired = pool_specs.parse(copy.deepcopy([PDNS4_POOL | {"id": created["id"]}]), check_target)
    await pools.apply(admin(), env, desired)
    after = (await client.get(f"/v2/pools/{created['id']}")).json()
    assert (after["project_id"], after["description"]) == ("1", "PowerDNS pool")


async def test_delete(client: httpx.AsyncClient) -> None:
    pool = (await client.post("/v2/pools", json=NEW_POOL)).json()
    response = await client.delete(f"/v2/pools/{pool['id']}")
    assert (response.status_code, response.content) == (204, b"")
    gone = await client.get(f"/v2/pools/{pool['id']}")
    assert (gone.status_code, gone.json()["type"]) == (404, "pool_not_found")
    again = await client.delete(f"/v2/pools/{pool['id']}")
    assert (again.status_code, again.json()["type"]) == (404, "pool_not_found")
    default = await client.delete(f"/v2/pools/{DEFAULT_POOL_ID}")
    assert (default.status_code, default.json()["type"]) == (400, "invalid_operation")


async def test_non_admins_cannot_write(client: httpx.AsyncClient) -> None:
    url = f"/v2/pools/{DEFAULT_POOL_ID}"
    for method, path, body in [
        ("POST", "/v2/pools", NEW_POOL),
        ("PATCH", url, {"description": "x"}),
        ("DELETE", url, None),
    ]:
        response = await client.request(method, path, json=body, headers=MEMBER)
        assert (response.status_code, response.json()["type"]) == (403, "forbidden"), method
    [pool] = (await client.get("/v2/pools")).json()["pools"]
    assert pool["description"] is None


async def test_pools_yaml_keys_become_tsigkey_resources(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    pool = copy.deepcopy(PDNS4_POOL)
    secret = base64.b64encode(b"pool-secret-0123456789").decode()
    pool["targets"][0]["options"] |= {"tsigkey_name": "pdns-key", "tsigkey_secret": secret}
    await pools.apply(admin(), env, pool_specs.parse([pool], check_target))
    [key] = (await client.get("/v2/tsigkeys")).json()["tsigkeys"]
    expected = ("pdns-key", "hmac-sha256", secret, "POOL", PDNS4_POOL["id"])
    assert (key["name"], key["algorithm"], key["secret"], key["scope"], key["resource_id"]) == (
        expected
    )
    rotated = base64.b64encode(b"rotated-secret-0123456789").decode()
    pool["targets"][0]["options"] |= {"tsigkey_secret": rotated, "tsigkey_algorithm": "hmac-sha512"}
    await pools.apply(admin(), env, pool_specs.parse([pool], check_target))
    [again] = (await client.get("/v2/tsigkeys")).json()["tsigkeys"]
    assert (again["id"], again["secret"], again["algorithm"]) == (key["id"], rotated, "hmac-sha512")


async def test_targets_name_tsig_key_resources_by_id(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    secret = base64.b64encode(b"referenced-secret-0123456789").decode()
    body = {"name": "ref-key", "algorithm": "hmac-sha512", "secret": secret, "scope": "POOL"}
    key = (await client.post("/v2/tsigkeys", json=body | {"resource_id": DEFAULT_POOL_ID})).json()
    pool = copy.deepcopy(BIND9_POOL)
    pool["targets"][0]["tsigkey_id"] = str(uuid.uuid4())
    with pytest.raises(errors.InvalidObject, match="Invalid pools file") as refused:
        await pools.apply(admin(), env, pool_specs.parse([pool], check_target))
    assert refused.value.errors[0].path == (0, "targets", 0, "tsigkey_id")
    pool["targets"][0]["tsigkey_id"] = key["id"]
    await pools.apply(admin(), env, pool_specs.parse([pool], check_target))
    # What the worker signs NOTIFY with and the backends name: the resource's key.
    async with env.db.read() as conn:
        stored = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
        assert stored is not None
        resolved = await tsigkey_rows.resolve(conn, stored)
    found = transfers.key_for(resolved.targets, "192.0.2.2", 53)
    assert found == transfers.TsigKey("ref-key", secret, "hmac-sha512")
    # `pool show` keeps the reference, not the secret, so show-then-update changes nothing.
    [spec] = [s for s in await pools.current(admin(), env) if s.id == DEFAULT_POOL_ID]
    assert spec.targets[0].tsigkey_id == key["id"]
    assert "tsigkey_secret" not in spec.targets[0].options
