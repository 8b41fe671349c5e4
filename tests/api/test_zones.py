"""Zones on the wire: codes, headers, the rendered fields, and the body rules (unknown,
read-only and immutable keys; JSON types, lengths and ranges)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.conftest import ZoneFactory

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
ZONE_KEYS = {
    "id",
    "pool_id",
    "project_id",
    "name",
    "email",
    "ttl",
    "serial",
    "status",
    "action",
    "description",
    "masters",
    "type",
    "transferred_at",
    "version",
    "created_at",
    "updated_at",
    "attributes",
    "shared",
    "links",
}


async def test_version_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"X-Auth-Project-ID": ""})  # no auth needed
    versions = response.json()["versions"]
    assert [v["id"] for v in versions if v["status"] == "CURRENT"] == ["v2.4"]
    assert {"v2", "v2.0"} <= {v["id"] for v in versions}
    assert all(v["updated"].endswith("Z") for v in versions)
    assert versions[0]["links"][0] == {"href": "http://api.test/v2", "rel": "self"}


async def test_create_renders_every_field(client: httpx.AsyncClient) -> None:
    body = {"name": "example.org.", "email": "a@example.org", "ttl": 600, "description": "d"}
    response = await client.post("/v2/zones", json=body)
    assert response.status_code == 202
    zone = response.json()
    assert set(zone) == ZONE_KEYS
    assert (zone["status"], zone["action"], zone["type"]) == ("PENDING", "CREATE", "PRIMARY")
    assert zone["ttl"] == 600
    assert zone["shared"] is False
    assert zone["updated_at"] is None and zone["transferred_at"] is None
    assert TIMESTAMP.fullmatch(zone["created_at"])
    assert response.headers["location"] == zone["links"]["self"]


async def test_pool_id_is_accepted_and_ignored(client: httpx.AsyncClient) -> None:
    body = {
        "name": "p.example.",
        "email": "a@b.c",
        "pool_id": "11111111-2222-3333-4444-555555555555",
    }
    response = await client.post("/v2/zones", json=body)
    assert response.status_code == 202
    assert response.json()["pool_id"] != body["pool_id"]


async def test_patch_status_and_partial_update(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone(description="keep")
    response = await client.patch(f"/v2/zones/{zone['id']}", json={"ttl": 120})
    assert response.status_code == 202
    assert response.json()["description"] == "keep"
    assert response.json()["ttl"] == 120


async def test_read_only_and_immutable_keys_tolerated_when_unchanged(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    body = {"name": zone["name"], "id": zone["id"], "links": zone["links"], "ttl": 99}
    response = await client.patch(f"/v2/zones/{zone['id']}", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["ttl"] == 99


async def test_changed_read_only_and_immutable_keys_are_refused(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    body = {"name": "other.org.", "serial": 1, "colour": "red", "ttl": 5}
    response = await client.patch(f"/v2/zones/{zone['id']}", json=body)
    assert response.status_code == 400
    document = response.json()
    assert document["type"] == "invalid_object"
    assert document["message"] == (
        "Provided object does not match schema. Keys ['name', 'serial', 'colour'] are not "
        "valid for zone"
    )
    assert [error["path"] for error in document["errors"]["errors"]] == [
        ["name"],
        ["serial"],
        ["colour"],
    ]
    unchanged = (await client.get(f"/v2/zones/{zone['id']}")).json()
    assert unchanged["ttl"] == zone["ttl"]


async def test_read_only_key_on_create_is_refused(client: httpx.AsyncClient) -> None:
    body = {"name": "ro.example.", "email": "a@b.c", "status": "ACTIVE"}
    response = await client.post("/v2/zones", json=body)
    assert response.status_code == 400
    assert response.json()["errors"]["errors"][0]["path"] == ["status"]


@pytest.mark.parametrize(
    ("fields", "path", "validator"),
    [
        ({"ttl": "600"}, ["ttl"], "type"),
        ({"ttl": True}, ["ttl"], "type"),
        ({"ttl": 1.5}, ["ttl"], "type"),
        ({"ttl": -1}, ["ttl"], "minimum"),
        ({"ttl": 2147483648}, ["ttl"], "maximum"),
        ({"description": "x" * 161}, ["description"], "maxLength"),
        ({"type": "CATALOG"}, ["type"], "enum"),
        ({"masters": "192.0.2.1"}, ["masters"], "type"),
        ({"masters": [1]}, ["masters", 0], "type"),
        ({"attributes": {"k": "v" * 51}}, ["attributes", "k"], "maxLength"),
        ({"name": None}, ["name"], "type"),
    ],
)
async def test_schema_errors(
    client: httpx.AsyncClient, fields: dict[str, Any], path: list[Any], validator: str
) -> None:
    body = {"name": "s.example.", "email": "a@b.c"} | fields
    response = await client.post("/v2/zones", json=body)
    assert response.status_code == 400
    document = response.json()
    assert document["type"] == "invalid_object"
    assert "message" not in document
    [error] = document["errors"]["errors"]
    assert (error["path"], error["validator"]) == (path, validator)


async def test_missing_name_is_a_required_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/zones", json={"email": "a@b.c"})
    [error] = response.json()["errors"]["errors"]
    assert error == {
        "path": [],
        "message": "'name' is a required property",
        "validator": "required",
        "validator_value": None,
    }


async def test_description_of_160_is_fine_and_null_clears(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone(description="x" * 160)
    response = await client.patch(f"/v2/zones/{zone['id']}", json={"description": None})
    assert response.status_code == 202
    assert response.json()["description"] is None


async def test_service_rules_come_back_typed(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await make_zone("dup.example.")
    duplicate = await client.post("/v2/zones", json={"name": "dup.example.", "email": "a@b.c"})
    assert (duplicate.status_code, duplicate.json()["type"]) == (409, "duplicate_zone")
    single = await client.post("/v2/zones", json={"name": "tld.", "email": "a@b.c"})
    assert (single.status_code, single.json()["type"]) == (400, "invalid_zone_name")


async def test_nameservers(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone = await make_zone()
    response = await client.get(f"/v2/zones/{zone['id']}/nameservers")
    assert response.json() == {"nameservers": [{"hostname": "ns1.zonekeeper.test.", "priority": 1}]}


async def test_uppercase_path_id_finds_the_zone(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    response = await client.get(f"/v2/zones/{zone['id'].upper()}")
    assert response.json()["id"] == zone["id"]


async def test_openapi_document_describes_bodies(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    create = document["paths"]["/v2/zones"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["name"]  # email: for PRIMARY zones only
    assert schema["additionalProperties"] is False
    assert set(create["responses"]) >= {"201", "202", "400", "409", "413", "415"}
    assert "422" not in document["paths"]["/v2/zones/{zone_id}"]["get"]["responses"]


@pytest.mark.parametrize("name", ["", ".", "x"])
async def test_malformed_name_is_invalid_object_never_500(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.post("/v2/zones", json={"name": name, "email": "a@b.c"})
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "invalid_object"
    assert (await client.get("/v2/zones")).json()["metadata"]["total_count"] == 0


async def test_patch_of_a_zone_being_created_is_an_update(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    assert zone["action"] == "CREATE"
    response = await client.patch(f"/v2/zones/{zone['id']}", json={"description": "x"})
    assert (response.json()["status"], response.json()["action"]) == ("PENDING", "UPDATE")
    fetched = (await client.get(f"/v2/zones/{zone['id']}")).json()
    assert fetched["action"] == "UPDATE"


async def test_secondary_zone_create_and_xfr_errors(client: httpx.AsyncClient) -> None:
    """SECONDARY creates are checked as Designate does; the xfr task is for them only."""
    body = {"name": "sec.example.", "type": "SECONDARY", "email": "a@b.c"}
    response = await client.post("/v2/zones", json=body)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    messages = {error["message"] for error in response.json()["errors"]["errors"]}
    assert messages == {
        "'masters' is a required property",
        "'email' can't be specified when type is SECONDARY",
    }
    body = {"name": "sec.example.", "type": "SECONDARY", "masters": ["192.0.2.1:5353"]}
    created = await client.post("/v2/zones", json=body)
    assert created.status_code == 202
    assert created.json()["masters"] == ["192.0.2.1:5353"]
    primary = await client.post("/v2/zones", json={"name": "p.example.", "email": "a@b.c"})
    refused = await client.post(f"/v2/zones/{primary.json()['id']}/tasks/xfr")
    assert (refused.status_code, refused.json()["type"]) == (400, "bad_request")
    accepted = await client.post(f"/v2/zones/{created.json()['id']}/tasks/xfr")
    assert (accepted.status_code, accepted.content) == (202, b"")
