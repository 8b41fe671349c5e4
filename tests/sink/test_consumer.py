"""The sink end to end against the real RabbitMQ: Nova's and Neutron's notifications,
published with oslo.messaging's own Notifier, become managed records and go again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.service import helpers
from tests.sink import broker
from tests.sink.broker import Gate, Names, Publisher, eventually, settled
from tests.sink.conftest import TENANT
from zonekeeper.config import NeutronFloatingIpSettings, NovaFixedSettings
from zonekeeper.domain.models import ListQuery, Zone
from zonekeeper.service import recordsets
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer

pytestmark = broker.OSLO_WARNINGS

FIP = {
    "id": "8e7c3d7c-fip1",
    "tenant_id": "tenant-a",
    "project_id": "tenant-a",
    "fixed_ip_address": "192.168.1.7",
    "floating_ip_address": "10.10.2.53",
    "floating_network_id": "net-ext",
    "router_id": "router-1",
    "port_id": "port-1",
    "status": "DOWN",
}
RELEASED = {**FIP, "fixed_ip_address": None, "port_id": None}
INSTANCE = {
    "tenant_id": "tenant-a",
    "user_id": "u-1",
    "instance_id": "vm-0001",
    "hostname": "web-1",
    "display_name": "Web 1",
    "state": "active",
    "fixed_ips": [
        {"address": "192.168.1.10", "version": 4, "label": "private", "type": "fixed"},
        {"address": "2001:db8::10", "version": 6, "label": "private", "type": "fixed"},
    ],
}


@pytest.fixture
async def consumer(sqlite_env: ServiceEnv, zone: Zone, names: Names) -> AsyncIterator[Consumer]:
    sink_settings = broker.settings(
        names,
        nova_fixed=NovaFixedSettings(
            zone_id=zone.id,
            format="%(hostname)s.%(zone)s",
            fallback_format="%(hostname)s-%(ip_address)s.%(zone)s",
        ),
        neutron_floatingip=NeutronFloatingIpSettings(
            zone_id=zone.id,
            format="fip-%(ip_address)s.%(zone)s",
            fallback_format="fip-%(ip_address)s-%(project_id)s.%(zone)s",
            ttl=60,
        ),
    )
    async with broker.running(sqlite_env, sink_settings) as consumer:
        yield consumer


async def served(env: ServiceEnv, zone: Zone) -> dict[tuple[str, str], set[str]]:
    """The managed A/AAAA recordsets of the zone, through the service layer."""
    page = await recordsets.list(TENANT, env, zone.id, ListQuery(limit=1000))
    return {
        (rs.name, rs.type): set(rs.records)
        for rs in page.items
        if rs.managed and rs.type in {"A", "AAAA"}
    }


async def test_floating_ip_associate_then_disassociate(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})  # again
    await settled(consumer, 2)
    expected = {("fip-10-10-2-53.cloud.example.", "A"): {"10.10.2.53"}}
    assert await served(sqlite_env, zone) == expected
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": RELEASED})
    await settled(consumer, 3)
    assert await served(sqlite_env, zone) == {}
    assert consumer.stats["dead_lettered"] == 0


async def test_instance_records_and_deletes_in_any_order(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    await publisher.publish("nova", "compute.instance.create.end", INSTANCE)
    await settled(consumer, 1)
    assert await served(sqlite_env, zone) == {
        ("web-1.cloud.example.", "A"): {"192.168.1.10"},
        ("web-1.cloud.example.", "AAAA"): {"2001:db8::10"},
    }
    gone = {"instance_id": "vm-0001", "tenant_id": "tenant-a"}
    await publisher.publish("nova", "compute.instance.delete.end", gone)  # .end before .start
    await publisher.publish("nova", "compute.instance.delete.start", gone)
    await settled(consumer, 3)
    assert await served(sqlite_env, zone) == {}
    assert consumer.stats["nova_fixed.processed"] == 3


async def test_port_delete_then_late_disassociate(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    other = {**FIP, "id": "fip-2", "floating_ip_address": "10.10.2.54", "port_id": "port-2"}
    await publisher.publish("neutron", "floatingip.create.end", {"floatingip": FIP})
    await publisher.publish("neutron", "floatingip.create.end", {"floatingip": other})
    await settled(consumer, 2)
    assert len(await served(sqlite_env, zone)) == 2
    await publisher.publish("neutron", "port.delete.end", {"port_id": "port-1"})
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": RELEASED})
    await publisher.publish("neutron", "port.delete.end", {"port_id": "port-1"})  # redelivered
    await settled(consumer, 5)
    assert await served(sqlite_env, zone) == {
        ("fip-10-10-2-54.cloud.example.", "A"): {"10.10.2.54"}
    }
    await publisher.publish("neutron", "floatingip.delete.end", {"floatingip_id": "fip-2"})
    await settled(consumer, 6)
    assert await served(sqlite_env, zone) == {}


async def test_poison_messages_are_dead_lettered_and_the_rest_goes_on(
    consumer: Consumer, publisher: Publisher, names: Names, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    key = f"{names.topic}.info"
    await broker.publish_raw(names.neutron, key, b"{not json")
    envelope = {"oslo.version": "2.0", "oslo.message": json.dumps({"event_type": "x"})}
    await broker.publish_raw(names.neutron, key, json.dumps(envelope).encode())
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": {"port_id": "p"}})
    bad_address = {**FIP, "floating_ip_address": "not-an-ip"}
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": bad_address})
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})
    await settled(consumer, 5)
    assert consumer.stats["dead_lettered"] == 4
    assert await served(sqlite_env, zone) == {
        ("fip-10-10-2-53.cloud.example.", "A"): {"10.10.2.53"}
    }
    assert await broker.queue_depth(f"{names.queue}.dead") == 4
    assert await broker.queue_depth(names.queue) == 0


async def test_a_dropped_broker_connection_is_survived(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})
    await settled(consumer, 1)
    assert consumer.connection is not None
    underlay = consumer.connection.transport
    assert underlay is not None
    await underlay.connection.close(ConnectionResetError("dropped by the test"))
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": RELEASED})
    await settled(consumer, 2)
    assert await served(sqlite_env, zone) == {}
    assert consumer.connection.transport is not underlay  # a new connection took over
    assert consumer.stats["dead_lettered"] == 0


async def test_a_backlog_is_one_change_and_a_bad_event_in_it_only_costs_itself(
    consumer: Consumer, publisher: Publisher, sqlite_env: ServiceEnv, zone: Zone
) -> None:
    gate = Gate()
    consumer.handlers["test.gate"] = (gate,)

    async def backlog(fips: list[dict[str, object]]) -> None:
        """Hold the sink on a gate event while ``fips`` queue up behind it, then let go."""
        gate.entered.clear()
        gate.opened.clear()
        await publisher.publish("neutron", "test.gate", {})
        await asyncio.wait_for(gate.entered.wait(), 10)
        for fip in fips:
            await publisher.publish("neutron", "floatingip.update.end", {"floatingip": fip})

        async def delivered() -> bool:  # to us (prefetch 200), waiting behind the gate
            return consumer.report()["buffered"] == len(fips)

        await eventually(delivered)
        gate.opened.set()

    def fip(n: int, address: str | None = None) -> dict[str, object]:
        address = address or f"10.10.3.{n}"
        return {**FIP, "id": f"fip-{n}", "floating_ip_address": address, "port_id": f"p-{n}"}

    journalled = len(await helpers.journal(sqlite_env, zone.id))
    await backlog([fip(n) for n in range(1, 5)])
    await settled(consumer, 5)
    assert len(await served(sqlite_env, zone)) == 4
    assert len(await helpers.journal(sqlite_env, zone.id)) == journalled + 1  # one change

    await backlog([fip(5), fip(6, "not-an-ip"), fip(7)])
    await settled(consumer, 9)
    assert len(await served(sqlite_env, zone)) == 6
    assert consumer.stats["dead_lettered"] == 1
    assert consumer.stats["neutron_floatingip.failed"] == 1
    assert consumer.stats["neutron_floatingip.processed"] == 6
