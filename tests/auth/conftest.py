"""Auth tests: a real Keystone (tests/keystone_server.py) with the users the tests act as, and
the API configured for each strategy.

Users of the Keystone (Default domain, password = their name + PASSWORD_SUFFIX):
``zonekeeper`` (the API's service user: project ``service``, roles service and admin),
``alice`` (member of ``dns-a``), ``rita`` (reader of ``dns-a``), ``bob`` (member of
``dns-b``), ``erin`` (only ``dns-editor`` on ``dns-a``, a role that implies member) and the
cloud ``admin`` (of project ``admin``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import BASE_URL, build_env
from tests.keystone_server import Keystone, keystone  # noqa: F401
from zonekeeper.api.app import create_app
from zonekeeper.service.env import ServiceEnv

PASSWORD_SUFFIX = "-Secret-1"
SERVICE_USER = "zonekeeper"


@dataclass(frozen=True)
class Cloud:
    """The Keystone and the ids of the projects the tests use."""

    keystone: Keystone
    projects: dict[str, str]

    def password(self, user: str) -> str:
        """The Keystone password of ``user``."""
        return self.keystone.admin_password if user == "admin" else user + PASSWORD_SUFFIX

    def token(self, user: str, project: str) -> str:
        if user == "admin":
            return self.keystone.token()
        return self.keystone.token(user, user + PASSWORD_SUFFIX, project)

    def revoke(self, token: str) -> None:
        """Revoke ``token`` in Keystone (the admin's DELETE /v3/auth/tokens)."""
        response = httpx.delete(
            f"{self.keystone.auth_url}/auth/tokens",
            headers={"X-Auth-Token": self.keystone.token(), "X-Subject-Token": token},
            timeout=30,
        )
        assert response.status_code == 204, response.text

    def authtoken(self, **overrides: Any) -> dict[str, Any]:
        """The API's ``keystone_authtoken`` settings for this Keystone."""
        return {
            "www_authenticate_uri": self.keystone.url,
            "auth_url": self.keystone.url,
            "username": SERVICE_USER,
            "password": SERVICE_USER + PASSWORD_SUFFIX,
            "project_name": "service",
            **overrides,
        }


@pytest.fixture(scope="session")
def cloud(keystone: Keystone) -> Iterator[Cloud]:  # noqa: F811
    with keystone.admin() as admin:
        for user, project, roles in (
            (SERVICE_USER, "service", ["service", "admin"]),
            ("alice", "dns-a", ["member"]),
            ("rita", "dns-a", ["reader"]),
            ("bob", "dns-b", ["member"]),
        ):
            admin.user(user, user + PASSWORD_SUFFIX, project, roles)
        editor = admin.role("dns-editor")
        implies = f"{keystone.auth_url}/roles/{editor}/implies/{admin.role('member')}"
        token = keystone.token()
        httpx.put(implies, headers={"X-Auth-Token": token}, timeout=30).raise_for_status()
        admin.user("erin", "erin" + PASSWORD_SUFFIX, "dns-a", ["dns-editor"])
        projects = {name: admin.project(name) for name in ("dns-a", "dns-b", "admin")}
    yield Cloud(keystone, projects)


@pytest.fixture
async def keystone_env(tmp_path: Path, cloud: Cloud) -> AsyncIterator[ServiceEnv]:
    env = await build_env(
        tmp_path / "api.sqlite",
        api={"auth": {"strategy": "keystone"}},
        keystone_authtoken=cloud.authtoken(),
    )
    try:
        yield env
    finally:
        await env.db.close()


@pytest.fixture
async def api(keystone_env: ServiceEnv) -> AsyncIterator[httpx.AsyncClient]:
    """The API with strategy keystone, driven in-process."""
    transport = httpx.ASGITransport(app=create_app(keystone_env))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60) as http:
        yield http
