"""noauth as Designate does it: identity headers, admin-only headers (sudo, all projects,
edit managed records) refused to others with a JSON 403, and other projects' zones hidden."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from tests.api.conftest import MEMBER, ZoneFactory
from zonekeeper.api import auth
from zonekeeper.api import errors as api_errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("t", True),
        ("True", True),
        (" yes ", True),
        ("ON", True),
        ("y", True),
        ("0", False),
        ("false", False),
        ("", False),
        ("maybe", False),
        (None, False),
    ],
)
def test_bool_from_string(text: str | None, expected: bool) -> None:
    assert auth.bool_from_string(text) is expected


def test_parse_roles_drops_blanks() -> None:
    assert auth.parse_roles(" member, reader,,") == frozenset({"member", "reader"})


async def test_defaults_act_as_admin_of_noauth_project(make_zone: ZoneFactory) -> None:
    zone = await make_zone()
    assert zone["project_id"] == "noauth-project"


async def test_project_header_sets_owner(make_zone: ZoneFactory) -> None:
    zone = await make_zone(headers={"X-Auth-Project-ID": "p1"})
    assert zone["project_id"] == "p1"


@pytest.mark.parametrize("header", ["X-Auth-Sudo-Project-ID", "X-Auth-Sudo-Tenant-ID"])
async def test_admin_sudo_creates_for_another_project(make_zone: ZoneFactory, header: str) -> None:
    zone = await make_zone(headers={header: "other"})
    assert zone["project_id"] == "other"


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"X-Auth-Sudo-Project-ID": "x"}, {}),
        ({"X-Auth-Sudo-Tenant-ID": "x"}, {}),
        ({"X-Auth-All-Projects": "true"}, {}),
        ({}, {"all_projects": "True"}),
        ({}, {"all_tenants": "1"}),
        ({"X-Designate-Edit-Managed-Records": "yes"}, {}),
        ({}, {"edit_managed_records": "t"}),
    ],
)
async def test_admin_headers_are_forbidden_to_members(
    client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = await client.get("/v2/zones", headers=MEMBER | headers, params=params)
    assert response.status_code == 403
    document = response.json()
    assert document["code"] == 403
    assert document["type"] == "forbidden"
    assert document["request_id"] == response.headers["x-openstack-request-id"]


async def test_false_flags_are_not_admin_requests(client: httpx.AsyncClient) -> None:
    headers = MEMBER | {"X-Auth-All-Projects": "no"}
    response = await client.get("/v2/zones", headers=headers, params={"all_tenants": "0"})
    assert response.status_code == 200


async def test_header_wins_over_query_flag(client: httpx.AsyncClient) -> None:
    headers = MEMBER | {"X-Auth-All-Projects": "false"}
    response = await client.get("/v2/zones", headers=headers, params={"all_projects": "true"})
    assert response.status_code == 200


async def test_empty_project_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/zones", headers={"X-Auth-Project-ID": ""})
    assert response.status_code == 401
    assert response.json()["type"] == "missing_project_id"


async def test_another_projects_zone_is_404_not_403(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone()
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"/v2/zones/{zone['id']}", headers=MEMBER)
        assert response.status_code == 404
        assert response.json()["type"] == "zone_not_found"
    listed = await client.get("/v2/zones", headers=MEMBER)
    assert listed.json()["zones"] == []


async def test_all_projects_lists_every_project(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    await make_zone("a.example.", headers={"X-Auth-Project-ID": "p1"})
    await make_zone("b.example.", headers={"X-Auth-Project-ID": "p2"})
    own = await client.get("/v2/zones", headers={"X-Auth-Project-ID": "p1"})
    assert [zone["name"] for zone in own.json()["zones"]] == ["a.example."]
    every = await client.get("/v2/zones", headers={"X-Auth-All-Projects": "True"})
    assert {zone["name"] for zone in every.json()["zones"]} == {"a.example.", "b.example."}
    assert every.json()["metadata"]["total_count"] == 2


async def test_member_of_owning_project_reads_and_writes(
    client: httpx.AsyncClient, make_zone: ZoneFactory
) -> None:
    zone = await make_zone(headers=MEMBER)
    assert zone["project_id"] == "project-b"
    url = f"/v2/zones/{zone['id']}"
    assert (await client.get(url, headers=MEMBER)).status_code == 200
    assert (await client.patch(url, json={"ttl": 60}, headers=MEMBER)).status_code == 202


def test_context_carries_the_request_id() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v2/zones",
        "query_string": b"all_tenants=yes",
        "headers": [(b"x-roles", b"admin, reader"), (b"x-auth-sudo-tenant-id", b"p9")],
        api_errors.REQUEST_ID: "req-42",
    }
    ctx = auth.context_of(Request(scope))
    assert ctx.request_id == "req-42"
    assert (ctx.project_id, ctx.user_id) == ("p9", "noauth-user")
    assert ctx.roles == frozenset({"admin", "reader"})
    assert ctx.all_projects is True
    assert ctx.edit_managed is False
