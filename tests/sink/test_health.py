"""The sink's health figures against the real RabbitMQ: counters per handler, dead letters,
the broker's queue depths, the lag of the event in hand, the heartbeat and the log line."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.sink import broker
from tests.sink.broker import Gate, Names, Publisher, settled
from zonekeeper.config import NeutronFloatingIpSettings
from zonekeeper.domain.models import Zone
from zonekeeper.service import statuses
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.sink.consumer import Consumer
from zonekeeper.storage import service_statuses

pytestmark = broker.OSLO_WARNINGS

FIP = {
    "id": "fip-1",
    "tenant_id": "tenant-a",
    "floating_ip_address": "10.10.2.53",
    "port_id": "port-1",
}


@pytest.fixture
async def consumer(sqlite_env: ServiceEnv, zone: Zone, names: Names) -> AsyncIterator[Consumer]:
    handler = NeutronFloatingIpSettings(
        zone_id=zone.id, format="fip-%(ip_address)s.%(zone)s", fallback_format="x.%(zone)s"
    )
    # prefetch 1: what is not in hand stays in the broker's ready count, exactly.
    sink_settings = broker.settings(names, prefetch=1, neutron_floatingip=handler)
    async with broker.running(sqlite_env, sink_settings) as consumer:
        yield consumer


async def test_counters_and_dead_letters_reach_the_heartbeat_and_the_log(
    consumer: Consumer,
    publisher: Publisher,
    names: Names,
    sqlite_env: ServiceEnv,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": FIP})
    bad = {**FIP, "floating_ip_address": "not-an-ip"}
    await publisher.publish("neutron", "floatingip.update.end", {"floatingip": bad})
    await broker.publish_raw(names.neutron, f"{names.topic}.info", b"{not json")
    await settled(consumer, 3)
    with caplog.at_level(logging.INFO, logger="zonekeeper.sink"):
        report = await consumer.probe()
    assert report["processed"] == 1
    assert report["neutron_floatingip.processed"] == 1
    assert report["neutron_floatingip.failed"] == 1
    assert report["floatingip_ptr.processed"] == 1
    assert report["dead_lettered"] == 2
    assert (report["queue_depth"], report["dead_letter_depth"]) == (0, 2)
    assert 0 <= report["lag_ms"] < 10_000
    line = next(r.getMessage() for r in caplog.records if "sink health:" in r.getMessage())
    assert "dead_letter_depth=2" in line and "neutron_floatingip.failed=1" in line

    await statuses.heartbeat(sqlite_env, {"sink": consumer.report()})
    async with sqlite_env.db.read() as conn:
        rows = await service_statuses.all_rows(conn)
    stats = next(row["stats"] for row in rows if row["service_name"] == "sink")
    assert stats["dead_lettered"] == 2 and stats["dead_letter_depth"] == 2


async def test_lag_is_the_age_of_the_event_in_hand(
    consumer: Consumer, publisher: Publisher
) -> None:
    gate = Gate()
    consumer.handlers["test.gate"] = (gate,)
    for _ in range(3):
        await publisher.publish("neutron", "test.gate", {})
    await asyncio.wait_for(gate.entered.wait(), 10)
    await asyncio.sleep(0.5)
    report = await consumer.probe()
    assert 500 <= report["lag_ms"] < 10_000  # the held event is at least this old
    assert report["queue_depth"] == 2  # the two behind it, still at the broker
    gate.opened.set()
    await settled(consumer, 3)
    report = await consumer.probe()
    assert report["queue_depth"] == 0
    assert 500 <= report["lag_ms"] < 10_000  # the last one waited behind the held one
    assert report["gate.processed"] == 3


async def test_a_publisher_timestamp_in_the_past_shows_as_lag(
    consumer: Consumer, names: Names
) -> None:
    stamped = (utcnow() - timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    inner = {
        "message_id": "m-old",
        "event_type": "floatingip.delete.end",
        "priority": "INFO",
        "payload": {"floatingip_id": "fip-gone"},
        "timestamp": stamped,
    }
    envelope = {"oslo.version": "2.0", "oslo.message": json.dumps(inner)}
    await broker.publish_raw(names.neutron, f"{names.topic}.info", json.dumps(envelope).encode())
    await settled(consumer, 1)
    assert 5_000 <= consumer.report()["lag_ms"] < 15_000


async def test_a_passing_failure_counts_as_failed_then_processed(
    consumer: Consumer, publisher: Publisher
) -> None:
    gate = Gate(fail_first=True)
    gate.opened.set()
    consumer.handlers["test.gate"] = (gate,)
    await publisher.publish("neutron", "test.gate", {})
    await settled(consumer, 1)
    report = consumer.report()
    assert (report["gate.failed"], report["retried"], report["gate.processed"]) == (1, 1, 1)
    assert report["dead_lettered"] == 0
