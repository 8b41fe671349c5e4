"""The sink's Prometheus figures, read from a consumer that handled real notifications from
RabbitMQ: events by handler and outcome, dead letters, queue depths, connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.sink import broker
from tests.sink.broker import Names, Publisher, settled
from zonekeeper.config import NeutronFloatingIpSettings
from zonekeeper.domain.models import Zone
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.sink.metrics import SinkCollector
from zonekeeper.telemetry.metrics import Metrics

pytestmark = broker.OSLO_WARNINGS

FIP = {
    "id": "fip-metrics",
    "tenant_id": "tenant-a",
    "project_id": "tenant-a",
    "fixed_ip_address": "192.168.1.8",
    "floating_ip_address": "10.10.2.54",
    "floating_network_id": "net-ext",
    "router_id": "router-1",
    "port_id": "port-2",
    "status": "DOWN",
}


@pytest.fixture
async def consumer(sqlite_env: ServiceEnv, zone: Zone, names: Names) -> AsyncIterator[Consumer]:
    sink_settings = broker.settings(
        names, neutron_floatingip=NeutronFloatingIpSettings(zone_id=zone.id)
    )
    async with broker.running(sqlite_env, sink_settings) as consumer:
        yield consumer


async def test_sink_figures(consumer: Consumer, publisher: Publisher, names: Names) -> None:
    await broker.publish_raw(names.neutron, f"{names.topic}.info", b"{not json")
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})
    await publisher.publish("neutron", "compute.instance.pause.end", {"instance_id": "x"})
    await settled(consumer, 3)
    await consumer.probe()  # the broker's queue depths, as the periodic probe takes them

    metrics = Metrics()
    metrics.add_collector(SinkCollector(consumer))
    text = generate_latest(metrics.registry).decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    events = "zonekeeper_sink_events_total"
    assert samples[(events, (("handler", "neutron_floatingip"), ("outcome", "processed")))] == 1
    assert samples[(events, (("handler", "neutron_floatingip"), ("outcome", "failed")))] == 0
    assert samples[(events, (("handler", "none"), ("outcome", "ignored")))] == 1
    assert samples[("zonekeeper_sink_dead_lettered_total", ())] == 1
    assert samples[("zonekeeper_sink_retried_total", ())] == 0
    assert samples[("zonekeeper_sink_queue_depth", (("queue", "dead"),))] == 1
    assert samples[("zonekeeper_sink_queue_depth", (("queue", "main"),))] == 0
    assert samples[("zonekeeper_sink_connected", ())] == 1
    assert samples[("zonekeeper_sink_lag_seconds", ())] >= 0
