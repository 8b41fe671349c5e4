"""Setting a quota asks a real Keystone whether the project exists (Designate's
``quotas_verify_project_id``): an unknown project is refused, a known one is set."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import BASE_URL
from tests.keystone_server import Keystone, keystone  # noqa: F401
from zonekeeper.api.app import create_app
from zonekeeper.integrations.keystone import KeystoneProjects
from zonekeeper.service.env import ServiceEnv

ALL = {"X-Auth-All-Projects": "True"}


@pytest.fixture
async def verifying(
    env: ServiceEnv,
    keystone: Keystone,  # noqa: F811
) -> AsyncIterator[httpx.AsyncClient]:
    checked = dataclasses.replace(env, projects=KeystoneProjects(keystone.auth_url))
    transport = httpx.ASGITransport(app=create_app(checked))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


async def test_unknown_projects_are_refused(
    verifying: httpx.AsyncClient,
    keystone: Keystone,  # noqa: F811
) -> None:
    admin = keystone.admin()
    try:
        known = admin.project("quota-target")
    finally:
        admin.close()
    headers = ALL | {"X-Auth-Token": keystone.token()}
    unknown = uuid.uuid4().hex
    response = await verifying.patch(f"/v2/quotas/{unknown}", json={"zones": 3}, headers=headers)
    assert (response.status_code, response.json()["type"]) == (400, "invalid_project")
    assert response.json()["message"] == f"{unknown} is not a valid project ID."
    unchanged = await verifying.get(f"/v2/quotas/{unknown}", headers=ALL)
    assert unchanged.json()["zones"] == 10
    response = await verifying.patch(f"/v2/quotas/{known}", json={"zones": 3}, headers=headers)
    assert (response.status_code, response.json()["zones"]) == (200, 3)
    # A path that is no plain id cannot steer the request elsewhere in Keystone.
    odd = await verifying.patch("/v2/quotas/..%2Fusers", json={"zones": 3}, headers=headers)
    assert odd.status_code in (400, 404)
