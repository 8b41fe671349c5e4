"""Reverse zones of the configured floating-IP ranges are the system's: no tenant can create
one first (or an ancestor, or a zone inside one) and so receive other projects' PTRs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.floatingips.conftest import PROJECT_A, REGION, A, B
from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from zonekeeper.config import NetworkApiSettings
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import zones as zone_rows

MANAGED_PROJECT = NetworkApiSettings().managed_resource_project_id
"""The managed-resource project, as these tests configure it (the default)."""

RANGES = ["192.0.2.0/24", "198.51.100.0/23", "2001:db8:5::/48"]


@pytest.fixture
def network_api(neutron_server: NeutronDouble) -> dict[str, Any]:
    return {
        "endpoints": [f"{REGION}|{neutron_server.url}"],
        "timeout": 2.0,
        "floating_ranges": RANGES,
    }


async def create_zone(client: httpx.AsyncClient, name: str, headers: Any) -> httpx.Response:
    return await client.post("/v2/zones", json={"name": name, "email": "a@b.c"}, headers=headers)


@pytest.mark.parametrize(
    "name",
    [
        "2.0.192.in-addr.arpa.",  # the range's reverse zone
        "5.2.0.192.in-addr.arpa.",  # a zone inside it
        "192.in-addr.arpa.",  # above it: the system's zone would be its subzone
        "in-addr.arpa.",
        "101.51.198.in-addr.arpa.",  # the second /24 of the /23
        "1.0.5.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",  # inside the IPv6 /48
    ],
)
async def test_a_tenant_cannot_take_a_reserved_reverse_zone(
    client: httpx.AsyncClient, env: ServiceEnv, name: str
) -> None:
    for headers in (B, {**B, "X-Roles": "admin"}):
        response = await create_zone(client, name, headers)
        assert response.status_code == 400, response.text
        document = response.json()
        assert document["type"] == "invalid_zone_name"
        assert "is reserved for the reverse zones of the floating IP range" in document["message"]
        assert document["request_id"]
    async with env.db.read() as conn:
        assert await zone_rows.by_names(conn, [name]) == []


async def test_reverse_zones_outside_the_ranges_stay_open(client: httpx.AsyncClient) -> None:
    for name in (
        "3.0.192.in-addr.arpa.",
        "102.51.198.in-addr.arpa.",
        "6.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
    ):
        response = await create_zone(client, name, B)
        assert response.status_code == 202, response.text


async def test_the_ptr_goes_into_the_systems_zone(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    assert (await create_zone(client, "2.0.192.in-addr.arpa.", B)).status_code == 400
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    body = {"ptrdname": "host.example.org."}
    response = await client.patch(
        f"/v2/reverse/floatingips/{REGION}:{fip['id']}", json=body, headers=A
    )
    assert response.status_code == 202, response.text
    async with env.db.read() as conn:
        (zone,) = await zone_rows.by_names(conn, ["2.0.192.in-addr.arpa."])
    assert zone.project_id == MANAGED_PROJECT
