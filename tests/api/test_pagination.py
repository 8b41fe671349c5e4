"""List queries: limits, markers, sort keys and directions, filters (with wildcards), and
the collection document's links and metadata."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.api.conftest import MEMBER, ZoneFactory


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"api": {"default_limit": 2, "max_limit": 3}, "quotas": {"zones": 50}}


@pytest.fixture
async def four_zones(make_zone: ZoneFactory) -> list[dict[str, Any]]:
    names = ["d.example.", "b.example.", "c.example.", "a.sub.example."]
    return [await make_zone(name, ttl=300 + index) for index, name in enumerate(names)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_default_limit_and_next_link(
    client: httpx.AsyncClient, four_zones: list[dict[str, Any]]
) -> None:
    page = (await client.get("/v2/zones")).json()
    assert [zone["id"] for zone in page["zones"]] == [zone["id"] for zone in four_zones[:2]]
    assert page["links"]["self"] == "http://api.test/v2/zones"
    assert query_of(page["links"]["next"]) == {"marker": [four_zones[1]["id"]]}
    assert page["metadata"] == {"total_count": 4}


async def test_next_link_keeps_the_query_and_replaces_the_marker(
    client: httpx.AsyncClient, four_zones: list[dict[str, Any]]
) -> None:
    first = await client.get("/v2/zones", params={"limit": 1, "sort_key": "name"})
    second = (await client.get(first.json()["links"]["next"])).json()
    assert second["zones"][0]["name"] == "b.example."
    assert query_of(second["links"]["next"]) == {
        "limit": ["1"],
        "sort_key": ["name"],
        "marker": [second["zones"][0]["id"]],
    }
    assert second["links"]["self"] == first.json()["links"]["next"]


async def test_full_last_page_links_to_an_empty_page(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await make_zone("one.example.")
    await make_zone("two.example.")
    page = (await client.get("/v2/zones")).json()
    assert "next" in page["links"]
    empty = await client.get(page["links"]["next"])
    assert empty.status_code == 200
    assert empty.json()["zones"] == []
    assert "next" not in empty.json()["links"]


async def test_partial_page_has_no_next(client: httpx.AsyncClient, make_zone: ZoneFactory) -> None:
    await make_zone()
    page = (await client.get("/v2/zones")).json()
    assert set(page["links"]) == {"self"}


@pytest.mark.parametrize(("limit", "served"), [("max", 3), ("1000000", 3), ("1", 1)])
async def test_limit_max_and_cap(
    client: httpx.AsyncClient, four_zones: list[dict[str, Any]], limit: str, served: int
) -> None:
    page = (await client.get("/v2/zones", params={"limit": limit})).json()
    assert len(page["zones"]) == served


@pytest.mark.parametrize(
    ("params", "type_"),
    [
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "-3"}, "invalid_limit"),
        ({"limit": "ten"}, "invalid_limit"),
        ({"limit": "9" * 5000}, "invalid_limit"),
        ({"marker": "nope"}, "invalid_marker"),
        ({"marker": "12345678-1234-1234-1234-123456789012"}, "marker_not_found"),
        ({"sort_key": "email"}, "invalid_sort_key"),
        ({"sort_key": "tenant_id"}, "invalid_sort_key"),
        ({"sort_dir": "up"}, "invalid_sort_dir"),
        ({"sort_dir": "ASC"}, "invalid_sort_dir"),
    ],
)
async def test_bad_paging_parameters(
    client: httpx.AsyncClient, params: dict[str, str], type_: str
) -> None:
    response = await client.get("/v2/zones", params=params)
    assert response.status_code == 400
    assert response.json()["type"] == type_


async def test_tenant_id_sort_needs_all_projects(
    client: httpx.AsyncClient, four_zones: list[dict[str, Any]]
) -> None:
    params = {"sort_key": "tenant_id", "all_projects": "1"}
    assert (await client.get("/v2/zones", params=params)).status_code == 200


async def test_unknown_and_duplicate_filters(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/v2/zones", params={"colour": "blue", "size": "1"})
    assert unknown.status_code == 400
    assert unknown.json()["type"] == "bad_request"
    assert unknown.json()["message"] == "Invalid filters colour, size"
    duplicate = await client.get("/v2/zones?name=a.&name=b.")
    assert duplicate.status_code == 400
    assert duplicate.json()["message"] == "Duplicate filters name"


async def test_sort_dir_desc(client: httpx.AsyncClient, four_zones: list[dict[str, Any]]) -> None:
    params = {"sort_key": "ttl", "sort_dir": "desc", "limit": "max"}
    page = (await client.get("/v2/zones", params=params)).json()
    assert [zone["ttl"] for zone in page["zones"]] == [303, 302, 301]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("c.example.", {"c.example."}),
        ("*.example.", {"d.example.", "b.example.", "c.example.", "a.sub.example."}),
        ("*.sub.*", {"a.sub.example."}),
        ("b*", {"b.example."}),
        ("example.", set()),
    ],
)
async def test_name_filter_with_wildcards(
    client: httpx.AsyncClient, four_zones: list[dict[str, Any]], name: str, expected: set[str]
) -> None:
    page = (await client.get("/v2/zones", params={"name": name, "limit": "max"})).json()
    names = {zone["name"] for zone in page["zones"]}
    assert names <= expected
    assert len(names) == min(len(expected), 3)  # max_limit is 3 here
    assert page["metadata"]["total_count"] == len(expected)


async def test_recordset_filters_and_hidden_counts(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    path = f"/v2/zones/{zone['id']}/recordsets"
    for name, data in (("www", "192.0.2.1"), ("web", "192.0.2.2"), ("mail", "198.51.100.7")):
        body = {"name": f"{name}.example.org.", "type": "A", "records": [data]}
        assert (await client.post(path, json=body)).status_code == 202
    found = (await client.get(path, params={"data": "192.0.2.*"})).json()
    assert {item["name"] for item in found["recordsets"]} == {
        "www.example.org.",
        "web.example.org.",
    }
    assert found["metadata"] == {"total_count": 2}
    hidden = await client.get(
        path, params={"type": "A"}, headers={"OpenStack-DNS-Hide-Counts": "True"}
    )
    assert hidden.json()["metadata"] == {}
    across = await client.get("/v2/recordsets", params={"name": "mail.*"})
    assert [item["name"] for item in across.json()["recordsets"]] == ["mail.example.org."]


async def test_all_recordsets_refuse_id_sort(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/recordsets", params={"sort_key": "id"})
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_sort_key"


async def test_flags_are_not_filters(client: httpx.AsyncClient) -> None:
    params = {"all_tenants": "0", "edit_managed_records": "0"}
    assert (await client.get("/v2/recordsets", params=params)).status_code == 200


async def test_another_projects_id_is_an_unknown_marker(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    theirs = await make_zone("theirs.example.", headers={"X-Auth-Project-ID": "project-a"})
    ours = await make_zone("ours.example.", headers=MEMBER)
    their_recordsets = await client.get(
        f"/v2/zones/{theirs['id']}/recordsets", headers={"X-Auth-Project-ID": "project-a"}
    )
    their_recordset = their_recordsets.json()["recordsets"][0]["id"]
    unknown = "12345678-1234-1234-1234-123456789012"
    for path, foreign in [
        ("/v2/zones", theirs["id"]),
        (f"/v2/zones/{ours['id']}/recordsets", their_recordset),
        ("/v2/recordsets", their_recordset),
    ]:
        answers = [
            await client.get(path, params={"marker": marker}, headers=MEMBER)
            for marker in (foreign, unknown)
        ]
        assert [a.status_code for a in answers] == [400, 400], path
        bodies = [a.json() for a in answers]
        assert [b["type"] for b in bodies] == ["marker_not_found"] * 2, path
        assert bodies[0]["message"] == bodies[1]["message"].replace(unknown, foreign)
    admin = {"X-Roles": "admin", "X-Auth-All-Projects": "true"}
    seen = await client.get("/v2/zones", params={"marker": theirs["id"]}, headers=admin)
    assert seen.status_code == 200  # with every project in scope, the marker is a real one
