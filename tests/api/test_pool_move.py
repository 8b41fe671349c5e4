"""``POST /v2/zones/{id}/tasks/pool_move``: admins only, 202 without a body; the zone points at
the new pool at once, names both pools' nameservers while it moves, and the refusals follow
Designate (same pool, no such pool) or keep a move from being lost (moving elsewhere)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import MEMBER, ZoneFactory
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import zones as zone_rows

ADMIN_OF_B = {"X-Auth-Project-ID": "project-b", "X-Roles": "admin"}


async def make_pool(client: httpx.AsyncClient, name: str, hostname: str) -> str:
    body = {"name": name, "ns_records": [{"hostname": hostname, "priority": 1}]}
    response = await client.post("/v2/pools", json=body)
    assert response.status_code == 201, response.text
    pool_id: str = response.json()["id"]
    return pool_id


async def apex_ns(client: httpx.AsyncClient, zone_id: str) -> set[str]:
    listed = await client.get(f"/v2/zones/{zone_id}/recordsets", params={"type": "NS"})
    return set(listed.json()["recordsets"][0]["records"])


async def test_admin_moves_a_zone_and_it_names_both_pools_meanwhile(
    env: Any, client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("move.example.")
    before = set(await apex_ns(client, zone["id"]))
    pool_id = await make_pool(client, "second", "ns.second.example.")
    path = f"/v2/zones/{zone['id']}"
    response = await client.post(f"{path}/tasks/pool_move", json={"pool_id": pool_id})
    assert (response.status_code, response.content) == (202, b"")
    moved = (await client.get(path)).json()
    assert (moved["pool_id"], moved["status"]) == (pool_id, "PENDING")
    assert moved["serial"] > zone["serial"]
    assert await apex_ns(client, zone["id"]) == before | {"ns.second.example."}
    sync = (await client.get(f"{path}/sync")).json()
    assert sync["moving_from_pool_id"] == DEFAULT_POOL_ID
    async with env.db.read() as conn:  # the old pool cannot be deleted while it serves it
        assert await pool_rows.count_zones(conn, DEFAULT_POOL_ID) == 1
    # Another move while this one runs would strand the zone on the default pool's targets.
    third = await make_pool(client, "third", "ns.third.example.")
    refused = await client.post(f"{path}/tasks/pool_move", json={"pool_id": third})
    assert (refused.status_code, refused.json()["type"]) == (400, "bad_request")
    assert (await client.get(path)).json()["pool_id"] == pool_id
    # Moving back is the way out of a move that cannot finish; no body: the default pool.
    back = await client.post(f"{path}/tasks/pool_move")
    assert back.status_code == 202
    async with env.db.read() as conn:
        zone_row = await zone_rows.get(conn, zone["id"])
    assert zone_row is not None
    assert (zone_row.pool_id, zone_row.moving_from) == (DEFAULT_POOL_ID, pool_id)


async def test_refusals(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone = await make_zone("stay.example.", headers=MEMBER)
    path = f"/v2/zones/{zone['id']}/tasks/pool_move"
    pool_id = await make_pool(client, "other", "ns.other.example.")
    forbidden = await client.post(path, json={"pool_id": pool_id}, headers=MEMBER)
    assert (forbidden.status_code, forbidden.json()["type"]) == (403, "forbidden")
    cases = [
        ({"pool_id": DEFAULT_POOL_ID}, 400, "bad_request"),  # the pool it is in
        (None, 400, "bad_request"),  # the scheduler picks the default pool: no valid pool
        ({"pool_id": "00000000-0000-0000-0000-000000000009"}, 400, "bad_request"),
        ({"pool_id": "not-a-uuid"}, 400, "invalid_object"),
        ({"pool": pool_id}, 400, "invalid_object"),
    ]
    for document, status, kind in cases:
        response = await client.post(path, json=document, headers=ADMIN_OF_B)
        assert (response.status_code, response.json()["type"]) == (status, kind), document
        error = response.json()
        assert {"code", "request_id"} <= set(error) and ("message" in error or "errors" in error)
    unchanged = (await client.get(f"/v2/zones/{zone['id']}", headers=MEMBER)).json()
    assert (unchanged["pool_id"], unchanged["serial"]) == (DEFAULT_POOL_ID, zone["serial"])
    unknown = "/v2/zones/00000000-0000-0000-0000-000000000001/tasks/pool_move"
    assert (await client.post(unknown, json={"pool_id": pool_id})).status_code == 404
    await client.delete(f"/v2/zones/{zone['id']}", headers=MEMBER)
    deleting = await client.post(path, json={"pool_id": pool_id}, headers=ADMIN_OF_B)
    assert (deleting.status_code, deleting.json()["type"]) == (400, "bad_request")
