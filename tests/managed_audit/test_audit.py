"""The managed-record audit on SQLite and PostgreSQL: records the sink wrote for instances,
floating IPs and ports that Nova/Neutron no longer report are reported, then removed through
the sink's own path (gone from the mini-DNS, serial bumped); live ones stay; a service that
fails or is not configured judges nothing; a mass deletion is refused unless forced."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator

import dns.rcode
import pytest

from tests.dns.conftest import query_udp
from tests.floatingips.neutron_double import NeutronState
from tests.managed_audit.conftest import MEMBER_TOKEN, PROJECT, REGION, TENANT, Sink
from tests.managed_audit.nova_double import NovaState
from zonekeeper.config import DnsSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import Zone
from zonekeeper.integrations.neutron import NeutronClient
from zonekeeper.service import context, floatingips, managed, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.worker import managed_audit
from zonekeeper.worker.audit import UnsafeRepair

SYSTEM = context.internal()


@pytest.fixture
async def dns_port(env: ServiceEnv) -> AsyncIterator[int]:
    """The port of a mini-DNS answering from the test's database."""
    server = MiniDns(env.db, DnsSettings(listen="127.0.0.1:0"))
    _, port = await server.start()
    try:
        yield port
    finally:
        await server.stop()


async def answers(port: int, name: str, rtype: str = "A") -> set[str]:
    """What the mini-DNS serves at the name (empty for NXDOMAIN or no data)."""
    response = await query_udp(port, name, rtype)
    assert response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
    return {rdata.to_text() for rrset in response.answer for rdata in rrset}


def summary(report: managed_audit.ManagedReport) -> list[tuple[str, str, list[str]]]:
    return [
        (stale.kind, stale.resource_id, [f"{r.name} {r.type} {r.data}" for r in stale.records])
        for stale in report.stale
    ]


async def serial(env: ServiceEnv, zone: Zone) -> int:
    return (await zones.get(TENANT, env, zone.id)).serial


async def test_gone_resources_are_reported_then_removed_and_no_longer_served(
    env: ServiceEnv, zone: Zone, sink: Sink, nova: NovaState, neutron: NeutronState, dns_port: int
) -> None:
    web, db = nova.add(PROJECT, "web"), nova.add(PROJECT, "db")
    await sink.boot(web, "192.0.2.10", "2001:db8::10")
    await sink.boot(db, "192.0.2.11")
    kept_fip = neutron.add(PROJECT, "203.0.113.1", neutron.add_port(PROJECT)["id"])
    gone_fip = neutron.add(PROJECT, "203.0.113.2", neutron.add_port(PROJECT)["id"])
    await sink.associate(kept_fip)
    await sink.associate(gone_fip)
    # Deleted while the sink was down: their removal events never came.
    del nova.servers[web["id"]]
    del neutron.floatingips[gone_fip["id"]]

    report = await managed_audit.find_stale(env)
    assert summary(report) == [
        ("floatingip", gone_fip["id"], ["fip-2.cloud.example. A 203.0.113.2"]),
        (
            "instance",
            web["id"],
            ["web.cloud.example. A 192.0.2.10", "web.cloud.example. AAAA 2001:db8::10"],
        ),
    ]
    assert report.records == {"instance": 3, "floatingip": 2, "port": 2}
    assert report.errors == {} and report.unconfigured == {}
    assert await answers(dns_port, "web.cloud.example.") == {"192.0.2.10"}  # reported only

    before = await serial(env, zone)
    assert await managed_audit.remove_stale(env, report) == 3
    assert await serial(env, zone) > before
    assert await answers(dns_port, "web.cloud.example.") == set()
    assert await answers(dns_port, "web.cloud.example.", "AAAA") == set()
    assert await answers(dns_port, "fip-2.cloud.example.") == set()
    assert await answers(dns_port, "db.cloud.example.") == {"192.0.2.11"}
    assert await answers(dns_port, "fip-1.cloud.example.") == {"203.0.113.1"}
    assert (await managed_audit.find_stale(env)).stale == []


