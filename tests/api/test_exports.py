"""Zone exports: create (202 PENDING, then COMPLETE), show, list, delete, the ``text/dns``
file, and the refusals (another project's zone, Accept, quota)."""

from __future__ import annotations

from typing import Any

import dns.zone
import httpx

from tests.api.conftest import MEMBER, ZoneFactory


async def export_of(client: httpx.AsyncClient, zone_id: str) -> dict[str, Any]:
    response = await client.post(f"/v2/zones/{zone_id}/tasks/export")
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "PENDING" and created["zone_id"] == zone_id
    assert response.headers["location"] == created["links"]["self"]
    document: dict[str, Any] = (await client.get(created["links"]["self"])).json()
    return document


async def test_export_file_holds_every_record(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("exported.example.", ttl=900)
    records = {"www": ("A", ["192.0.2.1", "192.0.2.2"], 300), "mail": ("MX", ["10 mx.x."], None)}
    for name, (rtype, data, ttl) in records.items():
        body = {"name": f"{name}.exported.example.", "type": rtype, "records": data, "ttl": ttl}
        assert (await client.post(f"/v2/zones/{zone['id']}/recordsets", json=body)).is_success
    done = await export_of(client, zone["id"])
    assert done["status"] == "COMPLETE"
    assert done["location"] == f"designate://v2/zones/tasks/exports/{done['id']}/export"
    assert done["links"]["export"].endswith(f"/v2/zones/tasks/exports/{done['id']}/export")
    response = await client.get(done["links"]["export"], headers={"Accept": "text/dns"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/dns")
    text = response.text
    assert text.startswith("$ORIGIN exported.example.\n$TTL 900\n\n")
    assert text.splitlines()[3].split()[:3] == ["exported.example.", "IN", "SOA"]
    assert "www.exported.example. 300 IN A 192.0.2.1\n" in text
    assert "mail.exported.example.  IN MX 10 mx.x.\n" in text
    parsed = dns.zone.from_text(text, relativize=False)
    assert sorted(str(rd) for rd in parsed.find_rdataset("www.exported.example.", "A")) == [
        "192.0.2.1",
        "192.0.2.2",
    ]


async def test_other_project_and_unknown_zones_are_404(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("mine.example.")
    response = await client.post(f"/v2/zones/{zone['id']}/tasks/export", headers=MEMBER)
    assert (response.status_code, response.json()["type"]) == (404, "zone_not_found")
    unknown = "/v2/zones/00000000-0000-0000-0000-000000000001/tasks/export"
    assert (await client.post(unknown)).status_code == 404


async def test_export_is_per_project_and_deletable(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("mine.example.")
    done = await export_of(client, zone["id"])
    path = done["links"]["self"]
    response = await client.get(path, headers=MEMBER)
    assert (response.status_code, response.json()["type"]) == (404, "zone_export_not_found")
    assert (await client.get(done["links"]["export"], headers=MEMBER)).status_code == 404
    listed = (await client.get("/v2/zones/tasks/exports", params={"zone_id": zone["id"]})).json()
    assert [item["id"] for item in listed["exports"]] == [done["id"]]
    assert listed["metadata"]["total_count"] == 1
    assert (await client.get("/v2/zones/tasks/exports", headers=MEMBER)).json()["exports"] == []
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404


async def test_accept_must_allow_text_dns(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone("mine.example.")
    done = await export_of(client, zone["id"])
    response = await client.get(done["links"]["export"], headers={"Accept": "image/jpeg"})
    assert (response.status_code, response.json()["type"]) == (406, "not_acceptable")
    response = await client.get(done["links"]["export"], headers={"Accept": "*/*"})
    assert response.status_code == 200


async def test_a_zone_over_the_export_quota_is_refused(
    env: Any, client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    env.settings.quotas.api_export_size = 2  # SOA and NS are two recordsets already
    zone = await make_zone("mine.example.")
    body = {"name": "a.mine.example.", "type": "A", "records": ["192.0.2.1"]}
    await client.post(f"/v2/zones/{zone['id']}/recordsets", json=body)
    response = await client.post(f"/v2/zones/{zone['id']}/tasks/export")
    assert (response.status_code, response.json()["type"]) == (413, "over_quota")
    assert (await client.get("/v2/zones/tasks/exports")).json()["exports"] == []


async def test_the_file_of_a_deleted_zone_is_gone(
    env: Any, client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    from zonekeeper.service import context, zones

    zone = await make_zone("gone.example.")
    done = await export_of(client, zone["id"])
    await zones.abandon(context.internal(), env, zone["id"])
    response = await client.get(done["links"]["export"])
    assert (response.status_code, response.json()["type"]) == (404, "zone_not_found")
