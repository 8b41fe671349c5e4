"""The Keystone launcher (tests/keystone_server.py) gives what the conformance run and the
Keystone auth tests rely on: a service user that gets tokens, and a catalog entry of ours."""

from __future__ import annotations

import httpx

from tests.keystone_server import Keystone, keystone  # noqa: F401


def test_service_user_sees_the_registered_dns_endpoints(keystone: Keystone) -> None:  # noqa: F811
    with keystone.admin() as admin:
        admin.user("designate", "secret", "service", ["service", "admin"])
        admin.service("dns", "designate", "http://127.0.0.1:9/")
        admin.service("dns", "designate", "http://127.0.0.1:10/")  # replaces, never adds
    token = keystone.token("designate", "secret", "service")
    response = httpx.get(
        f"{keystone.auth_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": token},
    )
    response.raise_for_status()
    body = response.json()["token"]
    assert {role["name"] for role in body["roles"]} >= {"service", "admin"}
    [dns] = [entry for entry in body["catalog"] if entry["type"] == "dns"]
    assert sorted((e["interface"], e["url"], e["region_id"]) for e in dns["endpoints"]) == [
        ("admin", "http://127.0.0.1:10/", "RegionOne"),
        ("internal", "http://127.0.0.1:10/", "RegionOne"),
        ("public", "http://127.0.0.1:10/", "RegionOne"),
    ]


def test_wrong_password_is_refused(keystone: Keystone) -> None:  # noqa: F811
    response = httpx.post(
        f"{keystone.auth_url}/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "domain": {"id": "default"}, "password": "x"}
                    },
                }
            }
        },
    )
    assert response.status_code == 401
