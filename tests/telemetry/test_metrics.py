"""/metrics after a scripted sequence of changes holds exactly what happened; a stopped
nameserver moves the lag, PENDING and ERROR figures, and the alert rules fire on them."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import httpx

from tests.telemetry.conftest import Clock, Samples, scrape, url, value, wait_for
from tests.telemetry.promtool import check
from zonekeeper import app as zonekeeper_app

SERVE_SERVICES = ("api", "central", "mdns", "producer", "worker")
"""The Designate services whose heartbeats `serve` writes (app.DESIGNATE_SERVICES)."""

HEADERS = {"X-Auth-Project-ID": "metrics-project"}
ZONE = {"name": "metrics.test.", "email": "hostmaster@metrics.test", "ttl": 300}


class Api:
    """The API as a client, counting the requests it makes per (route, method, status)."""

    def __init__(self, app: zonekeeper_app.App) -> None:
        self.base = url(app.api_address, "")
        self.client = httpx.AsyncClient(headers=HEADERS)
        self.made: dict[tuple[str, str, str], int] = {}

    async def call(self, method: str, path: str, route: str, **kwargs: object) -> httpx.Response:
        reply = await self.client.request(method, self.base + path, **kwargs)  # type: ignore[arg-type]
        key = (route, method, str(reply.status_code))
        self.made[key] = self.made.get(key, 0) + 1
        return reply

    async def wait_active(self, zone_id: str) -> None:
        async def active() -> bool:
            reply = await self.call("GET", f"/v2/zones/{zone_id}", "/v2/zones/{zone_id}")
            return reply.json()["status"] == "ACTIVE"

        await wait_for(active, "the zone to be ACTIVE")


async def test_scraped_values_are_what_happened(running: zonekeeper_app.App) -> None:
    api = Api(running)
    created = await api.call("POST", "/v2/zones", "/v2/zones", json=ZONE)
    assert created.status_code == 202, created.text
    zone_id = created.json()["id"]
    await api.wait_active(zone_id)
    recordsets = "/v2/zones/{zone_id}/recordsets"
    for name, address in (("www", "192.0.2.1"), ("mail", "192.0.2.2")):
        body = {"name": f"{name}.metrics.test.", "type": "A", "records": [address]}
        reply = await api.call("POST", f"/v2/zones/{zone_id}/recordsets", recordsets, json=body)
        assert reply.status_code == 202, reply.text
        await api.wait_active(zone_id)
    refused = await api.call("POST", "/v2/zones", "/v2/zones", json={"name": "x.test."})
    assert refused.status_code == 400
    assert (await api.call("GET", "/v2/no-such-thing", "unmatched")).status_code == 404
    await api.client.aclose()

    samples = await scrape(running)
    requests = {
        labels: count
        for (name, labels), count in samples.items()
        if name == "zonekeeper_api_requests_total"
    }
    assert requests == {
        frozenset({("route", r), ("method", m), ("status", s)}): float(n)
        for (r, m, s), n in api.made.items()
    }
    gets = api.made[("/v2/zones/{zone_id}", "GET", "200")]
    latency = "zonekeeper_api_request_duration_seconds_count"
    assert value(samples, latency, route="/v2/zones/{zone_id}", method="GET") == gets
    _assert_propagation(running, samples, changes=3)
    assert value(samples, "zonekeeper_zones_pending", older_than="0") == 0
    assert value(samples, "zonekeeper_zones_error") == 0
    assert value(samples, "zonekeeper_worker_backlog_zones") == 0
    assert value(samples, "zonekeeper_dns_queries_total", qtype="SOA", rcode="NOERROR") >= 3
    for kind in ("axfr", "ixfr", "ixfr_axfr"):  # the embedded pool transfers nothing
        assert value(samples, "zonekeeper_dns_transfers_total", kind=kind) == 0
    services = {dict(labels)["service"] for name, labels in samples if "heartbeat" in name}
    # serve's heartbeats, under the Designate services it stands for (app.DESIGNATE_SERVICES).
    assert services == set(SERVE_SERVICES)


def _assert_propagation(app: zonekeeper_app.App, samples: Samples, changes: int) -> None:
    """Each change was propagated by exactly one attempt: one observation each, one NOTIFY."""
    assert app.mini_dns is not None
    nameserver = _nameserver(app)
    pool = {"pool": "default"}
    assert value(samples, "zonekeeper_propagation_seconds_count", **pool) == changes
    count = "zonekeeper_nameserver_propagation_seconds_count"
    assert value(samples, count, **pool, nameserver=nameserver) == changes
    notify = "zonekeeper_notify_total"
    assert value(samples, notify, **pool, nameserver=nameserver, outcome="acknowledged") == changes
    attempts = "zonekeeper_reconcile_attempts_total"
    assert value(samples, attempts, outcome="propagated") == changes
    assert value(samples, attempts, outcome="failed") == 0
    checks = "zonekeeper_nameserver_checks_total"
    assert value(samples, checks, **pool, nameserver=nameserver, reason="served") == changes
    slowest = value(samples, "zonekeeper_propagation_seconds_bucket", **pool, le="+Inf")
    assert slowest == changes


def _nameserver(app: zonekeeper_app.App) -> str:
    """The default pool's nameserver as labelled: this process's mini-DNS."""
    assert app.dns_address is not None
    return "{}:{}".format(*app.dns_address)


async def test_a_stopped_nameserver_moves_the_gauges_and_fires_the_alerts(
    running: zonekeeper_app.App, clock: Clock, tmp_path: Path
) -> None:
    api = Api(running)
    created = await api.call("POST", "/v2/zones", "/v2/zones", json=ZONE)
    zone_id = created.json()["id"]
    await api.wait_active(zone_id)
    assert running.mini_dns is not None
    labels = {"pool": "default", "nameserver": _nameserver(running)}
    before = await scrape(running)
    assert value(before, "zonekeeper_nameserver_zones_behind", **labels) == 0
    assert value(before, "zonekeeper_nameserver_lag_seconds", **labels) == 0
    check(before, tmp_path, {})

    await running.mini_dns.stop()  # the default pool's only nameserver
    body = {"name": "www.metrics.test.", "type": "A", "records": ["192.0.2.1"]}
    reply = await api.call("POST", f"/v2/zones/{zone_id}/recordsets", "", json=body)
    assert reply.status_code == 202
    # Ten minutes on (the clock is the one thing moved): PENDING for over 5 minutes.
    clock.ahead = timedelta(minutes=10)
    pending = await scrape(running)
    assert value(pending, "zonekeeper_zones_pending", older_than="0") == 1
    assert value(pending, "zonekeeper_zones_pending", older_than="300") == 1
    assert value(pending, "zonekeeper_zones_pending", older_than="3600") == 0

    async def in_error() -> bool:
        reply = await api.call("GET", f"/v2/zones/{zone_id}", "")
        return bool(reply.json()["status"] == "ERROR")

    await wait_for(in_error, "the zone to turn ERROR")
    await api.client.aclose()
    broken = await scrape(running)
    assert value(broken, "zonekeeper_zones_error") == 1
    assert value(broken, "zonekeeper_zones_pending", older_than="0") == 0
    assert value(broken, "zonekeeper_nameserver_zones_behind", **labels) == 1
    assert value(broken, "zonekeeper_nameserver_lag_seconds", **labels) > 600
    assert value(broken, "zonekeeper_reconcile_attempts_total", outcome="failed") >= 1
    # No process heartbeated since the clock jumped ten minutes: they look gone, and are
    # reported so.
    silent = [{"service": s, "host": socket.gethostname()} for s in SERVE_SERVICES]
    check(pending, tmp_path, {"ZonekeeperZonePending": [{}], "ZonekeeperProcessSilent": silent})
    check(
        broken,
        tmp_path,
        {
            "ZonekeeperZoneError": [{}],
            "ZonekeeperNameserverBehind": [labels],
            "ZonekeeperProcessSilent": silent,
        },
    )