async def test_a_gone_port_removes_the_records_held_through_it(
    env: ServiceEnv, zone: Zone, sink: Sink, neutron: NeutronState, dns_port: int
) -> None:
    port = neutron.add_port(PROJECT)
    fip = neutron.add(PROJECT, "203.0.113.7", port["id"])
    await sink.associate(fip)
    del neutron.ports[port["id"]]  # the floating IP stays, disassociated by Neutron

    report = await managed_audit.find_stale(env)
    assert summary(report) == [("port", port["id"], ["fip-7.cloud.example. A 203.0.113.7"])]
    assert await managed_audit.remove_stale(env, report) == 1
    assert await answers(dns_port, "fip-7.cloud.example.") == set()
    assert await managed.owned_records(SYSTEM, env, "floatingip", fip["id"]) == []


@pytest.mark.parametrize("failure", ["nova 500", "nova slow", "member token", "neutron 503"])
async def test_a_service_that_cannot_tell_judges_nothing(
    env: ServiceEnv, sink: Sink, nova: NovaState, neutron: NeutronState, failure: str
) -> None:
    server = nova.add(PROJECT, "web")
    await sink.boot(server, "192.0.2.10")
    fip = neutron.add(PROJECT, "203.0.113.1", neutron.add_port(PROJECT)["id"])
    await sink.associate(fip)
    nova.servers.clear()
    neutron.floatingips.clear()
    neutron.ports.clear()
    if failure == "nova 500":
        nova.fail_with = 500
    elif failure == "nova slow":
        nova.delay = 1.5  # past compute_api.timeout
    elif failure == "member token":
        # A token that may not list every project's servers: Nova refuses, never answers a part.
        nova.tokens = {"token-of-the-admin": (PROJECT, False)}
    else:
        neutron.fail_with = 503

    report = await managed_audit.find_stale(env)
    failed = {"floatingip", "port"} if failure == "neutron 503" else {"instance"}
    assert set(report.errors) == failed
    assert {stale.kind for stale in report.stale} == {"instance", "floatingip", "port"} - failed
    await managed_audit.remove_stale(env, report, force=True)
    ctx = SYSTEM
    kept = ("instance", server["id"]) if failed == {"instance"} else ("floatingip", fip["id"])
    assert len(await managed.owned_records(ctx, env, *kept)) == 1


async def test_an_instance_in_a_cell_that_is_down_is_not_gone(
    env: ServiceEnv, sink: Sink, nova: NovaState
) -> None:
    server = nova.add(PROJECT, "web")
    await sink.boot(server, "192.0.2.10")
    nova.down_cell.add(server["id"])  # listed only to microversion 2.69 and later
    report = await managed_audit.find_stale(env)
    assert report.stale == [] and report.records == {"instance": 1}
    assert nova.versions == ["compute 2.69"]


@pytest.mark.parametrize("apis", [{}], indirect=True)
async def test_kinds_without_a_configured_service_are_not_checked(
    env: ServiceEnv, sink: Sink, nova: NovaState, neutron: NeutronState
) -> None:
    await sink.boot(nova.add(PROJECT, "web"), "192.0.2.10")
    await sink.associate(neutron.add(PROJECT, "203.0.113.1", neutron.add_port(PROJECT)["id"]))
    nova.servers.clear()
    neutron.floatingips.clear()
    report = await managed_audit.find_stale(env)
    assert report.unconfigured == {
        "instance": "compute_api has no endpoints",
        "floatingip": "network_api has no endpoints",
        "port": "network_api has no endpoints",
    }
    assert report.stale == [] and report.errors == {}
    assert nova.seen == [] and neutron.seen == []


async def test_a_mass_deletion_is_refused_unless_forced(
    env: ServiceEnv, sink: Sink, nova: NovaState
) -> None:
    servers = [nova.add(PROJECT, f"vm{i}") for i in range(4)]
    for i, server in enumerate(servers):
        await sink.boot(server, f"192.0.2.{i + 1}")
    for server in servers[1:]:
        del nova.servers[server["id"]]

    report = await managed_audit.find_stale(env)
    assert len(report.stale) == 3
    with pytest.raises(UnsafeRepair, match="3 of 4 instance records"):
        await managed_audit.remove_stale(env, report, threshold=50)
    ctx = SYSTEM
    assert all([await managed.owned_records(ctx, env, "instance", s["id"]) for s in servers])
    assert await managed_audit.remove_stale(env, report, threshold=75) == 3  # within: 75 %
    assert await managed.owned_records(ctx, env, "instance", servers[1]["id"]) == []


