"""``POST /v2/zones/{id}/tasks/abandon``: admins only; the zone's rows are gone at once and
nothing is queued for the nameservers (they keep serving their copy)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import MEMBER, ZoneFactory
from zonekeeper.storage import changes as change_rows

ADMIN_OF_B = {"X-Auth-Project-ID": "project-b", "X-Roles": "admin"}


async def test_admin_abandons_a_zone(
    env: Any, client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("abandoned.example.", headers=MEMBER)
    path = f"/v2/zones/{zone['id']}"
    response = await client.post(f"{path}/tasks/abandon", headers=ADMIN_OF_B)
    assert response.status_code == 204 and response.content == b""
    assert (await client.get(path, headers=MEMBER)).status_code == 404
    async with env.db.read() as conn:
        # No DELETE waits for the worker: nothing will be removed from the nameservers.
        assert await change_rows.due_zones(conn, env.now(), 10) == []
    # The name is free again, and a new zone of it starts above the abandoned one's serial.
    again = await make_zone("abandoned.example.", headers=MEMBER)
    assert again["serial"] > zone["serial"]


async def test_members_may_not_abandon(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    zone = await make_zone("kept.example.", headers=MEMBER)
    path = f"/v2/zones/{zone['id']}"
    response = await client.post(f"{path}/tasks/abandon", headers=MEMBER)
    assert (response.status_code, response.json()["type"]) == (403, "forbidden")
    assert (await client.get(path, headers=MEMBER)).status_code == 200
    response = await client.get(f"{path}/tasks/abandon", headers=MEMBER)
    assert response.status_code == 405
    unknown = "/v2/zones/00000000-0000-0000-0000-000000000001/tasks/abandon"
    assert (await client.post(unknown, headers=ADMIN_OF_B)).status_code == 404
