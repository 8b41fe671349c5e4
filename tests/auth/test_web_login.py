"""The web UI's Keystone sign-in against the real Keystone of tests/auth/conftest.py: the UI
server gets a project token for a user's password and the API accepts it like any other."""

from __future__ import annotations

from tests.auth.conftest import PASSWORD_SUFFIX, Cloud
from tests.web.conftest import api_call, sign_in, ui_client
from zonekeeper.service.env import ServiceEnv


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
