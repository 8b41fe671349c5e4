"""`zonekeeper serve` as a real process, driven by python-designateclient, dnspython and dig."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.zone
import pytest
from designateclient.v2.client import Client

from tests.e2e.conftest import designate
from tests.e2e.serve import Serve

pytestmark = pytest.mark.e2e


def wait_active(client: Client, zone_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        zone: dict[str, Any] = client.zones.get(zone_id)
        if zone["status"] == "ACTIVE":
            return zone
        time.sleep(0.02)
    raise AssertionError(f"zone {zone_id} still {zone['status']}: {zone}")


def all_recordsets(client: Client, zone_id: str) -> list[dict[str, Any]]:
    """Every recordset of the zone, page by page."""
    found: list[dict[str, Any]] = []
    while page := client.recordsets.list(
        zone_id, marker=found[-1]["id"] if found else None, limit=500
    ):
        found.extend(page)
    return found


def query(served: Serve, name: str, rdtype: str) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", 2, served.dns_port)


def test_zone_and_records_go_active_and_are_answered(served: Serve, client: Client) -> None:
    zone = client.zones.create("example.org.", email="hostmaster@example.org", ttl=300)
    assert zone["status"] == "PENDING" and zone["action"] == "CREATE"
    active = wait_active(client, zone["id"])
    assert active["serial"] >= zone["serial"]

    rs = client.recordsets.create(zone["id"], "www", "A", ["192.0.2.10", "192.0.2.11"])
    assert rs["status"] == "PENDING"
    after = wait_active(client, zone["id"])
    assert after["serial"] > active["serial"]
    assert client.recordsets.get(zone["id"], rs["id"])["status"] == "ACTIVE"

    answer = query(served, "www.example.org.", "A")
    assert answer.flags & dns.flags.AA
    addresses = sorted(r.address for r in answer.answer[0])
    assert addresses == ["192.0.2.10", "192.0.2.11"]


def test_axfr_and_ixfr_match_the_api(served: Serve, client: Client) -> None:
    zone = client.zones.create("xfr.example.", email="admin@xfr.example", ttl=600)
    for i in range(30):
        client.recordsets.create(zone["id"], f"host{i}", "A", [f"198.51.100.{i}"])
    client.recordsets.create(zone["id"], "mail", "MX", ["10 mx.xfr.example."])
    client.recordsets.create(zone["id"], "txt", "TXT", ['"hello world"'])
    before = wait_active(client, zone["id"])

    transferred = dns.zone.from_xfr(
        dns.query.xfr("127.0.0.1", "xfr.example.", port=served.dns_port)
    )
    api = {
        (rs["name"], rs["type"]): sorted(rs["records"])
        for rs in client.recordsets.list(zone["id"], criterion={"limit": 1000})
    }
    served_sets = {
        (
            (name.derelativize(transferred.origin)).to_text(),
            dns.rdatatype.to_text(rds.rdtype),
        ): sorted(r.to_text(origin=transferred.origin, relativize=False) for r in rds)
        for name, node in transferred.nodes.items()
        for rds in node.rdatasets
    }
    assert served_sets == api

    # One change, then an IXFR from the previous serial carries just that change.
    client.recordsets.create(zone["id"], "new", "AAAA", ["2001:db8::1"])
    after = wait_active(client, zone["id"])
    ixfr = dns.message.make_query("xfr.example.", "IXFR")
    soa = dns.rrset.from_text("xfr.example.", 0, "IN", "SOA", f". . {before['serial']} 0 0 0 0")
    ixfr.authority.append(soa)
    reply = dns.query.tcp(ixfr, "127.0.0.1", 5, served.dns_port, one_rr_per_rrset=True)
    rrsets = reply.answer
    assert rrsets[0].rdtype == dns.rdatatype.SOA and rrsets[0][0].serial == after["serial"]
    assert [r.rdtype for r in rrsets].count(dns.rdatatype.SOA) == 4  # incremental, not AXFR
    added = [r for r in rrsets if r.rdtype == dns.rdatatype.AAAA]
    assert added and added[0][0].address == "2001:db8::1"


def test_dig_answers(served: Serve, client: Client) -> None:
    dig = shutil.which("dig")
    assert dig, "dig is missing: `make test` installs bind9-dnsutils"
    zone = client.zones.create("dig.example.", email="a@dig.example")
    client.recordsets.create(zone["id"], "www", "CNAME", ["web.dig.example."])
    client.recordsets.create(zone["id"], "web", "A", ["203.0.113.7"])
    wait_active(client, zone["id"])
    out = subprocess.run(
        [dig, "@127.0.0.1", "-p", str(served.dns_port), "www.dig.example", "A", "+norec"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert "status: NOERROR" in out and " aa" in out
    assert "web.dig.example." in out and "203.0.113.7" in out


def test_delete_removes_the_zone(served: Serve, client: Client) -> None:
    zone = client.zones.create("gone.example.", email="a@gone.example")
    wait_active(client, zone["id"])
    deleted = client.zones.delete(zone["id"])
    assert deleted["action"] == "DELETE" and deleted["status"] == "PENDING"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not client.zones.list(criterion={"name": "gone.example."}):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("zone was never purged")
    assert query(served, "gone.example.", "SOA").rcode() == dns.rcode.REFUSED


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    server = Serve(tmp_path / "data")
    client = designate(server.base_url)
    client.zones.create("term.example.", email="a@term.example")
    started = time.monotonic()
    assert server.terminate() == 0
    assert time.monotonic() - started < 10
    assert not [line for line in server.lines if "Traceback" in line]


def test_sigkill_while_pending_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = Serve(data)
    client = designate(server.base_url)
    zones = [client.zones.create(f"k{i}.example.", email="a@k.example") for i in range(5)]
    for zone in zones:
        for j in range(5):
            client.recordsets.create(zone["id"], f"r{j}", "A", [f"192.0.2.{j + 1}"])
    server.kill()

    again = Serve(data)
    try:
        client = designate(again.base_url)
        for zone in zones:
            active = wait_active(client, zone["id"], timeout=40)
            names = {rs["name"] for rs in client.recordsets.list(zone["id"])}
            assert {f"r{j}.{zone['name']}" for j in range(5)} <= names
            answer = query(again, f"r4.{zone['name']}", "A")
            assert answer.answer and answer.answer[0][0].address == "192.0.2.5"
            assert active["serial"] >= zone["serial"]
    finally:
        again.kill()


def test_sigterm_under_write_load_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM while 8 clients write: the process exits 0 within 10 s without a traceback,
    and every create it acknowledged is still there after a restart."""
    server = Serve(tmp_path / "data")
    client = designate(server.base_url)
    zone = client.zones.create("load.example.", email="a@load.example")
    acknowledged: list[str] = []
    refused: list[BaseException] = []
    terminating = threading.Event()

    def write(worker: int) -> None:
        own = designate(server.base_url)
        for i in range(10_000):
            name = f"w{worker}-{i}.load.example."
            try:
                own.recordsets.create(zone["id"], name, "A", ["192.0.2.1"])
            except Exception as error:
                if not terminating.is_set():
                    refused.append(error)  # failed while the server was meant to be up
                return
            acknowledged.append(name)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 40 and time.monotonic() < deadline and not refused:
        time.sleep(0.05)
    assert len(acknowledged) >= 40 and not refused, (len(acknowledged), refused)

    terminating.set()
    started = time.monotonic()
    try:
        assert server.terminate() == 0
        assert time.monotonic() - started < 10
    finally:
        for thread in threads:
            thread.join(10)
    assert not [line for line in server.lines if "Traceback" in line], server.lines

    again = Serve(tmp_path / "data")
    try:
        stored = {rs["name"] for rs in all_recordsets(designate(again.base_url), zone["id"])}
        assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)[:5]
    finally:
        again.kill()
