"""``/v2/quotas``, ``/admin/quotas`` and ``/v2/limits``: the flat map, who may read and set
whose quotas, the body rules, and that a set quota is the one enforced."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import MEMBER

DEFAULTS = {
    "api_export_size": 1000,
    "recordset_records": 20,
    "zone_records": 500,
    "zone_recordsets": 500,
    "zones": 10,
}
ALL = {"X-Auth-All-Projects": "True"}
READER = {"X-Auth-Project-ID": "project-b", "X-Roles": "reader"}


async def test_defaults_then_set_then_reset(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v2/quotas")).json() == DEFAULTS
    response = await client.patch("/v2/quotas/noauth-project", json={"zones": 1})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"zones": 1}
    assert (await client.get("/v2/quotas/noauth-project")).json() == DEFAULTS | {"zones": 1}
    again = await client.patch("/v2/quotas/noauth-project", json={"zones": -1, "zone_records": 3})
    assert again.json() == DEFAULTS | {"zones": -1, "zone_records": 3}
    response = await client.delete("/v2/quotas/noauth-project")
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get("/v2/quotas")).json() == DEFAULTS


async def test_a_set_quota_is_enforced(client: httpx.AsyncClient) -> None:
    await client.patch("/v2/quotas/project-b", json={"zones": 1}, headers=ALL)
    first = {"name": "one.example.", "email": "a@b.c"}
    assert (await client.post("/v2/zones", json=first, headers=MEMBER)).status_code == 202
    second = {"name": "two.example.", "email": "a@b.c"}
    response = await client.post("/v2/zones", json=second, headers=MEMBER)
    assert (response.status_code, response.json()["type"]) == (413, "over_quota")
    limits = (await client.get("/v2/limits", headers=MEMBER)).json()
    assert limits["max_zones"] == 1


async def test_other_projects_need_all_projects_even_for_admins(
    client: httpx.AsyncClient,
) -> None:
    for method, body in (("GET", None), ("PATCH", {"zones": 5})):
        response = await client.request(method, "/v2/quotas/project-b", json=body)
        assert response.status_code == 403, method
        allowed = await client.request(method, "/v2/quotas/project-b", json=body, headers=ALL)
        assert allowed.status_code == 200, method
    assert (await client.get("/v2/quotas/project-b", headers=ALL)).json()["zones"] == 5


@pytest.mark.parametrize("headers", [MEMBER, READER], ids=["member", "reader"])
async def test_non_admins_read_their_own_and_set_nothing(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert (await client.get("/v2/quotas", headers=headers)).json() == DEFAULTS
    assert (await client.get("/v2/quotas/project-b", headers=headers)).status_code == 200
    for method, path, body in [
        ("GET", "/v2/quotas/noauth-project", None),
        ("PATCH", "/v2/quotas/project-b", {"zones": 100}),
        ("DELETE", "/v2/quotas/project-b", None),
        ("GET", "/admin/quotas/noauth-project", None),
        ("PATCH", "/admin/quotas/project-b", {"quota": {"zones": 100}}),
    ]:
        response = await client.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()["type"]) == (403, "forbidden"), path
    assert (await client.get("/v2/quotas", headers=headers)).json() == DEFAULTS


@pytest.mark.parametrize(
    "body",
    [{"zones": -2}, {"zones": "5"}, {"zones": 2147483648}, {"colour": 1}, {"zones": 1.5}],
)
async def test_bad_bodies_change_nothing(client: httpx.AsyncClient, body: object) -> None:
    response = await client.patch("/v2/quotas/noauth-project", json=body)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_object")
    assert (await client.get("/v2/quotas")).json() == DEFAULTS


async def test_admin_api(client: httpx.AsyncClient) -> None:
    response = await client.patch("/admin/quotas/project-b", json={"quota": {"zones": 7}})
    assert response.status_code == 200
    assert response.json() == {"quota": DEFAULTS | {"zones": 7}}
    assert (await client.get("/admin/quotas/project-b")).json() == {
        "quota": DEFAULTS | {"zones": 7}
    }
    response = await client.delete("/admin/quotas/project-b")
    assert (response.status_code, response.content) == (204, b"")
    bad = await client.patch("/admin/quotas/project-b", json={"zones": 7})
    assert (bad.status_code, bad.json()["type"]) == (400, "invalid_object")


async def test_limits(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/limits", headers=READER)
    assert response.json() == {
        "max_zones": 10,
        "max_zone_recordsets": 500,
        "max_zone_records": 500,
        "max_recordset_records": 20,
        "min_ttl": 0,
        "max_zone_name_length": 255,
        "max_recordset_name_length": 255,
        "max_page_limit": 1000,
    }
