"""The Neutron side: which token Neutron gets, and every way Neutron can fail (never a 500)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.floatingips.conftest import (
    ADMIN_TOKEN,
    PROJECT_A,
    PROJECT_B,
    REGION,
    TOKEN_A,
    A,
)
from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from zonekeeper import app
from zonekeeper.config import NetworkApiSettings, Settings
from zonekeeper.domain import errors
from zonekeeper.integrations import neutron


@pytest.fixture
def network_api(request: pytest.FixtureRequest, neutron_server: NeutronDouble) -> dict[str, Any]:
    """The double's endpoint, updated with the test's ``indirect`` parameter."""
    extra = getattr(request, "param", {})
    return {"endpoints": [f"{REGION}|{neutron_server.url}"], "timeout": 2.0, **extra}


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def key_url(fip_id: str) -> str:
    return f"/v2/reverse/floatingips/{REGION}:{fip_id}"


async def every_call(client: httpx.AsyncClient, fip_id: str) -> list[httpx.Response]:
    return [
        await client.get("/v2/reverse/floatingips", headers=A),
        await client.get(key_url(fip_id), headers=A),
        await client.patch(key_url(fip_id), json={"ptrdname": "a.example."}, headers=A),
        await client.patch(key_url(fip_id), json={"ptrdname": None}, headers=A),
    ]


@pytest.mark.parametrize("network_api", [{"endpoints": []}], indirect=True)
async def test_no_endpoint_configured_is_403_no_endpoint(client: httpx.AsyncClient) -> None:
    for response in await every_call(client, "8d2f5f3c-1111-4c1e-9e0f-0123456789ab"):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "no_endpoint"


@pytest.mark.parametrize(
    "network_api", [{"endpoints": [f"{REGION}|{closed_port_url()}"]}], indirect=True
)
async def test_neutron_unreachable_is_504(client: httpx.AsyncClient) -> None:
    for response in await every_call(client, "8d2f5f3c-1111-4c1e-9e0f-0123456789ab"):
        assert response.status_code == 504, response.text
        document = response.json()
        assert document["type"] == "neutron_communication_failure"
        assert REGION in document["message"]


@pytest.mark.parametrize("network_api", [{"timeout": 0.2}], indirect=True)
@pytest.mark.parametrize(
    "failure",
    [{"delay": 1.0}, {"fail_with": 500}, {"fail_with": 503}, {"garbage": True}, {"token": "x"}],
)
async def test_neutron_failures_are_504(
    client: httpx.AsyncClient, neutron_state: NeutronState, failure: dict[str, Any]
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    failure = dict(failure)
    headers = {**A, "X-Auth-Token": failure.pop("token", TOKEN_A)}
    for name, value in failure.items():
        setattr(neutron_state, name, value)
    for response in (
        await client.get("/v2/reverse/floatingips", headers=headers),
        await client.get(key_url(fip["id"]), headers=headers),
        await client.patch(key_url(fip["id"]), json={"ptrdname": "a.example."}, headers=headers),
    ):
        assert response.status_code == 504, response.text
        assert response.json()["type"] == "neutron_communication_failure"


@pytest.mark.parametrize(
    "network_api", [{"admin_token": ADMIN_TOKEN, "use_caller_token": False}], indirect=True
)
async def test_admin_token_still_shows_only_the_callers_floating_ips(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    mine = neutron_state.add(PROJECT_A, "192.0.2.5")
    theirs = neutron_state.add(PROJECT_B, "192.0.2.6")
    listed = (await client.get("/v2/reverse/floatingips", headers=A)).json()["floatingips"]
    assert [item["id"] for item in listed] == [f"{REGION}:{mine['id']}"]
    # Neutron shows an admin every floating IP; ownership is checked here as well.
    response = await client.patch(key_url(theirs["id"]), json={"ptrdname": "a.example."}, headers=A)
    assert response.status_code == 404
    assert {seen.token for seen in neutron_state.seen} == {ADMIN_TOKEN}


@pytest.mark.parametrize("network_api", [{"admin_token": ADMIN_TOKEN}], indirect=True)
async def test_admin_token_is_the_fallback_for_callers_without_one(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    without = {key: value for key, value in A.items() if key != "X-Auth-Token"}
    assert (await client.get(key_url(fip["id"]), headers=without)).status_code == 200
    assert (await client.get(key_url(fip["id"]), headers=A)).status_code == 200
    assert [seen.token for seen in neutron_state.seen] == [ADMIN_TOKEN, TOKEN_A]


async def test_without_any_token_none_is_sent(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    without = {key: value for key, value in A.items() if key != "X-Auth-Token"}
    response = await client.get("/v2/reverse/floatingips", headers=without)
    assert response.status_code == 504  # the double, like Keystone-backed Neutron, says 401
    assert "refused" in response.json()["message"]
    assert neutron_state.seen[-1].token is None


async def test_client_reads_neutrons_objects(
    neutron_server: NeutronDouble, neutron_state: NeutronState
) -> None:
    settings = NetworkApiSettings(endpoints=[f"{REGION}|{neutron_server.url}/v2.0/"])
    client = neutron.NeutronClient(settings)
    fip = neutron_state.add(PROJECT_A, "2001:db8::5", port_id="port-1")
    found = await client.get(REGION, fip["id"], TOKEN_A)
    assert found == neutron.FloatingIp(
        REGION, fip["id"], "2001:db8::5", PROJECT_A, "port-1", fip["revision_number"]
    )
    assert await client.list(PROJECT_A, TOKEN_A) == [found]
    assert await client.get(REGION, "8d2f5f3c-1111-4c1e-9e0f-0123456789ab", TOKEN_A) is None
    with pytest.raises(errors.NoEndpoint):
        await client.get("RegionTwo", fip["id"], TOKEN_A)


@pytest.mark.parametrize(
    "endpoints",
    [["RegionOne"], ["RegionOne|ftp://x"], ["Region One|http://x"], ["R|http://a", "R|http://b"]],
)
def test_bad_endpoints_are_refused_at_load(endpoints: list[str]) -> None:
    with pytest.raises(ValueError):
        NetworkApiSettings(endpoints=endpoints)


def test_build_hands_neutron_to_the_service_only_when_configured(tmp_path: Path) -> None:
    plain = app.build(Settings(data_dir=tmp_path))
    assert plain.env.floating_ips is None
    endpoints = [f"{REGION}|http://neutron.test:9696"]
    wired = app.build(Settings(data_dir=tmp_path, network_api={"endpoints": endpoints}))
    assert isinstance(wired.env.floating_ips, neutron.NeutronClient)
    assert wired.env.floating_ips.regions == [REGION]
