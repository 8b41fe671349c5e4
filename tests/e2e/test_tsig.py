"""TSIG and the transfer ACL end to end: `serve` with a pools.yaml whose targets carry a key,
real BIND and PowerDNS transferring signed, strangers refused, and `doctor` naming a key
mismatch, a target without the key, and a nameserver that refuses our NOTIFY."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.tsig
import pytest
import yaml
from designateclient.v2.client import Client

from tests.dns.test_tsig import OTHER_SECRET, SECRET
from tests.e2e.conftest import designate
from tests.e2e.serve import Serve
from tests.e2e.test_pools import answer, serve_with_pool, wait_answered, wait_for, zonekeeper
from tests.e2e.test_serve import wait_active
from tests.fixtures_servers import Named, Pdns, free_port, start_named, start_pdns, stop

pytestmark = pytest.mark.e2e

KEY = {"tsigkey_name": "pool-key", "tsigkey_secret": SECRET}


@pytest.fixture
def started() -> Iterator[list[Any]]:
    """Servers a test starts; all stopped at its end."""
    servers: list[Any] = []
    try:
        yield servers
    finally:
        for server in servers:
            stop(server.process)


def pool(
    dns_host: str, dns_port: int, targets: list[tuple[str, Named | Pdns, dict[str, Any]]]
) -> list[dict[str, Any]]:
    masters = [{"host": dns_host, "port": dns_port}]
    return [
        {
            "id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
            "name": "default",
            "ns_records": [{"hostname": "ns1.example.net.", "priority": 1}],
            "nameservers": [{"host": "127.0.0.1", "port": server.port} for _, server, _ in targets],
            "targets": [
                {"type": kind, "masters": masters, "options": server.options(**options)}
                for kind, server, options in targets
            ],
        }
    ]


def axfr(port: int, zone: str, key: dns.tsig.Key | None = None, source: str = "127.0.0.1") -> int:
    """The rcode of the first message of an AXFR of ``zone`` from the mini-DNS."""
    query = dns.message.make_query(zone, "AXFR")
    if key is not None:
        query.use_tsig(key)
    return int(dns.query.tcp(query, "127.0.0.1", timeout=5, port=port, source=source).rcode())


def doctor(server: Serve, zone: str, dns_listen: str) -> tuple[int, list[str]]:
    report = zonekeeper(server, "doctor", zone, "--dns-listen", dns_listen)
    return report.returncode, report.stdout.splitlines()


def test_bind_and_powerdns_transfer_signed_and_unsigned_requests_are_refused(
    tmp_path: Path, started: list[Any]
) -> None:
    bind = start_named(tmp_path / "bind", tsig=("pool-key", SECRET))
    started.append(bind)
    pdns = start_pdns(tmp_path / "pdns")
    started.append(pdns)
    dns_port = free_port()
    pools = pool("127.0.0.1", dns_port, [("bind9", bind, KEY), ("pdns4", pdns, KEY)])
    server = serve_with_pool(tmp_path, pools, dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("tsig.example.", email="a@tsig.example", ttl=300)
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.80"])
        active = wait_active(client, zone["id"], timeout=30)
        for ns in (bind, pdns):
            wait_answered(ns.port, "www.tsig.example.", "A", {"192.0.2.80"})
            assert answer(ns.port, "tsig.example.", "SOA").answer[0][0].serial == active["serial"]
        # A change travels as a signed IXFR to both.
        rs = client.recordsets.list(zone["id"], criterion={"name": "www.tsig.example."})[0]
        client.recordsets.update(zone["id"], rs["id"], {"records": ["192.0.2.81"]})
        wait_active(client, zone["id"], timeout=30)
        for ns in (bind, pdns):
            wait_answered(ns.port, "www.tsig.example.", "A", {"192.0.2.81"})
        incremental = [line for line in server.lines if "IXFR tsig.example." in line]
        assert len([line for line in incremental if "changes" in line]) >= 2, server.lines
        assert not [line for line in server.lines if "TSIG from" in line], server.lines

        assert axfr(dns_port, "tsig.example.") == dns.rcode.REFUSED
        with pytest.raises(dns.tsig.PeerBadSignature):
            axfr(dns_port, "tsig.example.", dns.tsig.Key("pool-key", OTHER_SECRET))
        assert axfr(dns_port, "tsig.example.", dns.tsig.Key("pool-key", SECRET)) == 0
        assert any(
            "refused AXFR of tsig.example. to 127.0.0.1: unsigned" in line for line in server.lines
        )

        code, lines = doctor(server, "tsig.example.", f"127.0.0.1:{dns_port}")
        assert code == 0, lines
        for ns in (bind, pdns):
            where = f"ok   nameserver 127.0.0.1:{ns.port}: "
            assert where + "may transfer from the mini-DNS (signed with TSIG key pool-key)" in lines
            assert where + "acknowledges our NOTIFY signed with TSIG key pool-key" in lines
    finally:
        server.terminate()


def test_without_a_key_strangers_cannot_transfer(tmp_path: Path, started: list[Any]) -> None:
    bind = start_named(tmp_path / "bind")
    started.append(bind)
    dns_port = free_port()
    closed = {"ZONEKEEPER_DNS__ALLOW_TRANSFER": "[]"}
    server = serve_with_pool(
        tmp_path, pool("127.0.0.1", dns_port, [("bind9", bind, {})]), dns_port, env=closed
    )
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("open.example.", email="a@open.example")
        wait_active(client, zone["id"], timeout=30)  # BIND, at a pool address, transferred
        assert axfr(dns_port, "open.example.", source="127.0.0.9") == dns.rcode.REFUSED
        assert axfr(dns_port, "open.example.", source="127.0.0.1") == dns.rcode.NOERROR
        refusal = "refused AXFR of open.example. to 127.0.0.9: 127.0.0.9 is neither a nameserver"
        assert any(refusal in line for line in server.lines), server.lines
    finally:
        server.terminate()


def test_doctor_names_a_key_mismatch_and_a_target_without_the_key(
    tmp_path: Path, started: list[Any]
) -> None:
    good = start_named(tmp_path / "good", tsig=("pool-key", SECRET))
    mismatch = start_named(tmp_path / "mismatch", tsig=("pool-key", OTHER_SECRET))
    keyless = start_named(tmp_path / "keyless")
    started += [good, mismatch, keyless]
    dns_port = free_port()
    targets = [("bind9", good, KEY), ("bind9", mismatch, KEY), ("bind9", keyless, {})]
    server = serve_with_pool(tmp_path, pool("127.0.0.1", dns_port, targets), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("doc.example.", email="a@doc.example")
        wait_for(lambda: answer(good.port, "doc.example.", "SOA").answer)
        assert client.zones.get(zone["id"])["status"] != "ACTIVE"

        code, lines = doctor(server, "doc.example.", f"127.0.0.1:{dns_port}")
        assert code == 1
        failures = [line for line in lines if line.startswith("FAIL nameserver")]
        assert (
            f"FAIL nameserver 127.0.0.1:{mismatch.port}: holds TSIG key pool-key with another "
            "secret than the pool's (key mismatch); it cannot transfer the zone from the mini-DNS"
        ) in failures, lines
        assert (
            f"FAIL nameserver 127.0.0.1:{keyless.port}: the mini-DNS refuses its transfers: "
            "unsigned, and pool default transfers only with its TSIG keys (give its target "
            "tsigkey_name and tsigkey_secret)"
        ) in failures, lines
        assert not [line for line in failures if f":{good.port}:" in line], lines
    finally:
        server.terminate()


def test_doctor_names_a_nameserver_that_refuses_our_notify(
    tmp_path: Path, started: list[Any]
) -> None:
    # The mini-DNS listens on 127.0.0.2, the zone's master; NOTIFY leaves from 127.0.0.1,
    # which BIND's allow-notify does not list: as when the worker runs on another host.
    bind = start_named(tmp_path / "bind", options="allow-notify { 127.0.0.2; };")
    started.append(bind)
    dns_port = free_port()
    server = serve_with_pool(
        tmp_path, pool("127.0.0.2", dns_port, [("bind9", bind, {})]), dns_port, dns_host="127.0.0.2"
    )
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("notify.example.", email="a@notify.example")
        wait_active(client, zone["id"], timeout=30)  # addzone's own first transfer
        code, lines = doctor(server, "notify.example.", f"127.0.0.2:{dns_port}")
        assert code == 1
        assert [line for line in lines if line.startswith("FAIL")] == [
            f"FAIL nameserver 127.0.0.1:{bind.port}: refuses our NOTIFY from this host: it takes "
            "NOTIFY only from the zone's masters and its allow-notify (BIND) / allow-notify-from "
            "(PowerDNS); allow this host there, or changes reach it only at the zone's SOA refresh"
        ], lines
    finally:
        server.terminate()


def test_a_target_names_a_tsig_key_resource_by_id(tmp_path: Path, started: list[Any]) -> None:
    """The key lives in /v2/tsigkeys and the pools.yaml target only names it (tsigkey_id):
    BIND is given it in the zone's primaries, transfers signed, and unsigned ones are refused."""
    bind = start_named(tmp_path / "bind", tsig=("pool-key", SECRET))
    started.append(bind)
    dns_port = free_port()
    unkeyed = pool("127.0.0.1", dns_port, [("bind9", bind, {})])
    server = serve_with_pool(tmp_path, unkeyed, dns_port)
    try:
        client: Client = designate(server.base_url)
        key = client.tsigkeys.create("pool-key", "hmac-sha256", SECRET, "POOL", unkeyed[0]["id"])
        unkeyed[0]["targets"][0]["tsigkey_id"] = key["id"]
        pools_file = tmp_path / "pools.yaml"
        pools_file.write_text(yaml.safe_dump(unkeyed))
        updated = zonekeeper(server, "pool", "update", "--file", str(pools_file))
        assert updated.returncode == 0, updated.stderr
        zone = client.zones.create("ref.example.", email="a@ref.example", ttl=300)
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.70"])
        wait_active(client, zone["id"], timeout=30)
        wait_answered(bind.port, "www.ref.example.", "A", {"192.0.2.70"})
        assert not [line for line in server.lines if "TSIG from" in line], server.lines
        assert axfr(dns_port, "ref.example.") == dns.rcode.REFUSED
        assert axfr(dns_port, "ref.example.", dns.tsig.Key("pool-key", SECRET)) == 0
    finally:
        server.terminate()
