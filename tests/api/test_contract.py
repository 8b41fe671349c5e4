"""One contract for every resource, from declared data: create, get, list with pagination,
update, delete, 404 and 400 (NetBox's APIViewTestCases, in spirit)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from zonekeeper.domain.models import DEFAULT_POOL_ID

Setup = Callable[[httpx.AsyncClient], Awaitable[str]]
"""Creates what a resource needs and returns its collection path."""


async def _zones_path(client: httpx.AsyncClient) -> str:
    return "/v2/zones"


async def _path(path: str) -> str:
    return path


async def _recordsets_path(client: httpx.AsyncClient) -> str:
    response = await client.post("/v2/zones", json={"name": "rs.example.", "email": "a@b.c"})
    assert response.status_code == 202
    return f"/v2/zones/{response.json()['id']}/recordsets"


@dataclass(frozen=True)
class Resource:
    key: str
    plural: str
    setup: Setup
    bodies: list[dict[str, Any]]
    update_method: str
    update: dict[str, Any]
    invalid: dict[str, Any]
    not_found_type: str
    list_filter: dict[str, str] = field(default_factory=dict)
    gone_after_delete: bool = True
    name_key: str = "name"
    asynchronous: bool = True
    """Zones and recordsets answer 202 and carry status/action/version; the admin resources
    answer 201/200/204 at once and have none of those."""
    counted: bool = True
    """Whether lists carry ``metadata.total_count`` (Designate counts only some resources)."""


RESOURCES = [
    Resource(
        key="zone",
        plural="zones",
        setup=_zones_path,
        bodies=[{"name": f"c{i}.example.", "email": "hostmaster@example.org"} for i in range(5)],
        update_method="PATCH",
        update={"ttl": 600, "description": "changed"},
        invalid={"name": "x.example.", "email": "a@x.example", "ttl": "600"},
        not_found_type="zone_not_found",
        # A deleted zone stays (DELETE / PENDING) until the worker has removed it everywhere.
        gone_after_delete=False,
    ),
    Resource(
        key="recordset",
        plural="recordsets",
        setup=_recordsets_path,
        bodies=[
            {"name": f"h{i}.rs.example.", "type": "A", "records": [f"192.0.2.{i + 1}"]}
            for i in range(5)
        ],
        update_method="PUT",
        update={"ttl": 600, "description": "changed"},
        invalid={"name": "h.rs.example.", "type": "A", "records": "192.0.2.1"},
        not_found_type="recordset_not_found",
        list_filter={"type": "A"},
    ),
]


ADMIN_RESOURCES = [
    Resource(
        key="tld",
        plural="tlds",
        setup=lambda client: _path("/v2/tlds"),
        bodies=[{"name": f"tld{i}", "description": f"d{i}"} for i in range(5)],
        update_method="PATCH",
        update={"description": "changed"},
        invalid={"name": "x", "description": 5},
        not_found_type="tld_not_found",
        asynchronous=False,
        counted=False,
    ),
    Resource(
        key="blacklist",
        plural="blacklists",
        setup=lambda client: _path("/v2/blacklists"),
        bodies=[{"pattern": f"^bad{i}\\.example\\.$"} for i in range(5)],
        update_method="PATCH",
        update={"description": "changed"},
        invalid={"pattern": "^a", "description": "x" * 161},
        not_found_type="blacklist_not_found",
        name_key="pattern",
        asynchronous=False,
        counted=False,
    ),
    Resource(
        key="tsigkey",
        plural="tsigkeys",
        setup=lambda client: _path("/v2/tsigkeys"),
        bodies=[
            {
                "name": f"key{i}",
                "algorithm": "hmac-sha256",
                "secret": "c2VjcmV0",
                "scope": "POOL",
                "resource_id": DEFAULT_POOL_ID,
            }
            for i in range(5)
        ],
        update_method="PATCH",
        update={"secret": "bmV3c2VjcmV0", "algorithm": "hmac-sha512"},
        invalid={
            "name": "k",
            "algorithm": "hmac-md4",
            "secret": "c2VjcmV0",
            "scope": "POOL",
            "resource_id": DEFAULT_POOL_ID,
        },
        not_found_type="tsigkey_not_found",
        asynchronous=False,
        counted=False,
    ),
]
RESOURCES += ADMIN_RESOURCES


@pytest.fixture(params=RESOURCES, ids=[resource.key for resource in RESOURCES])
def resource(request: pytest.FixtureRequest) -> Resource:
    declared: Resource = request.param
    return declared


async def test_create_then_get(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    created = await client.post(path, json=resource.bodies[0])
    assert created.status_code == (202 if resource.asynchronous else 201), created.text
    document = created.json()
    assert created.headers["location"] == document["links"]["self"]
    assert document["links"]["self"] == f"http://api.test{path}/{document['id']}"
    fetched = await client.get(f"{path}/{document['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == document
    assert document[resource.name_key] == resource.bodies[0][resource.name_key]


async def test_list_walks_every_page(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    ids = [(await client.post(path, json=body)).json()["id"] for body in resource.bodies]
    url: str | None = str(httpx.URL(path, params={"limit": 2, **resource.list_filter}))
    seen: list[str] = []
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200
        page = response.json()
        if resource.counted:
            assert page["metadata"]["total_count"] == len(ids)
        else:
            assert "metadata" not in page
        assert len(page[resource.plural]) <= 2
        seen.extend(item["id"] for item in page[resource.plural])
        url = page["links"].get("next")
    assert seen == ids


async def test_update_changes_only_given_keys(
    client: httpx.AsyncClient, resource: Resource
) -> None:
    path = await resource.setup(client)
    document = (await client.post(path, json=resource.bodies[0])).json()
    response = await client.request(
        resource.update_method, f"{path}/{document['id']}", json=resource.update
    )
    assert response.status_code == (202 if resource.asynchronous else 200), response.text
    updated = response.json()
    for key, value in resource.update.items():
        assert updated[key] == value
    assert updated[resource.name_key] == document[resource.name_key]
    assert updated["updated_at"] is not None
    if resource.asynchronous:
        assert updated["version"] > document["version"]
    assert (await client.get(f"{path}/{document['id']}")).json() == updated


async def test_delete(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    document = (await client.post(path, json=resource.bodies[0])).json()
    response = await client.delete(f"{path}/{document['id']}")
    if resource.asynchronous:
        assert response.status_code == 202
        assert response.json()["action"] == "DELETE"
        assert response.json()["status"] == "PENDING"
    else:
        assert (response.status_code, response.content) == (204, b"")
    after = await client.get(f"{path}/{document['id']}")
    if resource.gone_after_delete:
        assert after.status_code == 404
    else:
        assert after.json()["action"] == "DELETE"


async def test_unknown_id_is_404(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    for method in ("GET", "DELETE", resource.update_method):
        body = resource.update if method == resource.update_method else None
        response = await client.request(method, f"{path}/{uuid.uuid4()}", json=body)
        assert response.status_code == 404, method
        assert response.json()["type"] == resource.not_found_type


async def test_malformed_id_is_400(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    response = await client.get(f"{path}/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_uuid"


async def test_invalid_body_is_400(client: httpx.AsyncClient, resource: Resource) -> None:
    path = await resource.setup(client)
    response = await client.post(path, json=resource.invalid)
    assert response.status_code == 400
    document = response.json()
    assert document["type"] == "invalid_object"
    assert "message" not in document
    assert len(document["errors"]["errors"]) == 1
    listed = await client.get(path, params=resource.list_filter)
    assert listed.json()[resource.plural] == []