async def test_forced_removal_past_the_threshold(
    env: ServiceEnv, sink: Sink, nova: NovaState
) -> None:
    servers = [nova.add(PROJECT, f"vm{i}") for i in range(2)]
    for i, server in enumerate(servers):
        await sink.boot(server, f"192.0.2.{i + 1}")
    nova.servers.clear()
    report = await managed_audit.find_stale(env)
    with pytest.raises(UnsafeRepair):
        await managed_audit.remove_stale(env, report)
    assert await managed_audit.remove_stale(env, report, force=True) == 2


async def test_the_periodic_task_removes_within_the_threshold_and_only_warns_past_it(
    env: ServiceEnv, sink: Sink, nova: NovaState, caplog: pytest.LogCaptureFixture
) -> None:
    servers = [nova.add(PROJECT, f"vm{i}") for i in range(3)]
    for i, server in enumerate(servers):
        await sink.boot(server, f"192.0.2.{i + 1}")
    ctx = SYSTEM
    del nova.servers[servers[0]["id"]]  # one resource: always within the threshold
    task = asyncio.create_task(managed_audit.periodic(env, 0.05, threshold=10))
    try:
        for _ in range(100):
            if not await managed.owned_records(ctx, env, "instance", servers[0]["id"]):
                break
            await asyncio.sleep(0.05)
        assert await managed.owned_records(ctx, env, "instance", servers[0]["id"]) == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    nova.servers.clear()  # the other two: 2 of 2, past 10 %
    with caplog.at_level(logging.WARNING, logger="zonekeeper.worker.managed_audit"):
        report = await managed_audit.audit_once(env, threshold=10)
    assert report.removed == 0 and len(report.stale) == 2
    assert "removing nothing, 2 of 2 instance records (100 %) are stale" in caplog.text
    assert all([await managed.owned_records(ctx, env, "instance", s["id"]) for s in servers[1:]])


async def test_records_written_after_the_listing_are_not_judged(
    env: ServiceEnv, sink: Sink, nova: NovaState
) -> None:
    """A resource whose record appears after the records were read is left alone, even when
    the service is asked later and no longer knows it."""
    late = nova.add(PROJECT, "late")

    async def instance_ids() -> set[str]:
        await sink.boot(late, "192.0.2.99")  # written while Nova is being asked
        del nova.servers[late["id"]]
        return await env.inventory["instance"]()

    replaced = dataclasses.replace(env, inventory={**env.inventory, "instance": instance_ids})
    report = await managed_audit.find_stale(replaced)
    assert report.stale == [] and report.records == {}


async def test_a_gone_floating_ips_ptr_goes_with_its_a_record(
    env: ServiceEnv, sink: Sink, neutron: NeutronState, dns_port: int
) -> None:
    fip = neutron.add(PROJECT, "203.0.113.9", neutron.add_port(PROJECT)["id"])
    await sink.associate(fip)
    with_neutron = dataclasses.replace(env, floating_ips=NeutronClient(env.settings.network_api))
    member = context.build(
        project_id=PROJECT, user_id="alice", roles=frozenset({"member", "reader"})
    )
    ptr = floatingips.PtrFields("www.example.org.", None, None)
    await floatingips.set_ptr(member, with_neutron, MEMBER_TOKEN, REGION, fip["id"], ptr)
    assert await answers(dns_port, "9.113.0.203.in-addr.arpa.", "PTR") == {"www.example.org."}
    del neutron.floatingips[fip["id"]]

    report = await managed_audit.find_stale(env)
    assert summary(report) == [
        (
            "floatingip",
            fip["id"],
            [
                "9.113.0.203.in-addr.arpa. PTR www.example.org.",
                "fip-9.cloud.example. A 203.0.113.9",
            ],
        )
    ]
    assert await managed_audit.remove_stale(env, report) == 2
    assert await answers(dns_port, "9.113.0.203.in-addr.arpa.", "PTR") == set()
    assert await answers(dns_port, "fip-9.cloud.example.") == set()
