"""PTRs follow their floating IP: Neutron's notifications, published with oslo.messaging's own
Notifier to the real RabbitMQ, remove a PTR set through ``/v2/reverse/floatingips`` when the
floating IP is released or moves to another port, and keep it when it is only disassociated.
Checked on the wire: a PTR query to the mini-DNS, and the API's ``ptrdname``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import dns.asyncquery
import dns.message
import dns.rcode
import dns.reversename
import httpx
import pytest

from tests.floatingips.conftest import PROJECT_A, A
from tests.floatingips.neutron_double import NeutronState
from tests.sink import broker
from tests.sink.broker import Names, Publisher, settled
from zonekeeper.config import DnsSettings, NeutronFloatingIpSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.service import context, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer

pytestmark = [
    # oslo.messaging's own imports (eventlet and oslo.service deprecations), not ours.
    pytest.mark.filterwarnings(r"ignore:\s*Eventlet is deprecated"),
    pytest.mark.filterwarnings("ignore:eventletutils module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings(
        "ignore:The 'oslo_service.eventlet_backdoor' module usage is deprecated:DeprecationWarning"
    ),
]


@pytest.fixture
async def consumer(env: ServiceEnv, names: Names) -> AsyncIterator[Consumer]:
    """The sink with the forward floating-IP handler on too: its disassociate and
    port.delete.end remove its own A records, and must leave the PTRs alone."""
    forward = await zones.create(
        context.build(project_id=PROJECT_A, user_id="alice", roles=frozenset({"member", "reader"})),
        env,
        {"name": "cloud.example.", "email": "admin@example.org"},
    )
    handler = NeutronFloatingIpSettings(
        zone_id=forward.id,
        format="fip-%(ip_address)s.%(zone)s",
        fallback_format="fip-%(ip_address)s-%(project_id)s.%(zone)s",
    )
    async with broker.running(env, broker.settings(names, neutron_floatingip=handler)) as sink:
        yield sink


@pytest.fixture
async def dns_port(env: ServiceEnv) -> AsyncIterator[int]:
    mini_dns = MiniDns(env.db, DnsSettings(listen="127.0.0.1:0"))
    _, port = await mini_dns.start()
    try:
        yield port
    finally:
        await mini_dns.stop()


async def ptr_answer(port: int, address: str) -> set[str]:
    """The PTR targets the mini-DNS answers for ``address`` (empty: none)."""
    query = dns.message.make_query(dns.reversename.from_address(address), "PTR")
    reply = await dns.asyncquery.udp(query, "127.0.0.1", port=port, timeout=3)
    assert reply.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
    return {rr.to_text() for rrset in reply.answer for rr in rrset}


async def api_ptrdname(client: httpx.AsyncClient, fip: dict[str, Any]) -> str | None:
    response = await client.get(f"/v2/reverse/floatingips/RegionOne:{fip['id']}", headers=A)
    assert response.status_code == 200, response.text
    ptrdname: str | None = response.json()["ptrdname"]
    return ptrdname


async def set_ptr(client: httpx.AsyncClient, fip: dict[str, Any], ptrdname: str) -> None:
    response = await client.patch(
        f"/v2/reverse/floatingips/RegionOne:{fip['id']}", json={"ptrdname": ptrdname}, headers=A
    )
    assert response.status_code == 202, response.text


def event(fip: dict[str, Any], port_id: str | None) -> dict[str, Any]:
    """Neutron puts the floating IP (the double's own object) on ``port_id``, bumping its
    revision as Neutron does; returns the ``floatingip.update.end`` payload that says so."""
    fip.update(port_id=port_id, revision_number=fip["revision_number"] + 1)
    return {"floatingip": {**fip, "fixed_ip_address": None}}


async def test_disassociate_keeps_the_ptr_and_release_removes_it(
    consumer: Consumer,
    publisher: Publisher,
    client: httpx.AsyncClient,
    neutron_state: NeutronState,
    dns_port: int,
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5", port_id="port-1")
    await publisher.publish("neutron", "floatingip.update.end", event(fip, "port-1"))
    await settled(consumer, 1)
    await set_ptr(client, fip, "www.example.org.")
    assert await ptr_answer(dns_port, "192.0.2.5") == {"www.example.org."}

    await publisher.publish("neutron", "floatingip.update.end", event(fip, None))
    await publisher.publish("neutron", "port.delete.end", {"port_id": "port-1"})
    await settled(consumer, 3)
    assert consumer.stats["neutron_floatingip.processed"] == 3  # its own A record went
    assert await ptr_answer(dns_port, "192.0.2.5") == {"www.example.org."}
    assert await api_ptrdname(client, fip) == "www.example.org."

    released = {"floatingip_id": fip["id"]}
    await publisher.publish("neutron", "floatingip.delete.end", released)
    await publisher.publish("neutron", "floatingip.delete.end", released)  # redelivered
    await settled(consumer, 5)
    assert await ptr_answer(dns_port, "192.0.2.5") == set()
    assert await api_ptrdname(client, fip) is None
    assert consumer.stats["floatingip_ptr.processed"] == 4
    assert consumer.stats["dead_lettered"] == 0


async def test_moving_to_another_port_removes_the_ptr(
    consumer: Consumer,
    publisher: Publisher,
    client: httpx.AsyncClient,
    neutron_state: NeutronState,
    dns_port: int,
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.6", port_id="port-1")
    await set_ptr(client, fip, "db.example.org.")
    for port in ("port-1", "port-1", None, "port-1"):  # same port, again, off and back
        await publisher.publish("neutron", "floatingip.update.end", event(fip, port))
    await settled(consumer, 4)
    assert await ptr_answer(dns_port, "192.0.2.6") == {"db.example.org."}

    back, moved = event(fip, "port-1"), event(fip, "port-2")
    await publisher.publish("neutron", "floatingip.update.end", moved)
    await publisher.publish("neutron", "floatingip.update.end", back)  # delivered late
    await settled(consumer, 6)
    assert await ptr_answer(dns_port, "192.0.2.6") == set()
    assert await api_ptrdname(client, fip) is None


async def test_a_ptr_set_without_a_port_stays_with_its_first_port_in_any_order(
    consumer: Consumer,
    publisher: Publisher,
    client: httpx.AsyncClient,
    neutron_state: NeutronState,
    dns_port: int,
) -> None:
    kept = neutron_state.add(PROJECT_A, "192.0.2.7")
    moved = neutron_state.add(PROJECT_A, "192.0.2.8")
    await set_ptr(client, kept, "kept.example.org.")
    await set_ptr(client, moved, "moved.example.org.")
    await publisher.publish("neutron", "floatingip.create.end", event(kept, "port-7"))
    await publisher.publish("neutron", "floatingip.update.end", event(kept, "port-7"))
    # The move of ``moved`` from port-8 to port-9 arrives in the wrong order.
    first, second = event(moved, "port-8"), event(moved, "port-9")
    await publisher.publish("neutron", "floatingip.update.end", second)
    await publisher.publish("neutron", "floatingip.create.end", first)
    await settled(consumer, 4)
    assert await ptr_answer(dns_port, "192.0.2.7") == {"kept.example.org."}
    assert await api_ptrdname(client, kept) == "kept.example.org."
    assert await ptr_answer(dns_port, "192.0.2.8") == set()
    assert await api_ptrdname(client, moved) is None


async def test_an_event_older_than_the_ptr_does_not_undo_it(
    consumer: Consumer,
    publisher: Publisher,
    client: httpx.AsyncClient,
    neutron_state: NeutronState,
    dns_port: int,
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.9")
    stale = event(fip, "port-1")  # its notification is held up somewhere
    await publisher.publish("neutron", "floatingip.update.end", event(fip, "port-2"))
    await settled(consumer, 1)
    await set_ptr(client, fip, "late.example.org.")  # the tenant sees it on port-2

    await publisher.publish("neutron", "floatingip.update.end", stale)
    await settled(consumer, 2)
    assert await ptr_answer(dns_port, "192.0.2.9") == {"late.example.org."}
    assert await api_ptrdname(client, fip) == "late.example.org."

    await publisher.publish("neutron", "floatingip.update.end", event(fip, "port-3"))
    await settled(consumer, 3)
    assert await ptr_answer(dns_port, "192.0.2.9") == set()
    assert await api_ptrdname(client, fip) is None
