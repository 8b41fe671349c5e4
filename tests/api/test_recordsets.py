"""Recordsets on the wire: 201/200 when ACTIVE, partial PUT, the 301 of /v2/recordsets/{id},
and the body rules."""

from __future__ import annotations

from typing import Any

import dns.asyncquery
import dns.message
import httpx
import pytest

from tests.api.conftest import ZoneFactory
from zonekeeper.config import DnsSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.service.env import ServiceEnv

RECORDSET_KEYS = {
    "id",
    "zone_id",
    "zone_name",
    "project_id",
    "name",
    "type",
    "records",
    "ttl",
    "description",
    "status",
    "action",
    "version",
    "created_at",
    "updated_at",
    "links",
}


@pytest.fixture
async def zone(make_zone: ZoneFactory) -> dict[str, Any]:
    created: dict[str, Any] = await make_zone()
    return created


@pytest.fixture
def path(zone: dict[str, Any]) -> str:
    return f"/v2/zones/{zone['id']}/recordsets"


async def create(client: httpx.AsyncClient, path: str, **fields: Any) -> httpx.Response:
    body = {"name": "www.example.org.", "type": "A", "records": ["192.0.2.1"]} | fields
    return await client.post(path, json=body)


async def test_create_with_records_is_202(client: httpx.AsyncClient, path: str) -> None:
    response = await create(client, path)
    assert response.status_code == 202
    recordset = response.json()
    assert set(recordset) == RECORDSET_KEYS
    assert (recordset["status"], recordset["action"]) == ("PENDING", "CREATE")
    assert recordset["zone_name"] == "example.org."
    assert recordset["ttl"] is None
    assert response.headers["location"] == recordset["links"]["self"]


