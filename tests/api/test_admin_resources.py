"""TLDs, blacklists and TSIG keys beyond the generic contract: admin only, their rules on new
zones, duplicates, and the fields Designate refuses."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import MEMBER, ZoneFactory
from zonekeeper.domain.models import DEFAULT_POOL_ID

READER = {"X-Auth-Project-ID": "project-b", "X-Roles": "reader"}
TSIGKEY = {
    "name": "transfer-key",
    "algorithm": "hmac-sha256",
    "secret": "c2VjcmV0",
    "scope": "POOL",
    "resource_id": DEFAULT_POOL_ID,
}
BODIES = {"tlds": {"name": "org"}, "blacklists": {"pattern": "^evil"}, "tsigkeys": TSIGKEY}


async def _create(client: httpx.AsyncClient, plural: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v2/{plural}", json=body)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("plural", list(BODIES))
@pytest.mark.parametrize("headers", [MEMBER, READER], ids=["member", "reader"])
async def test_non_admins_can_neither_read_nor_write(
    client: httpx.AsyncClient, plural: str, headers: dict[str, str]
) -> None:
    item = await _create(client, plural, BODIES[plural])
    url = f"/v2/{plural}/{item['id']}"
    change = {"name": "other"} if plural == "tsigkeys" else {"description": "x"}
    attempts = [
        ("GET", f"/v2/{plural}", None),
        ("GET", url, None),
        ("POST", f"/v2/{plural}", BODIES[plural]),
        ("PATCH", url, change),
        ("DELETE", url, None),
    ]
    for method, target, body in attempts:
        response = await client.request(method, target, json=body, headers=headers)
        assert response.status_code == 403, (method, target)
        assert response.json()["type"] == "forbidden"
    assert (await client.get(url)).json() == item


@pytest.mark.parametrize("plural", list(BODIES))
async def test_duplicates_are_409(client: httpx.AsyncClient, plural: str) -> None:
    await _create(client, plural, BODIES[plural])
    response = await client.post(f"/v2/{plural}", json=BODIES[plural])
    assert response.status_code == 409
    assert response.json()["type"] == f"duplicate_{plural.removesuffix('s')}"
    assert len((await client.get(f"/v2/{plural}")).json()[plural]) == 1


async def test_renaming_onto_an_existing_name_is_409(client: httpx.AsyncClient) -> None:
    await _create(client, "tlds", {"name": "org"})
    net = await _create(client, "tlds", {"name": "net"})
    response = await client.patch(f"/v2/tlds/{net['id']}", json={"name": "ORG"})
    assert (response.status_code, response.json()["type"]) == (409, "duplicate_tld")
    assert (await client.get(f"/v2/tlds/{net['id']}")).json()["name"] == "net"


@pytest.mark.parametrize("name", ["org.", ".org", "-org", "a..b", "x" * 64, "", "b c"])
async def test_bad_tld_names(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post("/v2/tlds", json={"name": name})
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")


async def test_while_a_tld_exists_zones_must_sit_under_one(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await make_zone("before.example.")  # no TLD yet: anything goes
    await _create(client, "tlds", {"name": "org"})
    await _create(client, "tlds", {"name": "co.uk"})
    await make_zone("example.org.", headers=MEMBER)
    await make_zone("shop.co.uk.", headers=MEMBER)
    for name, message in [
        ("example.net.", "Invalid TLD"),
        ("example.uk.", "Invalid TLD"),
        ("co.uk.", "Zone name cannot be the same as a TLD"),
    ]:
        body = {"name": name, "email": "a@example.org"}
        response = await client.post("/v2/zones", json=body, headers=MEMBER)
        assert response.status_code == 400, name
        assert response.json()["type"] == "invalid_zone_name"
        assert response.json()["message"] == message
    listed = (await client.get("/v2/zones", params={"all_projects": "1"})).json()
    assert sorted(zone["name"] for zone in listed["zones"]) == [
        "before.example.",
        "example.org.",
        "shop.co.uk.",
    ]


async def test_deleting_the_last_tld_lifts_the_rule(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    tld = await _create(client, "tlds", {"name": "org"})
    body = {"name": "example.net.", "email": "a@example.org"}
    assert (await client.post("/v2/zones", json=body)).status_code == 400
    assert (await client.delete(f"/v2/tlds/{tld['id']}")).status_code == 204
    await make_zone("example.net.")


async def test_blacklisted_names_are_refused_except_to_admins(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await _create(client, "blacklists", {"pattern": r"^evil\.", "description": "no"})
    body = {"name": "evil.example.", "email": "a@example.org"}
    response = await client.post("/v2/zones", json=body, headers=MEMBER)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_zone_name")
    assert response.json()["message"] == "Blacklisted zone name"
    await make_zone("not-evil.example.", headers=MEMBER)  # searched, but not found there
    await make_zone("evil.example.")  # an admin: use_blacklisted_zone


@pytest.mark.parametrize("pattern", ["^(unclosed", "", "#(*&^%$%$#@$", "a" * 1000])
async def test_blacklist_pattern_must_compile(client: httpx.AsyncClient, pattern: str) -> None:
    response = await client.post("/v2/blacklists", json={"pattern": pattern})
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    assert response.json()["errors"]["errors"][0]["path"] == ["pattern"]
    assert (await client.get("/v2/blacklists")).json()["blacklists"] == []


async def test_tsigkey_for_a_zone(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone = await make_zone()
    key = await _create(client, "tsigkeys", TSIGKEY | {"scope": "ZONE", "resource_id": zone["id"]})
    assert (key["scope"], key["resource_id"], key["secret"]) == ("ZONE", zone["id"], "c2VjcmV0")
    listed = (await client.get("/v2/tsigkeys", params={"scope": "ZONE"})).json()["tsigkeys"]
    assert [item["id"] for item in listed] == [key["id"]]
    assert (await client.get("/v2/tsigkeys", params={"scope": "POOL"})).json()["tsigkeys"] == []


@pytest.mark.parametrize(
    ("fields", "wire_type"),
    [
        ({"secret": ""}, "invalid_object"),
        ({"algorithm": "zababun"}, "invalid_object"),
        ({"algorithm": "hmac-sha3"}, "invalid_object"),
        ({"scope": "zababun"}, "invalid_object"),
        ({"name": "k" * 161}, "invalid_object"),
        ({"resource_id": "not-a-uuid"}, "invalid_object"),
        ({"resource_id": str(uuid.uuid4())}, "invalid_tsigkey"),
        ({"scope": "ZONE"}, "invalid_tsigkey"),  # the default pool's id is no zone's
    ],
)
async def test_tsigkey_refusals(
    client: httpx.AsyncClient, fields: dict[str, Any], wire_type: str
) -> None:
    response = await client.post("/v2/tsigkeys", json=TSIGKEY | fields)
    assert (response.status_code, response.json()["type"]) == (400, wire_type), response.text
    assert (await client.get("/v2/tsigkeys")).json()["tsigkeys"] == []


async def test_tsigkey_patch_is_checked_like_a_create(client: httpx.AsyncClient) -> None:
    key = await _create(client, "tsigkeys", TSIGKEY)
    response = await client.patch(f"/v2/tsigkeys/{key['id']}", json={"scope": "ZONE"})
    assert (response.status_code, response.json()["type"]) == (400, "invalid_tsigkey")
    response = await client.patch(f"/v2/tsigkeys/{key['id']}", json={"secret": ""})
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    assert (await client.get(f"/v2/tsigkeys/{key['id']}")).json() == key


async def test_every_designate_algorithm_is_taken(client: httpx.AsyncClient) -> None:
    algorithms = ["hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384"]
    for number, algorithm in enumerate([*algorithms, "hmac-sha512"]):
        body = TSIGKEY | {"name": f"key-{number}", "algorithm": algorithm}
        assert (await _create(client, "tsigkeys", body))["algorithm"] == algorithm
