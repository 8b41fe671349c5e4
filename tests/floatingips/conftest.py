"""The floating-IP PTR API over a real ServiceEnv on a temp SQLite database, its Neutron a
double on loopback (``neutron_double``), driven through httpx's ASGI transport."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import BASE_URL, build_env
from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from zonekeeper.api.app import create_app
from zonekeeper.integrations import neutron
from zonekeeper.service.env import ServiceEnv

REGION = "RegionOne"
PROJECT_A = "project-a"
PROJECT_B = "project-b"
TOKEN_A = "token-of-a"
TOKEN_B = "token-of-b"
ADMIN_TOKEN = "token-of-the-admin"
A = {"X-Auth-Project-ID": PROJECT_A, "X-Roles": "member,reader", "X-Auth-Token": TOKEN_A}
"""Headers of a member of project A, with their Keystone token."""
B = {"X-Auth-Project-ID": PROJECT_B, "X-Roles": "member,reader", "X-Auth-Token": TOKEN_B}


@pytest.fixture(scope="session")
def neutron_server() -> Iterator[NeutronDouble]:
    with NeutronDouble() as double:
        yield double


@pytest.fixture
def neutron_state(neutron_server: NeutronDouble) -> NeutronState:
    """The double's state, fresh, knowing the tokens of A, B and an admin."""
    neutron_server.reset()
    state = neutron_server.state
    state.tokens = {
        TOKEN_A: (PROJECT_A, False),
        TOKEN_B: (PROJECT_B, False),
        ADMIN_TOKEN: ("admin-project", True),
    }
    return state


@pytest.fixture
def network_api(neutron_server: NeutronDouble) -> dict[str, Any]:
    """The ``network_api`` settings; a test module may override this fixture."""
    return {"endpoints": [f"{REGION}|{neutron_server.url}"], "timeout": 2.0}


@pytest.fixture
async def env(
    tmp_path: Path, network_api: dict[str, Any], neutron_state: NeutronState
) -> AsyncIterator[ServiceEnv]:
    """A ServiceEnv whose ``floating_ips`` is wired as ``app.build`` wires it."""
    base = await build_env(tmp_path / "api.sqlite", network_api=network_api)
    source = neutron.NeutronClient(base.settings.network_api) if network_api["endpoints"] else None
    service_env = dataclasses.replace(base, floating_ips=source)
    try:
        yield service_env
    finally:
        await service_env.db.close()


@pytest.fixture
async def client(env: ServiceEnv) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(env))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http
