"""Per-project zones: with ``zone_name`` set, a handler writes an event's records into the zone
of that name owned by the event's project, and into the shared ``zone_id`` zone otherwise."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.sink import broker
from tests.sink.broker import Names, Publisher, settled
from tests.sink.conftest import TENANT
from tests.sink.test_consumer import INSTANCE, served
from zonekeeper.config import NovaFixedSettings
from zonekeeper.domain.models import Zone
from zonekeeper.service import zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import handlers, notification
from zonekeeper.sink.consumer import Consumer

pytestmark = broker.OSLO_WARNINGS


def nova_fixed(zone_id: str = "") -> NovaFixedSettings:
    return NovaFixedSettings(
        zone_id=zone_id,
        zone_name="%(project)s.tenants.example.",  # the publisher's project name is "demo"
        format="%(hostname)s.%(zone)s",
        fallback_format="%(hostname)s-%(ip_address)s.%(zone)s",
    )


@pytest.fixture
async def own_zone(sqlite_env: ServiceEnv) -> Zone:
    return await zones.create(
        TENANT, sqlite_env, {"name": "demo.tenants.example.", "email": "admin@example.org"}
    )


@pytest.fixture
async def consumer(
    sqlite_env: ServiceEnv, zone: Zone, own_zone: Zone, names: Names
) -> AsyncIterator[Consumer]:
    sink_settings = broker.settings(names, nova_fixed=nova_fixed(zone.id))
    async with broker.running(sqlite_env, sink_settings) as consumer:
        yield consumer


async def test_the_project_s_own_zone_else_the_shared_one(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone, own_zone: Zone
) -> None:
    await publisher.publish("nova", "compute.instance.create.end", INSTANCE)  # tenant-a
    other = {**INSTANCE, "tenant_id": "tenant-b", "instance_id": "vm-b", "hostname": "db-1"}
    await publisher.publish("nova", "compute.instance.create.end", other)  # owns no demo zone
    await settled(consumer, 2)

    assert await served(sqlite_env, own_zone) == {
        ("web-1.demo.tenants.example.", "A"): {"192.168.1.10"},
        ("web-1.demo.tenants.example.", "AAAA"): {"2001:db8::10"},
    }
    assert set(await served(sqlite_env, zone)) == {
        ("db-1.cloud.example.", "A"),
        ("db-1.cloud.example.", "AAAA"),
    }
    assert consumer.stats["dead_lettered"] == 0


async def test_without_a_shared_zone_an_event_of_a_project_without_one_is_refused(
    sqlite_env: ServiceEnv, own_zone: Zone
) -> None:
    handler = handlers.NovaFixed(sqlite_env, nova_fixed())
    message = {
        "event_type": "compute.instance.create.end",
        "payload": {**INSTANCE, "tenant_id": "tenant-b"},
        "_context_project_name": "demo",
        "message_id": "m-1",
    }
    note = notification.parse(json.dumps(message).encode())
    with pytest.raises(notification.Unhandleable, match="project tenant-b has no zone"):
        await handler.handle([note])


def test_a_zone_name_may_only_use_project_fields(sqlite_env: ServiceEnv) -> None:
    settings = nova_fixed().model_copy(update={"zone_name": "%(hostname)s.example."})
    with pytest.raises(ValueError, match=r"%\(hostname\)s cannot be filled"):
        handlers.NovaFixed(sqlite_env, settings)
