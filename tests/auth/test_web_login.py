"""The web UI's Keystone sign-in against the real Keystone of tests/auth/conftest.py: the UI
server gets a project token for a user's password and the API accepts it like any other."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import httpx

from tests.api.conftest import build_env
from tests.auth.conftest import PASSWORD_SUFFIX, Cloud
from tests.floatingips.neutron_double import NeutronDouble
from tests.web.conftest import api_call, sign_in, ui_client
from zonekeeper.integrations import neutron
from zonekeeper.service.env import ServiceEnv
from zonekeeper.web.session import SESSION_COOKIE

REGION = "RegionOne"


async def test_a_keystone_user_signs_in_with_a_password(
    keystone_env: ServiceEnv, cloud: Cloud
) -> None:
    async with ui_client(keystone_env) as client:
        login = {"username": "alice", "project": "dns-a", "domain": "Default"}
        refused = await sign_in(client, **login, password="wrong")
        assert refused.status_code == 401
        assert "Keystone refused these credentials" in refused.text

        signed_in = await sign_in(client, **login, password="alice" + PASSWORD_SUFFIX)
        assert signed_in.status_code == 303, signed_in.text
        zone = {"name": "web-login.example.", "email": "a@web-login.example"}
        created = await api_call(client, "POST", "zones", json=zone)
        assert created.status_code == 202, created.text
        assert created.json()["project_id"] == cloud.projects["dns-a"]


async def test_a_keystone_user_sets_the_ptr_of_a_floating_ip(tmp_path: Path, cloud: Cloud) -> None:
    """The PTR page's calls: Neutron sees the user's own Keystone token, as from any client."""
    with NeutronDouble() as neutron_server:
        base = await build_env(
            tmp_path / "api.sqlite",
            api={"auth": {"strategy": "keystone"}},
            keystone_authtoken=cloud.authtoken(),
            network_api={"endpoints": [f"{REGION}|{neutron_server.url}"], "timeout": 5.0},
        )
        env = dataclasses.replace(
            base, floating_ips=neutron.NeutronClient(base.settings.network_api)
        )
        try:
            async with ui_client(env) as client:
                login = {
                    "username": "alice",
                    "project": "dns-a",
                    "password": "alice" + PASSWORD_SUFFIX,
                }
                assert (await sign_in(client, **login)).status_code == 303
                token = session_token(client)
                project = cloud.projects["dns-a"]
                neutron_server.state.tokens[token] = (project, False)
                fip = neutron_server.state.add(project, "192.0.2.77")

                listed = await client.get("/ui/api/v2/reverse/floatingips")
                assert listed.status_code == 200, listed.text
                assert [f["address"] for f in listed.json()["floatingips"]] == ["192.0.2.77"]
                key = f"{REGION}:{fip['id']}"
                ptr = {"ptrdname": "host.example.org."}
                set_ptr = await api_call(client, "PATCH", f"reverse/floatingips/{key}", json=ptr)
                assert set_ptr.status_code == 202, set_ptr.text
                assert set_ptr.json()["ptrdname"] == "host.example.org."
        finally:
            await env.db.close()


def session_token(client: httpx.AsyncClient) -> str:
    """The Keystone token the UI keeps in the browser's session cookie."""
    raw = client.cookies.get(SESSION_COOKIE)
    assert raw
    token = json.loads(base64.urlsafe_b64decode(raw))["token"]
    assert isinstance(token, str) and token
    return token
