"""Quotas as an HTTP client meets them: 413 with Designate's body, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import MEMBER, ZoneFactory

LIMITS = {"zones": 1, "zone_recordsets": 4, "zone_records": 3, "recordset_records": 2}
"""Small enough to reach in a few requests (a zone's SOA and NS count as two recordsets)."""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"quotas": LIMITS}


def assert_over_quota(response: httpx.Response, resource: str) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["code"] == 413 and body["type"] == "over_quota"
    assert body["message"] == f"Quota exceeded for {resource}."
    assert body["request_id"].startswith("req-")


async def zone_names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/v2/zones", headers=headers)
    return [zone["name"] for zone in response.json()["zones"]]


async def test_a_zone_past_the_project_quota_is_413_and_not_created(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await make_zone("one.example.", headers=MEMBER)
    body = {"name": "two.example.", "email": "a@two.example"}
    assert_over_quota(await client.post("/v2/zones", json=body, headers=MEMBER), "zones")
    assert await zone_names(client, MEMBER) == ["one.example."]
    await make_zone("other.example.")  # another project has a quota of its own


async def test_recordset_and_record_quotas_are_413_and_change_nothing(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("rs.example.", headers=MEMBER)
    url = f"/v2/zones/{zone['id']}/recordsets"

    async def create(name: str, records: list[str]) -> httpx.Response:
        body = {"name": f"{name}.rs.example.", "type": "A", "records": records}
        return await client.post(url, json=body, headers=MEMBER)

    two = ["192.0.2.1", "192.0.2.2"]
    assert_over_quota(await create("big", [*two, "192.0.2.3"]), "recordset_records")
    assert (await create("a", two)).status_code == 202
    assert_over_quota(await create("b", two), "zone_records")  # 4 records > 3
    assert (await create("b", two[:1])).status_code == 202
    serial = (await client.get(f"/v2/zones/{zone['id']}", headers=MEMBER)).json()["serial"]
    assert_over_quota(await create("c", ["192.0.2.9"]), "zone_recordsets")  # 5 sets > 4
    after = (await client.get(f"/v2/zones/{zone['id']}", headers=MEMBER)).json()["serial"]
    assert after == serial  # a refused change is no change

    listed = (await client.get(url, headers=MEMBER)).json()["recordsets"]
    assert sorted(rs["name"] for rs in listed if rs["type"] == "A") == [
        "a.rs.example.",
        "b.rs.example.",
    ]
