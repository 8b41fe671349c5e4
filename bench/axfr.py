"""AXFR of a 100,000-record zone from the mini-DNS (records/s, full-transfer time), an IXFR of
one change to that zone next to the same IXFR on a 10-record zone (the in-run baseline), and
the RSS of `serve` holding those records.

Targets: AXFR >= 100,000 records/s; IXFR of one change < 10 ms regardless of zone size;
RSS <= 150 MiB.
"""

from __future__ import annotations

import argparse
import ipaddress
import sqlite3
import statistics
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path

import dns.message
import dns.query
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from _common import UNLIMITED, call, machine, rss_mib, start

from tests.e2e.serve import Serve


def wait_active(base: str, zone_id: str) -> dict[str, object]:
    while (zone := call("GET", f"{base}/v2/zones/{zone_id}"))["status"] != "ACTIVE":
        time.sleep(0.05)
    return zone  # type: ignore[no-any-return]


def bulk_fill(database: Path, zone_id: str, zone_name: str, count: int) -> None:
    """Write ``count`` A recordsets straight into the tables (setting up, not measured)."""
    db = sqlite3.connect(database)
    project, serial = db.execute(
        "select project_id, serial from zones where id=?", (zone_id,)
    ).fetchone()
    now = datetime.utcnow().isoformat(sep=" ")
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    recordsets, records = [], []
    for i in range(count):
        rs_id = str(uuid.uuid4())
        address = str(ipaddress.IPv4Address(base + i))
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, address).to_digestable()
        recordsets.append(
            (
                rs_id,
                zone_id,
                project,
                f"h{i}.{zone_name}",
                "A",
                None,
                None,
                False,
                "ACTIVE",
                "NONE",
                serial,
                1,
                now,
                None,
            )
        )
        records.append((str(uuid.uuid4()), rs_id, zone_id, address, rdata, False))
    with db:
        db.executemany(
            "insert into recordsets (id, zone_id, project_id, name, type, ttl, description,"
            " managed, status, action, serial, version, created_at, updated_at)"
            " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            recordsets,
        )
        db.executemany(
            "insert into records (id, recordset_id, zone_id, data, rdata, managed)"
            " values (?,?,?,?,?,?)",
            records,
        )
    db.close()


def timed_axfr_dig(port: int, zone: str) -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(port), zone, "AXFR", "+noall", "+answer"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return time.perf_counter() - started, out.count("\n")


def timed_ixfr(port: int, zone: str, from_serial: int) -> tuple[float, int]:
    query = dns.message.make_query(zone, "IXFR")
    query.authority.append(dns.rrset.from_text(zone, 0, "IN", "SOA", f". . {from_serial} 0 0 0 0"))
    started = time.perf_counter()
    reply = dns.query.tcp(query, "127.0.0.1", timeout=5, port=port, one_rr_per_rrset=True)
    return time.perf_counter() - started, sum(len(r) for r in reply.answer)


def ixfr_of_one_change(server: Serve, zone_id: str, zone: str, rounds: int) -> list[float]:
    times = []
    for i in range(rounds):
        before = wait_active(server.base_url, zone_id)["serial"]
        call(
            "POST",
            f"{server.base_url}/v2/zones/{zone_id}/recordsets",
            {"name": f"ixfr{i}.{zone}", "type": "A", "records": ["192.0.2.9"]},
        )
        wait_active(server.base_url, zone_id)
        elapsed, rrs = timed_ixfr(server.dns_port, zone, int(before))  # type: ignore[call-overload]
        assert rrs == 5, rrs  # SOA, old SOA, new SOA, the record, SOA
        times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    print(f"axfr on {machine()}")
    server = start("sqlite")
    data_dir = Path(server.process.args[server.process.args.index("--data-dir") + 1])  # type: ignore[union-attr]
    big = call(
        "POST", f"{server.base_url}/v2/zones", {"name": "big.example.", "email": "a@big.example"}
    )
    small = call(
        "POST",
        f"{server.base_url}/v2/zones",
        {"name": "small.example.", "email": "a@small.example"},
    )
    for i in range(8):
        call(
            "POST",
            f"{server.base_url}/v2/zones/{small['id']}/recordsets",
            {"name": f"h{i}.small.example.", "type": "A", "records": ["192.0.2.1"]},
        )
    wait_active(server.base_url, big["id"])
    server.terminate()
    bulk_fill(data_dir / "zonekeeper.sqlite", big["id"], "big.example.", args.records)
    server = Serve(data_dir, env=UNLIMITED)
    try:
        print(
            f"RSS of serve after start, {args.records} records in the database: "
            f"{rss_mib(server.pid):.0f} MiB"
        )
        runs = [timed_axfr_dig(server.dns_port, "big.example.") for _ in range(3)]
        seconds = statistics.median(t for t, _ in runs)
        lines = runs[0][1]
        print(
            f"AXFR big.example. via dig: {lines} RRs in {seconds:.2f} s (median of 3) = "
            f"{lines / seconds:,.0f} records/s"
        )
        print(f"RSS of serve after 3 AXFRs: {rss_mib(server.pid):.0f} MiB")
        big_ixfr = ixfr_of_one_change(server, big["id"], "big.example.", 7)
        small_ixfr = ixfr_of_one_change(server, small["id"], "small.example.", 7)
        print(
            f"IXFR of one change, {args.records}-record zone: "
            f"median {statistics.median(big_ixfr) * 1000:.2f} ms"
        )
        print(
            f"IXFR of one change, 10-record zone (baseline): "
            f"median {statistics.median(small_ixfr) * 1000:.2f} ms"
        )
        print(f"RSS of serve at the end: {rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
