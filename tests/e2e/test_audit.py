"""`zonekeeper audit --repair` against real BIND and PowerDNS: the only code that deletes zones
from real servers. Orphans (zones a server holds that we don't) are deleted, the pool's own
zones are left alone, and more orphans than the threshold are refused unless forced."""

from __future__ import annotations

import asyncio
from pathlib import Path

import dns.rcode
import pytest
from designateclient.v2.client import Client

from tests.e2e import test_pools
from tests.e2e.conftest import designate
from tests.e2e.test_pools import answer, pools_yaml, serve_with_pool, zonekeeper
from tests.e2e.test_serve import wait_active
from tests.fixtures_servers import Named, Pdns, free_port
from zonekeeper import backends

pytestmark = pytest.mark.e2e

servers = test_pools.servers
"""The same fixture: two BIND servers and a PowerDNS server."""

ORPHANS = ("orphan-1.example.", "orphan-2.example.")


def holds(server: Named | Pdns, kind: str, name: str) -> bool:
    return name in asyncio.run(backends.load(kind, server.options()).list_zones())


def add_behind_our_back(server: Named | Pdns, kind: str, name: str, dns_port: int) -> None:
    """A zone created on the server by someone else (the masters are ours, as a leftover of
    an earlier deployment would have them)."""
    zone = backends.ZoneTarget("", name, (backends.Master("127.0.0.1", dns_port),))
    asyncio.run(backends.load(kind, server.options()).create_zone(zone))


def test_repair_deletes_orphans_and_refuses_past_the_threshold(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    bind_a, bind_b, pdns = servers
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("kept.example.", email="a@kept.example")
        wait_active(client, zone["id"], timeout=30)
        for name in ORPHANS:
            add_behind_our_back(bind_a, "bind9", name, dns_port)
        add_behind_our_back(pdns, "pdns4", ORPHANS[0], dns_port)
        assert holds(bind_a, "bind9", ORPHANS[1]) and holds(pdns, "pdns4", ORPHANS[0])

        report = zonekeeper(server, "audit")
        assert report.returncode == 1, report.stdout + report.stderr
        for target, name in [(bind_a, ORPHANS[0]), (bind_a, ORPHANS[1]), (pdns, ORPHANS[0])]:
            assert f"127.0.0.1:{target.port} holds {name}" in report.stdout, report.stdout

        refused = zonekeeper(server, "audit", "--repair", "--threshold", "2")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "refused" in refused.stdout and "3 orphan zones" in refused.stdout
        assert holds(bind_a, "bind9", ORPHANS[0]) and holds(pdns, "pdns4", ORPHANS[0])

        forced = zonekeeper(server, "audit", "--repair", "--threshold", "2", "--force")
        assert forced.returncode == 0, forced.stdout + forced.stderr
        assert "3 orphans deleted" in forced.stdout
        for kind, target in [("bind9", bind_a), ("bind9", bind_b), ("pdns4", pdns)]:
            assert not any(holds(target, kind, name) for name in ORPHANS), target
            assert holds(target, kind, "kept.example."), target
            kept = answer(target.port, "kept.example.", "SOA")
            assert kept.rcode() == dns.rcode.NOERROR and kept.answer, target
        assert answer(bind_a.port, ORPHANS[0], "SOA").rcode() != dns.rcode.NOERROR

        again = zonekeeper(server, "audit")
        assert again.returncode == 0, again.stdout + again.stderr
    finally:
        server.terminate()
