"""Zone ownership transfers: requests (targeted or not, the key shown to the owner only),
accepts (the zone and its recordsets change project, managed records stay managed, the
request is consumed), and their refusals."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import ZoneFactory

OWNER = {"X-Auth-Project-ID": "owner", "X-Roles": "member,reader"}
TAKER = {"X-Auth-Project-ID": "taker", "X-Roles": "member,reader"}
OTHER = {"X-Auth-Project-ID": "other", "X-Roles": "member,reader"}
REQUESTS = "/v2/zones/tasks/transfer_requests"
ACCEPTS = "/v2/zones/tasks/transfer_accepts"


async def offered(
    client: httpx.AsyncClient, make_zone: ZoneFactory, body: dict[str, Any] | None = None
) -> tuple[Any, Any]:
    zone = await make_zone("moving.example.", headers=OWNER)
    rs = {"name": "www.moving.example.", "type": "A", "records": ["192.0.2.1"]}
    assert (
        await client.post(f"/v2/zones/{zone['id']}/recordsets", json=rs, headers=OWNER)
    ).is_success
    path = f"/v2/zones/{zone['id']}/tasks/transfer_requests"
    response = (
        await client.post(path, json=body, headers=OWNER)
        if body is not None
        else (await client.post(path, headers=OWNER))
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == response.json()["links"]["self"]
    return zone, response.json()


async def test_request_shows_its_key_to_the_owner_only(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    _zone, request = await offered(client, make_zone, {"target_project_id": "taker"})
    assert request["status"] == "ACTIVE" and request["zone_name"] == "moving.example."
    key = request["key"]
    assert len(key) == 8 and key.isalnum() and key.upper() == key
    owner_view = (await client.get(request["links"]["self"], headers=OWNER)).json()
    assert owner_view["key"] == key and owner_view["target_project_id"] == "taker"
    target_view = (await client.get(request["links"]["self"], headers=TAKER)).json()
    assert set(target_view) == {"id", "zone_id", "zone_name", "description", "status", "links"}
    assert (await client.get(request["links"]["self"], headers=OTHER)).status_code == 403
    listed = (await client.get(REQUESTS, headers=TAKER)).json()["transfer_requests"]
    assert [item["id"] for item in listed] == [request["id"]]
    assert (await client.get(REQUESTS, headers=OTHER)).json()["transfer_requests"] == []


async def test_accept_moves_the_zone_and_consumes_the_request(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, request = await offered(client, make_zone, {})
    body = {"key": request["key"], "zone_transfer_request_id": request["id"]}
    response = await client.post(ACCEPTS, json=body, headers=TAKER)
    assert response.status_code == 201, response.text
    accepted = response.json()
    assert (accepted["status"], accepted["zone_id"], accepted["project_id"]) == (
        "COMPLETE",
        zone["id"],
        "taker",
    )
    assert accepted["links"]["zone"].endswith(f"/v2/zones/{zone['id']}")
    moved = (await client.get(f"/v2/zones/{zone['id']}", headers=TAKER)).json()
    assert moved["project_id"] == "taker"
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=OWNER)).status_code == 404
    recordsets = (await client.get(f"/v2/zones/{zone['id']}/recordsets", headers=TAKER)).json()
    assert {rs["project_id"] for rs in recordsets["recordsets"]} == {"taker"}
    # The managed apex NS stays managed: the new owner cannot edit it either.
    ns = next(rs for rs in recordsets["recordsets"] if rs["type"] == "NS")
    path = f"/v2/zones/{zone['id']}/recordsets/{ns['id']}"
    response = await client.put(path, json={"records": ["ns.x."]}, headers=TAKER)
    assert response.status_code == 400
    done = (await client.get(request["links"]["self"], headers=TAKER)).json()
    assert done["status"] == "COMPLETE"
    again = await client.post(ACCEPTS, json=body, headers=OTHER)
    assert (again.status_code, again.json()["type"]) == (400, "invalid_zone_transfer_request")
    shown = await client.get(f"{ACCEPTS}/{accepted['id']}", headers=TAKER)
    assert shown.status_code == 200 and shown.json()["id"] == accepted["id"]


async def test_wrong_key_and_wrong_project_change_nothing(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, request = await offered(client, make_zone, {"target_project_id": "taker"})
    wrong = {"key": "AAAAAAAA", "zone_transfer_request_id": request["id"]}
    response = await client.post(ACCEPTS, json=wrong, headers=TAKER)
    assert (response.status_code, response.json()["type"]) == (403, "invalid_key")
    right = {"key": request["key"], "zone_transfer_request_id": request["id"]}
    response = await client.post(ACCEPTS, json=right, headers=OTHER)
    assert (response.status_code, response.json()["type"]) == (403, "forbidden")
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=OWNER)).json()["project_id"] == (
        "owner"
    )
    missing = {"key": "X", "zone_transfer_request_id": "00000000-0000-0000-0000-000000000001"}
    response = await client.post(ACCEPTS, json=missing, headers=TAKER)
    assert (response.status_code, response.json()["type"]) == (
        404,
        "zone_transfer_request_not_found",
    )


async def test_one_active_request_per_zone_and_deletion(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, request = await offered(client, make_zone)
    path = f"/v2/zones/{zone['id']}/tasks/transfer_requests"
    second = await client.post(path, json={}, headers=OWNER)
    assert (second.status_code, second.json()["type"]) == (409, "duplicate_zone_transfer_request")
    assert (await client.post(path, headers=TAKER)).status_code == 404
    # Designate looks a request up for a delete among the caller's own and those meant for
    # it: an open request is neither, to another project (where a GET finds it, then 403).
    assert (await client.delete(request["links"]["self"], headers=TAKER)).status_code == 404
    assert (await client.delete(request["links"]["self"], headers=OWNER)).status_code == 204
    assert (await client.get(request["links"]["self"], headers=OWNER)).status_code == 404
    body = {"key": request["key"], "zone_transfer_request_id": request["id"]}
    assert (await client.post(ACCEPTS, json=body, headers=TAKER)).status_code == 404
    assert (await client.post(path, json={}, headers=OWNER)).status_code == 201


async def test_a_null_body_is_an_empty_request(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    """tempest's "empty body" request sends JSON ``null``; Designate takes it as ``{}``."""
    zone = await make_zone("null.example.", headers=OWNER)
    path = f"/v2/zones/{zone['id']}/tasks/transfer_requests"
    headers = {**OWNER, "Content-Type": "application/json"}
    response = await client.post(path, content=b"null", headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["target_project_id"]) == ("ACTIVE", None)
    text = {**OWNER, "Content-Type": "text/plain"}
    refused = await client.post(path, content=b"", headers=text)
    assert (refused.status_code, refused.json()["type"]) == (415, "unsupported_content_type")


async def test_update_changes_the_description_only(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    _zone, request = await offered(client, make_zone, {"description": "old"})
    url = request["links"]["self"]
    response = await client.patch(url, json={"description": "new"}, headers=OWNER)
    assert response.status_code == 200 and response.json()["description"] == "new"
    other_zone = "00000000-0000-0000-0000-000000000001"
    response = await client.patch(url, json={"zone_id": other_zone}, headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_operation")
    response = await client.patch(url, json={"target_project_id": "x"}, headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    assert (await client.patch(url, json={"description": "t"}, headers=TAKER)).status_code == 403


async def test_accepts_are_listed_for_admins(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    _zone, request = await offered(client, make_zone)
    body = {"key": request["key"], "zone_transfer_request_id": request["id"]}
    accepted = (await client.post(ACCEPTS, json=body, headers=TAKER)).json()
    assert (await client.get(ACCEPTS, headers=TAKER)).status_code == 403
    admin = {"X-Auth-Project-ID": "taker", "X-Roles": "admin"}
    listed = (await client.get(ACCEPTS, headers=admin)).json()
    assert [item["id"] for item in listed["transfer_accepts"]] == [accepted["id"]]
    assert listed["metadata"]["total_count"] == 1
