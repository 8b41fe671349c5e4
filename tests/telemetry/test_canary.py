"""Resolution probes: the worker writes the canary record of the pool's canary zone on a
schedule and times each nameserver answering it; the figures are scraped and shown by
`zonekeeper status`."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from rich.console import Console

from tests.telemetry.conftest import scrape, url, value, wait_for
from zonekeeper import app as zonekeeper_app
from zonekeeper.cli import status as status_cli
from zonekeeper.service import statuses


@pytest.fixture
def telemetry() -> dict[str, object]:
    return {
        "listen": "127.0.0.1:0",
        "canary_zones": {"default": "canary.test."},
        "canary_interval": 0.3,
    }


async def test_canaries_are_timed_scraped_and_shown(running: zonekeeper_app.App) -> None:
    # Started before the zone exists: the first rounds fail (and say so), later ones work.
    async with httpx.AsyncClient(base_url=url(running.api_address, "")) as api:
        zone = {"name": "canary.test.", "email": "hostmaster@canary.test"}
        reply = await api.post("/v2/zones", json=zone, headers={"X-Auth-Project-ID": "ops"})
        assert reply.status_code == 202
    assert running.dns_address is not None
    nameserver = "{}:{}".format(*running.dns_address)

    def answered() -> bool:
        probe = running.canaries.get("default", {})
        return isinstance(probe.get("seconds", {}).get(nameserver), float)

    await wait_for(answered, "a canary answered by the mini-DNS")
    samples = await scrape(running)
    labels = {"pool": "default", "nameserver": nameserver}
    assert value(samples, "zonekeeper_canary_seconds_count", **labels) >= 1
    assert value(samples, "zonekeeper_canary_last_success_timestamp_seconds", **labels) > 0

    await statuses.heartbeat(running.env, running.role_stats())
    console = Console(record=True, width=200)
    code = await asyncio.to_thread(status_cli.run, console, running.settings)
    shown = console.export_text()
    assert code == 0, shown
    assert "pool default (zone canary.test." in shown
    assert f" s {nameserver}" in shown
    for role in ("api", "worker", "mdns"):
        assert f"up   {role} on " in shown
