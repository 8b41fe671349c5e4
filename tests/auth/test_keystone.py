"""Keystone auth through a real Keystone: keystonemiddleware validates X-Auth-Token, the
token's project, user and (implied) roles become the caller, Designate's policy decides."""

from __future__ import annotations

import re
from typing import Final

import httpx

from tests.auth import test_matrix
from tests.auth.conftest import Cloud

ZONE = {"name": "keystone-a.example.", "email": "hostmaster@keystone-a.example"}


def assert_unauthorized(response: httpx.Response, cloud: Cloud) -> None:
    assert response.status_code == 401, response.text
    document = response.json()
    assert document["code"] == 401
    assert document["type"] == "unauthorized"
    assert document["request_id"] == response.headers["x-openstack-request-id"]
    assert response.headers["www-authenticate"] == f'Keystone uri="{cloud.keystone.url}"'


async def test_no_token_is_401_on_every_path_but_the_root(
    api: httpx.AsyncClient, cloud: Cloud
) -> None:
    for path in ("/v2/zones", "/v2/pools", "/v2/zones/nope/recordsets", "/v2/unknown"):
        assert_unauthorized(await api.get(path), cloud)
    assert_unauthorized(await api.post("/v2/zones", json=ZONE), cloud)
    root = await api.get("/")
    assert root.status_code == 200
    assert root.json()["versions"]


async def test_a_wrong_token_is_401(api: httpx.AsyncClient, cloud: Cloud) -> None:
    response = await api.get("/v2/zones", headers={"X-Auth-Token": "not-a-token"})
    assert_unauthorized(response, cloud)


async def test_headers_cannot_stand_in_for_a_token(api: httpx.AsyncClient, cloud: Cloud) -> None:
    """noauth's identity headers mean nothing under Keystone."""
    headers = {"X-Auth-Project-ID": "dns-a", "X-Roles": "admin"}
    assert_unauthorized(await api.get("/v2/zones", headers=headers), cloud)


async def test_a_revoked_token_is_401(api: httpx.AsyncClient, cloud: Cloud) -> None:
    token = cloud.token("alice", "dns-a")
    cloud.revoke(token)
    assert_unauthorized(await api.get("/v2/zones", headers={"X-Auth-Token": token}), cloud)


async def test_a_valid_token_is_validated_once(api: httpx.AsyncClient, cloud: Cloud) -> None:
    """The token cache: after the first validation, Keystone is not asked again (so a token
    revoked meanwhile still passes until token_cache_time, as with any auth_token)."""
    token = cloud.token("alice", "dns-a")
    headers = {"X-Auth-Token": token}
    assert (await api.get("/v2/zones", headers=headers)).status_code == 200
    cloud.revoke(token)
    assert (await api.get("/v2/zones", headers=headers)).status_code == 200


async def test_a_member_acts_in_its_project(api: httpx.AsyncClient, cloud: Cloud) -> None:
    alice = {"X-Auth-Token": cloud.token("alice", "dns-a")}
    created = await api.post("/v2/zones", json=ZONE, headers=alice)
    assert created.status_code == 202, created.text
    zone = created.json()
    assert zone["project_id"] == cloud.projects["dns-a"]
    # member implies reader in Keystone: alice reads without holding reader herself
    listed = await api.get("/v2/zones", headers=alice)
    assert [z["id"] for z in listed.json()["zones"]] == [zone["id"]]
    bob = {"X-Auth-Token": cloud.token("bob", "dns-b")}
    assert (await api.get(f"/v2/zones/{zone['id']}", headers=bob)).status_code == 404
    assert (await api.get("/v2/zones", headers=bob)).json()["zones"] == []


async def test_a_reader_reads_but_does_not_write(api: httpx.AsyncClient, cloud: Cloud) -> None:
    alice = {"X-Auth-Token": cloud.token("alice", "dns-a")}
    zone = (await api.post("/v2/zones", json=ZONE, headers=alice)).json()
    rita = {"X-Auth-Token": cloud.token("rita", "dns-a")}
    assert (await api.get(f"/v2/zones/{zone['id']}", headers=rita)).status_code == 200
    recordsets = f"/v2/zones/{zone['id']}/recordsets"
    assert (await api.get(recordsets, headers=rita)).status_code == 200
    write = {"name": "www.keystone-a.example.", "type": "A", "records": ["192.0.2.1"]}
    refused = await api.post(recordsets, json=write, headers=rita)
    assert refused.status_code == 403
    assert refused.json()["type"] == "forbidden"
    patched = await api.patch(f"/v2/zones/{zone['id']}", json={"ttl": 60}, headers=rita)
    assert patched.status_code == 403
    assert (
        await api.post("/v2/zones", json=ZONE | {"name": "r.example."}, headers=rita)
    ).status_code == 403
    assert (await api.post(recordsets, json=write, headers=alice)).status_code == 202


