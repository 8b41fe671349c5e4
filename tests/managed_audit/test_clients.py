"""The Nova and Neutron clients' inventory calls against the doubles: every page followed,
the admin token and Nova's microversion sent, every region asked, and each way a service can
fail raising its CommunicationFailure (never an empty answer)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from tests.managed_audit.conftest import ADMIN_TOKEN, PROJECT, REGION, api_settings
from tests.managed_audit.nova_double import NovaDouble, NovaState
from zonekeeper import app
from zonekeeper.config import ComputeApiSettings, NetworkApiSettings, Settings
from zonekeeper.domain import errors
from zonekeeper.integrations import nova
from zonekeeper.integrations.neutron import NeutronClient
from zonekeeper.worker import audit, managed_audit


def nova_client(url: str, **extra: object) -> nova.NovaClient:
    return nova.NovaClient(ComputeApiSettings.model_validate({**api_settings(url), **extra}))


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def second_nova() -> Iterator[NovaDouble]:
    with NovaDouble() as double:
        yield double


async def test_nova_lists_every_page_of_every_project(
    nova_server: NovaDouble, nova: NovaState
) -> None:
    servers = [nova.add(f"project-{i % 2}", f"vm{i}") for i in range(5)]
    nova.down_cell.add(servers[0]["id"])
    nova.max_limit = 2
    client = nova_client(f"{nova_server.url}/v2.1/")  # the catalog's form is accepted
    assert await client.instance_ids() == {server["id"] for server in servers}
    assert [seen.query.get("marker") is not None for seen in nova.seen] == [False, True, True]
    assert all(seen.query["all_tenants"] == "1" for seen in nova.seen)
    assert {seen.token for seen in nova.seen} == {ADMIN_TOKEN}
    assert set(nova.versions) == {"compute 2.69"}


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ("500", "answered 500"),
        ("slow", "no answer within 1.0s"),
        ("member", "the token was refused (403)"),
        ("no token", "the token was refused (401)"),
        ("closed", "unreachable"),
    ],
)
async def test_nova_failures_raise(
    nova_server: NovaDouble, nova: NovaState, breakage: str, reason: str
) -> None:
    nova.add(PROJECT)
    url = closed_port_url() if breakage == "closed" else nova_server.url
    client = nova_client(url, admin_token=None if breakage == "no token" else ADMIN_TOKEN)
    if breakage == "500":
        nova.fail_with = 500
    elif breakage == "slow":
        nova.delay = 1.5
    elif breakage == "member":
        nova.tokens[ADMIN_TOKEN] = (PROJECT, False)
    with pytest.raises(errors.NovaCommunicationFailure, match=re.escape(reason)):
        await client.instance_ids()


async def test_every_region_must_answer(
    nova_server: NovaDouble, second_nova: NovaDouble, nova: NovaState
) -> None:
    second_nova.state.tokens = dict(nova.tokens)
    first, second = nova.add(PROJECT), second_nova.state.add(PROJECT)
    endpoints = [f"RegionOne|{nova_server.url}", f"RegionTwo|{second_nova.url}"]
    client = nova_client(nova_server.url, endpoints=endpoints)
    assert await client.instance_ids() == {first["id"], second["id"]}
    second_nova.state.fail_with = 503
    with pytest.raises(errors.NovaCommunicationFailure, match="RegionTwo: answered 503"):
        await client.instance_ids()


async def test_neutron_lists_every_floating_ip_and_port_by_id(
    neutron_server: NeutronDouble, neutron: NeutronState
) -> None:
    ports = [neutron.add_port(f"project-{i}") for i in range(3)]
    fips = [neutron.add(f"project-{i}", f"203.0.113.{i}", ports[i]["id"]) for i in range(3)]
    neutron.page_size = 2
    client = NeutronClient(NetworkApiSettings.model_validate(api_settings(neutron_server.url)))
    assert await client.floatingip_ids() == {fip["id"] for fip in fips}
    assert await client.port_ids() == {port["id"] for port in ports}
    assert [(seen.path, seen.query.get("fields")) for seen in neutron.seen] == [
        ("/v2.0/floatingips", "id"),
        ("/v2.0/floatingips", "id"),
        ("/v2.0/ports", "id"),
        ("/v2.0/ports", "id"),
    ]
    assert {seen.token for seen in neutron.seen} == {ADMIN_TOKEN}


@pytest.mark.parametrize("breakage", ["garbage", "500"])
async def test_neutron_failures_raise(
    neutron_server: NeutronDouble, neutron: NeutronState, breakage: str
) -> None:
    neutron.garbage = breakage == "garbage"
    neutron.fail_with = 500 if breakage == "500" else None
    client = NeutronClient(NetworkApiSettings.model_validate(api_settings(neutron_server.url)))
    with pytest.raises(errors.NeutronCommunicationFailure):
        await client.port_ids()


def test_the_inventory_has_the_kinds_whose_service_is_configured(tmp_path: Path) -> None:
    assert app.inventory(Settings(data_dir=tmp_path)) == {}
    network = Settings(data_dir=tmp_path, network_api={"endpoints": [f"{REGION}|http://n:9696"]})
    assert set(app.inventory(network)) == {"floatingip", "port"}
    both = network.model_copy(
        update={"compute_api": ComputeApiSettings(endpoints=[f"{REGION}|http://c:8774"])}
    )
    assert set(app.inventory(both)) == {"floatingip", "port", "instance"}
    assert set(app.build(both).env.inventory) == {"floatingip", "port", "instance"}


@pytest.mark.parametrize("endpoints", [["RegionOne"], ["R|http://a", "R|http://b"]])
def test_bad_compute_endpoints_are_refused_at_load(endpoints: list[str]) -> None:
    with pytest.raises(ValueError):
        ComputeApiSettings(endpoints=endpoints)


@pytest.mark.parametrize(
    ("overrides", "managed_runs"),
    [
        ({}, False),
        ({"compute_api": {"endpoints": [f"{REGION}|http://c:8774"]}}, True),
        ({"network_api": {"endpoints": [f"{REGION}|http://n:9696"]}}, True),
        (
            {
                "compute_api": {"endpoints": [f"{REGION}|http://c:8774"]},
                "worker": {"managed_audit_interval": 0},
            },
            False,
        ),
    ],
)
def test_serve_runs_the_managed_audit_only_when_a_service_is_configured(
    tmp_path: Path, overrides: dict[str, Any], managed_runs: bool
) -> None:
    jobs = app.periodic_audits(app.service_env(Settings(data_dir=tmp_path, **overrides)))
    for job in jobs:
        job.close()  # inspected, never run
    expected = [audit.periodic.__code__]
    expected += [managed_audit.periodic.__code__] if managed_runs else []
    assert [job.cr_code for job in jobs] == expected
