"""A pool of two BIND 9 servers and one PowerDNS server, loaded from a Designate pools.yaml:
zones and recordsets made through python-designateclient are served by every server."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import httpx
import pytest
import yaml
from designateclient.v2.client import Client

from tests.e2e.conftest import designate
from tests.e2e.serve import ZONEKEEPER, Serve
from tests.e2e.test_serve import wait_active
from tests.fixtures_servers import (
    Named,
    Pdns,
    free_port,
    restart_named,
    start_named,
    start_pdns,
    stop,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Named, Named, Pdns]]:
    started: list[Any] = []
    try:
        started.append(start_named(tmp_path / "bind-a"))
        started.append(start_named(tmp_path / "bind-b"))
        started.append(start_pdns(tmp_path / "pdns"))
        yield started[0], started[1], started[2]
    finally:
        for server in started:
            stop(server.process)


def pools_yaml(dns_port: int, bind_a: Named, bind_b: Named, pdns: Pdns) -> list[dict[str, Any]]:
    masters = [{"host": "127.0.0.1", "port": dns_port}]
    targets = [
        {"type": "bind9", "description": "BIND a", "masters": masters, "options": bind_a.options()},
        {"type": "bind9", "description": "BIND b", "masters": masters, "options": bind_b.options()},
        {"type": "pdns4", "description": "PowerDNS", "masters": masters, "options": pdns.options()},
    ]
    return [
        {
            "id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
            "name": "default",
            "description": "two BIND and one PowerDNS",
            "attributes": {},
            "ns_records": [{"hostname": "ns1.example.net.", "priority": 1}],
            "nameservers": [{"host": "127.0.0.1", "port": s.port} for s in (bind_a, bind_b, pdns)],
            "targets": targets,
            "also_notifies": [],
        }
    ]


def answer(port: int, name: str, rdtype: str) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", 2, port)


def wait_answered(
    port: int, name: str, rdtype: str, expected: set[str], timeout: float = 10
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = answer(port, name, rdtype)
        if {r.to_text() for rrset in reply.answer for r in rrset} == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} {rdtype} on port {port}: {reply.answer}")


def served_serial(port: int, zone: str) -> int | None:
    """The SOA serial the server on ``port`` answers for ``zone``, None when it has none."""
    reply = answer(port, zone, "SOA")
    return reply.answer[0][0].serial if reply.answer else None


FAST_RETRIES = {"ZONEKEEPER_WORKER__POLL_MAX_INTERVAL": "1", "ZONEKEEPER_WORKER__MAX_ATTEMPTS": "3"}


def serve_with_pool(
    tmp_path: Path,
    pools: list[dict[str, Any]],
    dns_port: int,
    dns_host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
) -> Serve:
    """`pool update` from a pools.yaml, then `serve` with the mini-DNS on
    ``dns_host:dns_port`` (``env``: more settings)."""
    data = tmp_path / "data"
    data.mkdir()
    pools_file = tmp_path / "pools.yaml"
    pools_file.write_text(yaml.safe_dump(pools))
    database = f"sqlite+aiosqlite:///{data / 'zonekeeper.sqlite'}"
    command = [ZONEKEEPER, "pool", "update", "--file", str(pools_file), "--database-url", database]
    loaded = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "default" in loaded.stdout
    listen = f"{dns_host}:{dns_port}"
    return Serve(data, "--dns-listen", listen, env=FAST_RETRIES | (env or {}))


def zonekeeper(server: Serve, *args: str) -> subprocess.CompletedProcess[str]:
    database = f"sqlite+aiosqlite:///{server.data_dir / 'zonekeeper.sqlite'}"
    command = [ZONEKEEPER, *args, "--database-url", database]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def wait_for(condition: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError("condition never held")


def test_zone_lifecycle_on_bind_and_powerdns(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("pool.example.", email="a@pool.example", ttl=300)
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.80"])
        active = wait_active(client, zone["id"], timeout=30)
        for ns in servers:
            soa = answer(ns.port, "pool.example.", "SOA")
            assert soa.answer and soa.answer[0][0].serial == active["serial"], ns
            wait_answered(ns.port, "www.pool.example.", "A", {"192.0.2.80"})
        sync = httpx.get(f"{server.base_url}/v2/zones/{zone['id']}/sync").json()
        assert {(n["port"], n["status"]) for n in sync["nameservers"]} == {
            (ns.port, "ACTIVE") for ns in servers
        }
        assert {(t["target"], t["status"]) for t in sync["targets"]} == {
            (f"{kind} 127.0.0.1:{ns.port}", "ACTIVE")
            for kind, ns in zip(("bind9", "bind9", "pdns4"), servers, strict=True)
        }

        rs = client.recordsets.list(zone["id"], criterion={"name": "www.pool.example."})[0]
        client.recordsets.update(zone["id"], rs["id"], {"records": ["192.0.2.81"]})
        updated = wait_active(client, zone["id"], timeout=30)
        for ns in servers:
            wait_answered(ns.port, "www.pool.example.", "A", {"192.0.2.81"})
        # Our NOTIFY carries the SOA, so BIND knows the new serial without asking for it.
        bind_log = servers[0].log_file.read_text()
        assert "pool.example/IN: notify from 127.0.0.1#" in bind_log
        assert f": serial {updated['serial']}" in bind_log
        # One-record changes travel as IXFR (the mini-DNS logs each transfer it serves).
        incremental = [line for line in server.lines if "IXFR pool.example." in line]
        assert len([line for line in incremental if "changes" in line]) >= 2, server.lines
        assert not [line for line in incremental if "does not reach back" in line]

        client.zones.delete(zone["id"])
        wait_for(lambda: not client.zones.list(criterion={"name": "pool.example."}))
        for ns in servers:
            assert answer(ns.port, "pool.example.", "SOA").rcode() != dns.rcode.NOERROR, ns
    finally:
        server.terminate()


def test_a_stopped_server_is_named_and_the_zone_heals_when_it_returns(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    bind_a, bind_b, pdns = servers
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    try:
        client: Client = designate(server.base_url)
        stop(bind_b.process)
        zone = client.zones.create("heal.example.", email="a@heal.example")
        sync_url = f"{server.base_url}/v2/zones/{zone['id']}/sync"

        def bind_b_is_named() -> dict[str, Any] | None:
            state: dict[str, Any] = httpx.get(sync_url).json()
            lagging = {
                (n["port"], n["reason"]) for n in state["nameservers"] if n["status"] != "ACTIVE"
            }
            return state if lagging == {(bind_b.port, "timeout")} else None

        state = wait_for(bind_b_is_named)
        assert state["status"] in ("PENDING", "ERROR")
        assert f"#{bind_b.rndc_port}: connection refused" in state["last_error"]  # rndc too
        serial = client.zones.get(zone["id"])["serial"]
        for ns in (bind_a, pdns):  # the others serve the zone's serial meanwhile
            wait_for(lambda ns=ns: served_serial(ns.port, "heal.example.") == serial)

        restart_named(bind_b)
        active = wait_active(client, zone["id"], timeout=30)
        assert answer(bind_b.port, "heal.example.", "SOA").answer[0][0].serial == active["serial"]
    finally:
        server.terminate()


def test_audit_finds_and_repairs_a_zone_deleted_behind_our_back(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    bind_a = servers[0]
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("lost.example.", email="a@lost.example")
        wait_active(client, zone["id"], timeout=30)
        rndc = ["rndc", "-s", "127.0.0.1", "-p", str(bind_a.rndc_port), "-k", str(bind_a.key_file)]
        subprocess.run([*rndc, "delzone", "lost.example."], check=True, capture_output=True)

        report = zonekeeper(server, "audit")
        assert report.returncode == 1
        assert f"127.0.0.1:{bind_a.port} refused" in report.stdout
        assert f"bind9 127.0.0.1:{bind_a.port} lacks lost.example." in report.stdout

        repaired = zonekeeper(server, "audit", "--repair")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        wait_active(client, zone["id"], timeout=30)
        wait_for(lambda: answer(bind_a.port, "lost.example.", "SOA").answer)
        assert zonekeeper(server, "audit").returncode == 0
    finally:
        server.terminate()


def test_a_wrong_rndc_key_is_a_readable_backend_error(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    bind_b = servers[1]
    dns_port = free_port()
    pools = pools_yaml(dns_port, *servers)
    pools[0]["targets"][0]["options"]["rndc_key_file"] = str(bind_b.key_file)  # not bind_a's
    server = serve_with_pool(tmp_path, pools, dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("key.example.", email="a@key.example")
        failed = wait_for(lambda: (z := client.zones.get(zone["id"]))["status"] == "ERROR" and z)
        state = httpx.get(f"{server.base_url}/v2/zones/{zone['id']}/sync").json()
        assert "rndc authentication failed" in state["last_error"], state
        refused = [t for t in state["targets"] if t["status"] == "ERROR"]
        assert [(t["target"], t["reason"]) for t in refused] == [
            (f"bind9 127.0.0.1:{servers[0].port}", "backend_error")
        ]
        assert failed["action"] == "CREATE"
    finally:
        server.terminate()


def test_doctor_names_a_pool_pointing_at_a_wrong_port(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    dns_port = free_port()
    pools = pools_yaml(dns_port, *servers)
    for target in pools[0]["targets"]:
        target["masters"] = [{"host": "127.0.0.1", "port": dns_port + 1}]
    server = serve_with_pool(tmp_path, pools, dns_port)
    try:
        client: Client = designate(server.base_url)
        client.zones.create("port.example.", email="a@port.example")
        time.sleep(1)
        report = zonekeeper(
            server, "doctor", "port.example.", "--dns-listen", f"127.0.0.1:{dns_port}"
        )
        assert report.returncode == 1
        assert f"do not include the mini-DNS port {dns_port}: port mismatch" in report.stdout
    finally:
        server.terminate()


def test_doctor_names_a_stopped_server(tmp_path: Path, servers: tuple[Named, Named, Pdns]) -> None:
    bind_b = servers[1]
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("doc.example.", email="a@doc.example")
        wait_active(client, zone["id"], timeout=30)
        listen = f"127.0.0.1:{dns_port}"
        assert zonekeeper(server, "doctor", "doc.example.", "--dns-listen", listen).returncode == 0
        stop(bind_b.process)
        report = zonekeeper(server, "doctor", "doc.example.", "--dns-listen", listen)
        assert report.returncode == 1
        failures = [line for line in report.stdout.splitlines() if line.startswith("FAIL")]
        assert len(failures) == 2, report.stdout
        assert failures[0].startswith(f"FAIL target bind9 127.0.0.1:{bind_b.port}: control channel")
        assert failures[1] == (
            f"FAIL nameserver 127.0.0.1:{bind_b.port}: does not answer: "
            "is the server running on this port?"
        )
    finally:
        server.terminate()


def test_sigkill_mid_push_loses_nothing(tmp_path: Path, servers: tuple[Named, Named, Pdns]) -> None:
    dns_port = free_port()
    server = serve_with_pool(tmp_path, pools_yaml(dns_port, *servers), dns_port)
    client: Client = designate(server.base_url)
    zones = [client.zones.create(f"k{i}.pool.example.", email="a@pool.example") for i in range(3)]
    for zone in zones:
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.99"])
    server.kill()  # the worker is mid-push: rndc, NOTIFY and polls in flight

    again = Serve(server.data_dir, "--dns-listen", f"127.0.0.1:{dns_port}", env=FAST_RETRIES)
    try:
        client = designate(again.base_url)
        for zone in zones:
            active = wait_active(client, zone["id"], timeout=40)
            for ns in servers:
                wait_answered(ns.port, f"www.{zone['name']}", "A", {"192.0.2.99"})
                assert answer(ns.port, zone["name"], "SOA").answer[0][0].serial == active["serial"]
    finally:
        again.terminate()


def test_a_mini_dns_moved_to_another_port_takes_its_zones_along(
    tmp_path: Path, servers: tuple[Named, Named, Pdns]
) -> None:
    old_port, new_port = free_port(), free_port()
    server = serve_with_pool(tmp_path, pools_yaml(old_port, *servers), old_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("moved.example.", email="a@moved.example")
        wait_active(client, zone["id"], timeout=30)
    finally:
        server.terminate()

    # The operator moves the mini-DNS and tells the pool: every zone is pushed again.
    pools_file = tmp_path / "pools.yaml"
    pools_file.write_text(yaml.safe_dump(pools_yaml(new_port, *servers)))
    server = Serve(server.data_dir, "--dns-listen", f"127.0.0.1:{new_port}", env=FAST_RETRIES)
    try:
        updated = zonekeeper(server, "pool", "update", "--file", str(pools_file))
        assert "zones pushed again to its targets and nameservers: 1" in updated.stdout
        client = designate(server.base_url)
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.90"])
        wait_active(client, zone["id"], timeout=30)
        for ns in servers:  # each transferred the new serial from the new port
            wait_answered(ns.port, "www.moved.example.", "A", {"192.0.2.90"})
    finally:
        server.terminate()
