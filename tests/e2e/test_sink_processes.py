"""The sink as users run it, over the real RabbitMQ: `zonekeeper serve` with a broker
configured (and Nova's API, so the managed-record audit runs too), and `zonekeeper sink` as a
process of its own beside `serve`. Notifications are published with oslo.messaging's Notifier,
as Nova publishes them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import pytest

from tests.e2e.conftest import designate
from tests.e2e.serve import Serve
from tests.e2e.test_serve import wait_active
from tests.managed_audit.conftest import ADMIN_TOKEN, PROJECT, REGION
from tests.managed_audit.nova_double import NovaDouble, NovaState
from tests.sink.broker import AMQP_URL, OSLO_WARNINGS, Names, Publisher

pytestmark = [pytest.mark.e2e, *OSLO_WARNINGS]


@pytest.fixture(scope="module")
def nova_server() -> Iterator[NovaDouble]:
    with NovaDouble() as double:
        yield double


def sink_settings(names: Names, zone_id: str) -> dict[str, str]:
    """The sink's settings, as an operator sets them in the environment."""
    return {
        "ZONEKEEPER_SINK__BROKER_URL": AMQP_URL,
        "ZONEKEEPER_SINK__EXCHANGES": json.dumps([names.nova, names.neutron]),
        "ZONEKEEPER_SINK__TOPIC": names.topic,
        "ZONEKEEPER_SINK__QUEUE": names.queue,
        "ZONEKEEPER_SINK__NOVA_FIXED__ZONE_ID": zone_id,
    }


def boot(publisher: Publisher, server: dict[str, Any], address: str) -> None:
    payload = {
        "instance_id": server["id"],
        "tenant_id": server["tenant_id"],
        "hostname": server["name"],
        "display_name": server["name"],
        "fixed_ips": [{"address": address, "version": 4}],
    }
    asyncio.run(publisher.publish("nova", "compute.instance.create.end", payload))


def answers(served: Serve, name: str) -> list[str]:
    reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", 2, served.dns_port)
    return [r.to_text() for rrset in reply.answer for r in rrset]


def rcode(served: Serve, name: str) -> dns.rcode.Rcode:
    reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", 2, served.dns_port)
    return reply.rcode()


def eventually(condition: Callable[[], bool], *logs: Serve, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "\n".join(line for s in logs for line in s.lines)
        time.sleep(0.05)


def first_zone(data: Path) -> str:
    """Start serve once to create the zone the sink writes into (its id goes in the settings,
    as an operator does), then stop it."""
    server = Serve(data)
    try:
        zone = designate(server.base_url).zones.create("cloud.example.", email="a@example.org")
    finally:
        assert server.terminate() == 0
    return str(zone["id"])


def test_serve_with_a_broker_writes_and_audits_instance_records(
    tmp_path: Path, names: Names, publisher: Publisher, nova_server: NovaDouble
) -> None:
    nova_server.reset()
    nova: NovaState = nova_server.state
    nova.tokens = {ADMIN_TOKEN: ("admin-project", True)}
    data = tmp_path / "data"
    zone_id = first_zone(data)
    env = sink_settings(names, zone_id) | {
        "ZONEKEEPER_COMPUTE_API__ENDPOINTS": json.dumps([f"{REGION}|{nova_server.url}"]),
        "ZONEKEEPER_COMPUTE_API__ADMIN_TOKEN": ADMIN_TOKEN,
        "ZONEKEEPER_WORKER__MANAGED_AUDIT_INTERVAL": "0.3",
    }
    served = Serve(data, env=env)
    try:
        eventually(lambda: any("sink consuming" in line for line in served.lines), served)
        live, gone = nova.add(PROJECT, "live"), nova.add(PROJECT, "gone")
        boot(publisher, live, "192.0.2.1")
        boot(publisher, gone, "192.0.2.2")
        eventually(lambda: answers(served, "gone.cloud.example.") == ["192.0.2.2"], served)
        assert answers(served, "live.cloud.example.") == ["192.0.2.1"]
        wait_active(designate(served.base_url), zone_id)

        del nova.servers[gone["id"]]  # its delete notification was never seen
        eventually(lambda: rcode(served, "gone.cloud.example.") == dns.rcode.NXDOMAIN, served)
        assert answers(served, "live.cloud.example.") == ["192.0.2.1"]
        assert served.terminate() == 0
        assert not [line for line in served.lines if "Traceback" in line]
    finally:
        if served.process.poll() is None:
            served.kill()


def test_the_sink_as_its_own_process_beside_serve(
    tmp_path: Path, names: Names, publisher: Publisher
) -> None:
    data = tmp_path / "data"
    zone_id = first_zone(data)
    served = Serve(data, env={"ZONEKEEPER_WORKER__SWEEP_INTERVAL": "0.5"})
    database = f"sqlite+aiosqlite:///{(data / 'zonekeeper.sqlite').resolve()}"
    sink = Serve(data, command="sink", database_url=database, env=sink_settings(names, zone_id))
    try:
        boot(publisher, {"id": "i-1", "tenant_id": PROJECT, "name": "web"}, "192.0.2.7")
        eventually(lambda: answers(served, "web.cloud.example.") == ["192.0.2.7"], served, sink)
        zone = wait_active(designate(served.base_url), zone_id)
        assert zone["serial"] > 1  # the worker of `serve` pushed the sink's change
        assert sink.terminate() == 0
        assert not [line for line in sink.lines if "Traceback" in line]
    finally:
        for process in (sink, served):
            if process.process.poll() is None:
                process.kill()
