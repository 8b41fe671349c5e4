"""``GET /v2/zones/{id}/sync``: Zonekeeper's propagation view of one zone."""

from __future__ import annotations

import httpx

from tests.api.conftest import ZoneFactory


async def test_sync_of_a_new_zone(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone = await make_zone("sync.example.")
    response = await client.get(f"/v2/zones/{zone['id']}/sync")
    assert response.status_code == 200
    body = response.json()
    assert body["zone_id"] == zone["id"] and body["serial"] == zone["serial"]
    assert body["status"] == "PENDING" and body["attempts"] == 0
    assert body["nameservers"] == []  # the worker has not looked yet
    assert body["targets"] == []  # nor provisioned it anywhere
    assert body["links"]["self"].endswith(f"/v2/zones/{zone['id']}/sync")


async def test_sync_is_scoped_like_the_zone(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("mine.example.")
    other = await client.get(
        f"/v2/zones/{zone['id']}/sync", headers={"X-Auth-Project-ID": "someone-else"}
    )
    assert other.status_code == 404 and other.json()["type"] == "zone_not_found"
    bad = await client.get("/v2/zones/not-a-uuid/sync")
    assert bad.status_code == 400 and bad.json()["type"] == "invalid_uuid"
