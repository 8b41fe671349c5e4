"""Shared zones (API 2.1): share, list, show, unshare, and what sharing changes for the
project a zone is shared with (it sees the zone, writes its own recordsets, nothing more)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import ZoneFactory

OWNER = {"X-Auth-Project-ID": "owner", "X-Roles": "member,reader"}
TARGET = {"X-Auth-Project-ID": "target", "X-Roles": "member,reader"}
OTHER = {"X-Auth-Project-ID": "other", "X-Roles": "member,reader"}


async def shared_zone(client: httpx.AsyncClient, make_zone: ZoneFactory) -> tuple[Any, Any]:
    zone = await make_zone("shared.example.", headers=OWNER)
    response = await client.post(
        f"/v2/zones/{zone['id']}/shares", json={"target_project_id": "target"}, headers=OWNER
    )
    assert response.status_code == 201, response.text
    return zone, response.json()


async def test_share_is_shown_and_listed(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone, share = await shared_zone(client, make_zone)
    assert (share["zone_id"], share["project_id"], share["target_project_id"]) == (
        zone["id"],
        "owner",
        "target",
    )
    assert share["links"]["self"].endswith(f"/v2/zones/{zone['id']}/shares/{share['id']}")
    shown = await client.get(share["links"]["self"], headers=OWNER)
    assert shown.status_code == 200 and shown.json() == share
    listed = (await client.get(f"/v2/zones/{zone['id']}/shares", headers=OWNER)).json()
    assert [item["id"] for item in listed["shared_zones"]] == [share["id"]]
    assert (await client.get(share["links"]["self"], headers=TARGET)).status_code == 200
    assert (await client.get(share["links"]["self"], headers=OTHER)).status_code == 404


async def test_the_target_sees_the_zone_as_shared(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, share = await shared_zone(client, make_zone)
    seen = (await client.get(f"/v2/zones/{zone['id']}", headers=TARGET)).json()
    assert seen["shared"] is True and seen["project_id"] == "owner"
    listed = (await client.get("/v2/zones", headers=TARGET)).json()["zones"]
    assert [(z["id"], z["shared"]) for z in listed] == [(zone["id"], True)]
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=OTHER)).status_code == 404
    assert (await client.get("/v2/zones", headers=OTHER)).json()["zones"] == []
    # Unshared: the target loses it, and the flag goes.
    assert (await client.delete(share["links"]["self"], headers=OWNER)).status_code == 204
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=TARGET)).status_code == 404
    assert (await client.get("/v2/zones", headers=TARGET)).json()["zones"] == []
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=OWNER)).json()["shared"] is False


async def test_the_target_writes_its_own_recordsets_only(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, _ = await shared_zone(client, make_zone)
    path = f"/v2/zones/{zone['id']}/recordsets"
    body = {"name": "t.shared.example.", "type": "A", "records": ["192.0.2.1"]}
    mine = await client.post(path, json=body, headers=TARGET)
    assert mine.status_code == 202 and mine.json()["project_id"] == "target"
    owners = await client.post(path, json={**body, "name": "o.shared.example."}, headers=OWNER)
    assert owners.status_code == 202
    assert (await client.post(path, json=body, headers=OTHER)).status_code == 404
    update = {"ttl": 60}
    theirs = f"{path}/{owners.json()['id']}"
    assert (await client.put(theirs, json=update, headers=TARGET)).status_code == 403
    assert (await client.delete(theirs, headers=TARGET)).status_code == 403
    own = f"{path}/{mine.json()['id']}"
    assert (await client.put(own, json=update, headers=TARGET)).status_code == 202
    # The owner may change every recordset of its zone.
    assert (await client.put(own, json={"ttl": 120}, headers=OWNER)).status_code == 202


async def test_the_target_may_not_change_the_zone(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, share = await shared_zone(client, make_zone)
    path = f"/v2/zones/{zone['id']}"
    assert (await client.patch(path, json={"ttl": 60}, headers=TARGET)).status_code == 403
    assert (await client.delete(path, headers=TARGET)).status_code == 403
    again = {"target_project_id": "other"}
    response = await client.post(f"{path}/shares", json=again, headers=TARGET)
    assert response.status_code == 403
    assert (await client.delete(share["links"]["self"], headers=TARGET)).status_code == 403
    subzone = {"name": "sub.shared.example.", "email": "a@b.c"}
    response = await client.post("/v2/zones", json=subzone, headers=TARGET)
    assert (response.status_code, response.json()["type"]) == (403, "illegal_child")


async def test_unsharing_waits_for_the_targets_recordsets(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, share = await shared_zone(client, make_zone)
    path = f"/v2/zones/{zone['id']}/recordsets"
    body = {"name": "t.shared.example.", "type": "A", "records": ["192.0.2.1"]}
    created = (await client.post(path, json=body, headers=TARGET)).json()
    response = await client.delete(share["links"]["self"], headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (400, "shared_zone_has_recordsets")
    assert (await client.get(f"/v2/zones/{zone['id']}", headers=TARGET)).status_code == 200
    await client.delete(f"{path}/{created['id']}", headers=TARGET)
    assert (await client.delete(share["links"]["self"], headers=OWNER)).status_code == 204


async def test_refusals(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone, _ = await shared_zone(client, make_zone)
    path = f"/v2/zones/{zone['id']}/shares"
    cases = [
        ({"target_project_id": "owner"}, 400, "bad_request"),
        ({"target_project_id": "target"}, 409, "duplicate_shared_zone"),
        ({}, 400, "invalid_object"),
        ({"target_project_id": "x" * 37}, 400, "invalid_object"),
        ({"target_project_id": "t", "zone_id": zone["id"]}, 400, "invalid_object"),
    ]
    for body, code, error_type in cases:
        response = await client.post(path, json=body, headers=OWNER)
        assert (response.status_code, response.json()["type"]) == (code, error_type), body
    listed = (await client.get(path, headers=OWNER)).json()["shared_zones"]
    assert len(listed) == 1
    response = await client.get(f"{path}/nope", headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_uuid")
    unknown = f"{path}/00000000-0000-0000-0000-000000000001"
    response = await client.get(unknown, headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (404, "shared_zone_not_found")


async def test_a_shared_zone_is_deleted_only_with_its_shares(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone, _ = await shared_zone(client, make_zone)
    path = f"/v2/zones/{zone['id']}"
    response = await client.delete(path, headers=OWNER)
    assert (response.status_code, response.json()["type"]) == (400, "zone_is_shared")
    assert (await client.get(path, headers=OWNER)).json()["action"] == "CREATE"
    headers = {**OWNER, "X-Designate-Delete-Shares": "true"}
    assert (await client.delete(path, headers=headers)).json()["action"] == "DELETE"
    assert (await client.get(f"{path}/shares", headers=OWNER)).json()["shared_zones"] == []
