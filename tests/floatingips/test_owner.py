"""The reverse zones made for floating-IP PTRs belong to the configured managed-resource
project (Designate's ``managed_resource_tenant_id``), which no zone quota holds back."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import build_env
from tests.floatingips.conftest import PROJECT_A, REGION, A
from tests.floatingips.neutron_double import NeutronDouble, NeutronState
from zonekeeper.integrations import neutron
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import zones as zone_rows

OWNER = "dns-infrastructure"


@pytest.fixture
def network_api(neutron_server: NeutronDouble) -> dict[str, Any]:
    return {
        "endpoints": [f"{REGION}|{neutron_server.url}"],
        "timeout": 2.0,
        "managed_resource_project_id": OWNER,
    }


@pytest.fixture
async def env(
    tmp_path: Path, network_api: dict[str, Any], neutron_state: NeutronState
) -> AsyncIterator[ServiceEnv]:
    """As the package's ``env``, with no project allowed a single zone."""
    base = await build_env(tmp_path / "api.sqlite", network_api=network_api, quotas={"zones": 0})
    service_env = dataclasses.replace(
        base, floating_ips=neutron.NeutronClient(base.settings.network_api)
    )
    try:
        yield service_env
    finally:
        await service_env.db.close()


async def test_reverse_zones_belong_to_the_configured_project_without_a_zone_quota(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    for address in ("192.0.2.5", "198.51.100.5"):
        fip = neutron_state.add(PROJECT_A, address)
        response = await client.patch(
            f"/v2/reverse/floatingips/{REGION}:{fip['id']}",
            json={"ptrdname": "host.example.org."},
            headers=A,
        )
        assert response.status_code == 202, response.text
    async with env.db.read() as conn:
        made = await zone_rows.by_names(conn, ["2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa."])
    assert [zone.project_id for zone in made] == [OWNER, OWNER]
