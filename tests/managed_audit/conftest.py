"""Managed-record audit tests: Nova and Neutron doubles on loopback, a scratch database
(SQLite and PostgreSQL through ``database_url``) with a zone, and the sink's own handlers
writing the managed records from Nova's and Neutron's notifications."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from tests.managed_audit.nova_double import NovaDouble, NovaState
from tests.sink.conftest import TENANT, open_env
from zonekeeper import app
from zonekeeper.config import NeutronFloatingIpSettings, NovaFixedSettings, Settings, SinkSettings
from zonekeeper.domain.models import Zone
from zonekeeper.service import zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import handlers, notification

REGION = "RegionOne"
PROJECT = "tenant-a"
ADMIN_TOKEN = "token-of-the-admin"
MEMBER_TOKEN = "token-of-a-member"
TOKENS = {ADMIN_TOKEN: ("admin-project", True), MEMBER_TOKEN: (PROJECT, False)}


@pytest.fixture(scope="session")
def nova_server() -> Iterator[NovaDouble]:
    with NovaDouble() as double:
        yield double


@pytest.fixture(scope="session")
def neutron_server() -> Iterator[NeutronDouble]:
    with NeutronDouble() as double:
        yield double


@pytest.fixture
def nova(nova_server: NovaDouble) -> NovaState:
    """Nova's state, fresh, knowing an admin's and a member's token."""
    nova_server.reset()
    nova_server.state.tokens = dict(TOKENS)
    return nova_server.state


@pytest.fixture
def neutron(neutron_server: NeutronDouble) -> NeutronState:
    neutron_server.reset()
    neutron_server.state.tokens = dict(TOKENS)
    return neutron_server.state


@pytest.fixture
def apis(
    request: pytest.FixtureRequest, nova_server: NovaDouble, neutron_server: NeutronDouble
) -> dict[str, Any]:
    """The ``compute_api`` and ``network_api`` settings; a test may replace them with an
    ``indirect`` parameter."""
    if hasattr(request, "param"):
        return dict(request.param)
    return {
        "compute_api": api_settings(nova_server.url),
        "network_api": api_settings(neutron_server.url),
    }


def api_settings(url: str, token: str = ADMIN_TOKEN) -> dict[str, Any]:
    return {"endpoints": [f"{REGION}|{url}"], "timeout": 1.0, "admin_token": token}


@pytest.fixture
def settings(tmp_path: Path, apis: dict[str, Any]) -> Settings:
    return Settings(data_dir=tmp_path, **apis)


@pytest.fixture
async def env(
    database_url: str, settings: Settings, nova: NovaState, neutron: NeutronState
) -> AsyncIterator[ServiceEnv]:
    """A ServiceEnv whose inventory is wired as ``app.build`` wires it."""
    base = await open_env(database_url, settings)
    service_env = dataclasses.replace(base, inventory=app.inventory(settings))
    try:
        yield service_env
    finally:
        await service_env.db.close()


@pytest.fixture
async def zone(env: ServiceEnv) -> Zone:
    return await zones.create(TENANT, env, {"name": "cloud.example.", "email": "a@example.org"})


class Sink:
    """The sink's handlers for the zone, fed notifications as RabbitMQ would deliver them."""

    def __init__(self, env: ServiceEnv, zone: Zone) -> None:
        settings = SinkSettings(
            nova_fixed=NovaFixedSettings(
                zone_id=zone.id, format="%(hostname)s.%(zone)s", fallback_format="x.%(zone)s"
            ),
            neutron_floatingip=NeutronFloatingIpSettings(
                zone_id=zone.id, format="fip-%(octet3)s.%(zone)s", fallback_format="y.%(zone)s"
            ),
        )
        self.handlers = handlers.build(env, settings)
        self.sent = 0

    async def boot(self, server: dict[str, Any], *addresses: str) -> None:
        """``compute.instance.create.end`` of a Nova server with ``addresses``."""
        fixed = [{"address": a, "version": 6 if ":" in a else 4} for a in addresses]
        payload = {
            "instance_id": server["id"],
            "tenant_id": server["tenant_id"],
            "hostname": server["name"],
            "display_name": server["name"],
            "fixed_ips": fixed,
        }
        await self.send("compute.instance.create.end", payload)

    async def associate(self, fip: dict[str, Any]) -> None:
        """``floatingip.update.end`` of a Neutron floating IP (with its port)."""
        await self.send("floatingip.update.end", {"floatingip": fip})

    async def send(self, event_type: str, payload: dict[str, Any]) -> None:
        self.sent += 1
        message = {
            "event_type": event_type,
            "payload": payload,
            "publisher_id": "test",
            "message_id": f"m-{self.sent}",
            "priority": "INFO",
        }
        body = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(message)})
        note = notification.parse(body.encode())
        for handler in self.handlers[note.event_type]:
            await handler.handle([note])


@pytest.fixture
def sink(env: ServiceEnv, zone: Zone) -> Sink:
    return Sink(env, zone)
