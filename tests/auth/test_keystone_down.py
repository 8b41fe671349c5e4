"""Keystone unreachable: token validation cannot happen, so the API answers 503 in Designate's
format (keystonemiddleware's choice), never a 500 and never a pass."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import BASE_URL, build_env
from tests.fixtures_servers import free_port
from zonekeeper.api.app import create_app


async def test_an_unreachable_keystone_is_503(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = await build_env(
        tmp_path / "api.sqlite",
        api={"auth": {"strategy": "keystone"}},
        keystone_authtoken={
            "www_authenticate_uri": nowhere,
            "auth_url": nowhere,
            "username": "zonekeeper",
            "password": "x",
            "http_connect_timeout": 2,
        },
    )
    try:
        transport = httpx.ASGITransport(app=create_app(env))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60) as api:
            response = await api.get("/v2/zones", headers={"X-Auth-Token": "some-token"})
            missing = await api.get("/v2/zones")
    finally:
        await env.db.close()
    assert response.status_code == 503, response.text
    document = response.json()
    assert (document["code"], document["type"]) == (503, "service_unavailable")
    assert document["request_id"] == response.headers["x-openstack-request-id"]
    # no token at all needs no Keystone: still 401, with the configured challenge
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == f'Keystone uri="{nowhere}"'