async def test_empty_records_is_active_201_and_put_200(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await create(client, path, records=[])
    assert response.status_code == 201
    assert response.json()["status"] == "ACTIVE"
    url = f"{path}/{response.json()['id']}"
    filled = await client.put(url, json={"records": ["192.0.2.9"]})
    assert filled.status_code == 202
    emptied = await client.put(url, json={"records": []})
    assert emptied.status_code == 200
    assert emptied.json()["records"] == []


async def test_put_is_partial(client: httpx.AsyncClient, path: str) -> None:
    recordset = (await create(client, path, description="keep")).json()
    response = await client.put(f"{path}/{recordset['id']}", json={"ttl": 300})
    assert response.json()["records"] == ["192.0.2.1"]
    assert response.json()["description"] == "keep"
    assert response.json()["ttl"] == 300


async def test_put_tolerates_same_name_and_type_only(client: httpx.AsyncClient, path: str) -> None:
    recordset = (await create(client, path)).json()
    url = f"{path}/{recordset['id']}"
    same = await client.put(url, json={"name": recordset["name"], "type": "A", "ttl": 60})
    assert same.status_code == 202
    changed = await client.put(url, json={"type": "AAAA"})
    assert changed.status_code == 400
    assert changed.json()["message"] == (
        "Provided object does not match schema. Keys ['type'] are not valid for recordset"
    )


async def test_patch_is_405(client: httpx.AsyncClient, path: str) -> None:
    recordset = (await create(client, path)).json()
    response = await client.patch(f"{path}/{recordset['id']}", json={"ttl": 1})
    assert response.status_code == 405
    assert response.json()["type"] == "method_not_allowed"


async def test_find_redirects_to_the_zone_url(client: httpx.AsyncClient, path: str) -> None:
    recordset = (await create(client, path)).json()
    response = await client.get(f"/v2/recordsets/{recordset['id']}")
    assert response.status_code == 301
    assert response.headers["location"] == recordset["links"]["self"]
    followed = await client.get(response.headers["location"])
    assert followed.json()["id"] == recordset["id"]


async def test_all_recordsets_link_under_their_zone(client: httpx.AsyncClient, path: str) -> None:
    await create(client, path)
    listed = (await client.get("/v2/recordsets", params={"type": "A"})).json()
    [item] = listed["recordsets"]
    assert item["links"]["self"] == f"http://api.test{path}/{item['id']}"


async def test_recordset_of_another_zone_is_404(
    client: httpx.AsyncClient, path: str, make_zone: ZoneFactory
) -> None:
    recordset = (await create(client, path)).json()
    other = await make_zone("other.org.")
    response = await client.get(f"/v2/zones/{other['id']}/recordsets/{recordset['id']}")
    assert response.status_code == 404
    assert response.json()["type"] == "recordset_not_found"


async def test_unknown_zone_is_404(client: httpx.AsyncClient) -> None:
    response = await create(client, "/v2/zones/12345678-1234-1234-1234-123456789012/recordsets")
    assert (response.status_code, response.json()["type"]) == (404, "zone_not_found")


@pytest.mark.parametrize(
    ("fields", "error_path"),
    [
        ({"records": "192.0.2.1"}, ["records"]),
        ({"records": [1]}, ["records", 0]),
        ({"records": [["192.0.2.1"]]}, ["records", 0]),
        ({"ttl": "60"}, ["ttl"]),
        ({"ttl": 2147483648}, ["ttl"]),
        ({"type": 1}, ["type"]),
        ({"description": "d" * 161}, ["description"]),
    ],
)
async def test_schema_errors(
    client: httpx.AsyncClient, path: str, fields: dict[str, Any], error_path: list[Any]
) -> None:
    response = await create(client, path, **fields)
    assert response.status_code == 400
    [error] = response.json()["errors"]["errors"]
    assert error["path"] == error_path


async def test_bad_rdata_comes_back_from_the_service(client: httpx.AsyncClient, path: str) -> None:
    response = await create(client, path, records=["not-an-ip"])
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_object"
    assert response.json()["errors"]["errors"][0]["path"] == ["records", 0]


SHA256 = "ab" * 32


async def test_tlsa_in_designates_forms(client: httpx.AsyncClient, path: str) -> None:
    multi_line = f"3 1 1 (\n            {SHA256[:32]}\n            {SHA256[32:]}\n        )"
    records = [f"255 255 255 {SHA256}", f"3 1 1 {SHA256[:32]} {SHA256[32:]}", multi_line]
    response = await create(
        client, path, name="_443._tcp.example.org.", type="TLSA", records=records
    )
    assert response.status_code == 202, response.text
    # Kept as submitted (as Designate 23 does); the multi-line text is the same rdata as the
    # second one, so it collapses into it.
    assert sorted(response.json()["records"]) == sorted(records[:2])


async def test_tlsa_is_returned_as_submitted_and_served_canonically(
    client: httpx.AsyncClient, path: str, env: ServiceEnv
) -> None:
    name = "_445._tcp.example.org."
    response = await create(client, path, name=name, type="TLSA", records=["3 1 0 AA BB CC DD"])
    assert response.status_code == 202, response.text
    assert response.json()["records"] == ["3 1 0 AA BB CC DD"]
    shown = await client.get(response.json()["links"]["self"])
    assert shown.json()["records"] == ["3 1 0 AA BB CC DD"]
    mini_dns = MiniDns(env.db, DnsSettings(listen="127.0.0.1:0"))
    _, port = await mini_dns.start()
    try:
        query = dns.message.make_query(name, "TLSA")
        reply = await dns.asyncquery.udp(query, "127.0.0.1", port=port, timeout=3)
    finally:
        await mini_dns.stop()
    [rrset] = reply.answer
    assert [rr.to_text() for rr in rrset] == ["3 1 0 aabbccdd"]


@pytest.mark.parametrize(
    ("name", "records", "wire_type"),
    [
        ("_443._tcp.example.org.", [f"3 1 1 {SHA256[:32]}"], "invalid_object"),
        ("example.org.", [f"3 1 1 {SHA256}"], "bad_request"),
        ("_65536._tcp.example.org.", [f"3 1 1 {SHA256}"], "bad_request"),
    ],
)
async def test_invalid_tlsa_types(
    client: httpx.AsyncClient, path: str, name: str, records: list[str], wire_type: str
) -> None:
    response = await create(client, path, name=name, type="TLSA", records=records)
    assert response.status_code == 400
    assert response.json()["type"] == wire_type


@pytest.mark.parametrize("text", ["\\", "\\\\", "testtext\\"])
async def test_txt_ending_in_a_backslash_is_refused(
    client: httpx.AsyncClient, path: str, text: str
) -> None:
    response = await create(client, path, type="TXT", records=[text])
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_object"


async def test_managed_soa_and_ns_updates_are_bad_requests(
    client: httpx.AsyncClient, path: str
) -> None:
    listed = (await client.get(path)).json()["recordsets"]
    managed = {"X-Designate-Edit-Managed-Records": "True", "X-Auth-All-Projects": "True"}
    soa = "ns.example.net. a.example.net. 1 3510 600 86400 3600"
    bodies: dict[str, list[Any]] = {
        "NS": [
            {"records": ["ns9.example.net."]},
            # What tempest sends: a list as the body. Designate refuses the recordset first.
            [{"hostname": "ns0.other.example.", "priority": 10}],
        ],
        "SOA": [
            {"records": [soa]},
            # tempest's: another name, so the body is refused too; the recordset goes first.
            {"type": "SOA", "name": "soa.other.example.org.", "records": [soa], "ttl": 600},
        ],
    }
    for recordset in listed:
        for headers in ({}, managed):
            for body in bodies[recordset["type"]]:
                url = f"{path}/{recordset['id']}"
                response = await client.put(url, json=body, headers=headers)
                assert response.status_code == 400, (recordset["type"], headers, body)
                assert response.json()["type"] == "bad_request"
    after = (await client.get(path)).json()["recordsets"]
    assert [r["records"] for r in after] == [r["records"] for r in listed]


async def test_malformed_ids_name_the_parameter(client: httpx.AsyncClient, path: str) -> None:
    for url, name in [("/v2/pools/foo", "pool_id"), ("/v2/zones/foo", "zone_id")]:
        response = await client.get(url)
        assert response.status_code == 400
        assert response.json()["message"] == f"Invalid UUID {name}: foo"
    response = await client.get(f"{path}/foo")
    assert response.json()["message"] == "Invalid UUID recordset_id: foo"
