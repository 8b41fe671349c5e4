"""Zone import and export against `serve`: a zone file of N recordsets POSTed as text/dns
until the zone is ACTIVE (the nameserver serves it), and the export of the same zone
downloaded whole. In-run baselines: dnspython alone parsing the same file (what any import
must at least do), and an AXFR of the zone from mini-DNS (the same records, sent by the DNS
side).

Targets (2 cores): 5,000 recordsets imported and ACTIVE in < 2 s, 100,000 in < 30 s;
export of 100,000 records in < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

import dns.query
import dns.zone
from _common import machine, start


def zone_file(name: str, count: int) -> str:
    """A zone of ``count`` recordsets besides SOA/NS, of five kinds."""
    lines = [
        f"$ORIGIN {name}",
        "$TTL 3600",
        f"@ IN SOA ns.{name} hostmaster.{name} 1 7200 900 1209600 300",
        f"@ IN NS ns.{name}",
    ]
    for i in range(count):
        kind = i % 5
        if kind == 0:
            lines.append(f"h{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        elif kind == 1:
            lines.append(f"h{i} 300 IN AAAA 2001:db8::{i >> 16:x}:{i & 0xFFFF:x}")
        elif kind == 2:
            lines.append(f'h{i} IN TXT "record {i}" "v=bench"')
        elif kind == 3:
            lines.append(f"h{i} IN MX 10 mail{i % 7}")
        else:
            lines.append(f"h{i} IN CNAME h{i - 4}")
    return "\n".join(lines) + "\n"


def post_zone_file(base: str, text: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/v2/zones/tasks/imports",
        data=text.encode(),
        method="POST",
        headers={"Content-Type": "text/dns"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def call(method: str, url: str) -> Any:
    """A JSON call with a long timeout: on a loaded machine a large import slows answers."""
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=300) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used: unlike wall time, barely moved by the other
    work on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait(check: Any, timeout: float = 600.0) -> Any:
    """Poll ``check`` until it is true: every 20 ms at first, backing off to every 250 ms, so
    a long import is not slowed (nor its server's CPU time swollen) by the polling itself."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(pause)
        pause = min(pause * 1.2, 0.25)
    raise RuntimeError("timed out")


def import_until_active(base: str, text: str) -> tuple[float, float, str]:
    """(seconds to COMPLETE, seconds to ACTIVE, zone id), both from the POST."""
    began = time.perf_counter()
    task = post_zone_file(base, text)
    url = f"{base}/v2/zones/tasks/imports/{task['id']}"
    done = wait(lambda: (found := call("GET", url))["status"] != "PENDING" and found)
    complete = time.perf_counter() - began
    if done["status"] != "COMPLETE":
        raise RuntimeError(done["message"])
    zone_url = f"{base}/v2/zones/{done['zone_id']}"
    wait(lambda: call("GET", zone_url)["status"] == "ACTIVE")
    return complete, time.perf_counter() - began, done["zone_id"]


def export_seconds(base: str, zone_id: str) -> tuple[float, int]:
    """(seconds from the export's POST to the whole file downloaded, lines of records)."""
    began = time.perf_counter()
    task = call("POST", f"{base}/v2/zones/{zone_id}/tasks/export")
    url = f"{base}/v2/zones/tasks/exports/{task['id']}"
    wait(lambda: call("GET", url)["status"] == "COMPLETE")
    request = urllib.request.Request(f"{url}/export", headers={"Accept": "text/dns"})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    return time.perf_counter() - began, body.count(b"\n") - 3


def run(database: str, sizes: list[int]) -> None:
    server = start(database)
    try:
        base = server.base_url
        for count in sizes:
            name = f"bench{count}.example."
            text = zone_file(name, count)
            began, cpu = time.perf_counter(), time.process_time()
            dns.zone.from_text(text, relativize=False)
            floor, floor_cpu = time.perf_counter() - began, time.process_time() - cpu
            cpu = cpu_seconds(server.pid)
            complete, active, zone_id = import_until_active(base, text)
            used = cpu_seconds(server.pid) - cpu
            print(
                f"[{database}] import {count:,} recordsets ({len(text) / 1e6:.1f} MB): "
                f"COMPLETE {complete:.2f} s, ACTIVE {active:.2f} s, server CPU {used:.2f} s "
                f"(dnspython's parse alone: {floor:.2f} s, CPU {floor_cpu:.2f} s)"
            )
            cpu = cpu_seconds(server.pid)
            seconds, records = export_seconds(base, zone_id)
            used = cpu_seconds(server.pid) - cpu
            began = time.perf_counter()
            dns.zone.from_xfr(dns.query.xfr("127.0.0.1", name, port=server.dns_port))
            axfr = time.perf_counter() - began
            print(
                f"[{database}] export {records:,} records: {seconds:.2f} s, server CPU "
                f"{used:.2f} s (AXFR of the same zone from mini-DNS: {axfr:.2f} s)"
            )
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,100000", help="recordset counts, comma-separated")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"import on {machine()}")
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        run(database, sizes)


if __name__ == "__main__":
    main()