async def test_admin_is_global(api: httpx.AsyncClient, cloud: Cloud) -> None:
    alice = {"X-Auth-Token": cloud.token("alice", "dns-a")}
    zone = (await api.post("/v2/zones", json=ZONE, headers=alice)).json()
    admin = {"X-Auth-Token": cloud.token("admin", "admin")}
    every = await api.get("/v2/zones", headers=admin | {"X-Auth-All-Projects": "True"})
    assert [z["id"] for z in every.json()["zones"]] == [zone["id"]]
    sudo = admin | {"X-Auth-Sudo-Project-ID": cloud.projects["dns-a"]}
    assert (await api.get(f"/v2/zones/{zone['id']}", headers=sudo)).status_code == 200
    assert (await api.get("/v2/pools", headers=admin)).status_code == 200
    assert (await api.get("/v2/pools", headers=alice)).status_code == 403
    refused = await api.get("/v2/zones", headers=alice | {"X-Auth-All-Projects": "True"})
    assert refused.status_code == 403


async def test_implied_roles_are_honoured(api: httpx.AsyncClient, cloud: Cloud) -> None:
    """erin holds only dns-editor, which implies member (and so reader): Keystone puts the
    implied roles in the token, and they count."""
    erin = {"X-Auth-Token": cloud.token("erin", "dns-a")}
    created = await api.post("/v2/zones", json=ZONE, headers=erin)
    assert created.status_code == 202, created.text
    assert created.json()["project_id"] == cloud.projects["dns-a"]
    assert (await api.get("/v2/zones", headers=erin)).status_code == 200


SAMPLE: Final = (
    ("GET", "/v2/zones/{zone_id}", None),
    ("PATCH", "/v2/zones/{zone_id}", {"description": "changed"}),
    ("DELETE", "/v2/zones/{zone_id}", None),
    ("GET", "/v2/zones/{zone_id}/recordsets/{recordset_id}", None),
    ("PUT", "/v2/zones/{zone_id}/recordsets/{recordset_id}", {"records": ["192.0.2.9"]}),
    ("POST", "/v2/zones/{zone_id}/tasks/export", None),
    ("GET", "/v2/tlds", None),
    ("GET", "/v2/quotas/{project_id}", None),
    ("GET", "/v2/service_statuses", None),
)
"""Operations of the cross-project matrix (tests/auth/test_matrix.py, built-in tokens)
checked again with Keystone tokens: the two strategies must give the same answers."""


async def test_keystone_agrees_with_the_matrix(api: httpx.AsyncClient, cloud: Cloud) -> None:
    alice = {"X-Auth-Token": cloud.token("alice", "dns-a")}
    zone = (await api.post("/v2/zones", json=ZONE, headers=alice)).json()
    www = {"name": "www.keystone-a.example.", "type": "A", "records": ["192.0.2.1"]}
    recordset = await api.post(f"/v2/zones/{zone['id']}/recordsets", json=www, headers=alice)
    ids = {"zone_id": zone["id"], "recordset_id": recordset.json()["id"]}
    ids["project_id"] = cloud.projects["dns-a"]
    bob = {"X-Auth-Token": cloud.token("bob", "dns-b")}
    rita = {"X-Auth-Token": cloud.token("rita", "dns-a")}
    before = (await api.get(f"/v2/zones/{zone['id']}", headers=alice)).json()
    for method, path, body in SAMPLE:
        url = re.sub(r"\{(\w+)\}", lambda found: ids[found[1]], path)
        stranger, _, own_reader = test_matrix.EXPECTED[(method, path)]
        answered = await api.request(method, url, json=body, headers=bob)
        assert answered.status_code == stranger, (method, path, answered.text)
        answered = await api.request(method, url, json=body, headers=rita)
        assert answered.status_code == own_reader, (method, path, answered.text)
    for header, value in test_matrix.ADMIN_HEADERS.items():
        refused = await api.get("/v2/zones", headers=alice | {header: value})
        assert refused.status_code == 403, (header, refused.text)
    assert (await api.get(f"/v2/zones/{zone['id']}", headers=alice)).json() == before
