"""Zonekeeper at cloud scale on PostgreSQL: lists, sweeps, memory, writes and propagation with
100,000 zones and 10,000,000 records, each against the same measurement on the empty database
earlier in the same run (the baseline: cost must not grow with size).

A scratch database is created, `serve` started on it, a few zones made through the API, and
every figure measured; then the bulk loader fills the database (not the API: COPY for zones
and their SOA/NS, server-side INSERT ... SELECT for the rest, with the big tables' indexes
and constraints dropped meanwhile and rebuilt after, as one bulk-loads PostgreSQL), and every
figure is measured again. The scratch database is dropped at the end (unless --keep).

Targets (issue 11): list p95 < 100 ms for every documented filter and sort; a full sweep
(the periodic audits over every zone) < 60 s; create and propagation as on the empty database.
Run smaller with --zones/--records; the full size is what docs/performance.md reports.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.client
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from _common import UNLIMITED, Serve, machine, percentile, rss_mib

ZONEKEEPER = str(Path(sys.executable).with_name("zonekeeper"))
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
SUFFIX = "scale.example."
BIG_PROJECT = "noauth-project"
"""The project the API calls act as (noauth's default): it owns a tenth of the loaded zones."""
ALL = {"X-Auth-All-Projects": "true"}


class Api:
    """A keep-alive HTTP connection, so a sample measures the server, not TCP set-up."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        payload = json.dumps(body) if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            self.conn.request(method, path, payload, all_headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closes a connection left idle (during the load): open a new one.
            self.conn.close()
            self.conn.request(method, path, payload, all_headers)
            response = self.conn.getresponse()
        data = json.loads(response.read() or b"null")
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {data}")
        return data


# -- the measurements ---------------------------------------------------------------------------


def list_queries(zone_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, headers) of every list measured: each documented filter and sort key of
    zones and recordsets, as the big project and with all-projects."""
    z, rs, zrs = "/v2/zones", "/v2/recordsets", f"/v2/zones/{zone_id}/recordsets"
    zones = [
        ("", {}),
        ("sort_key=name", {}),
        ("sort_key=created_at&sort_dir=desc", {}),
        ("sort_key=updated_at", {}),
        ("sort_key=serial", {}),
        ("sort_key=ttl", {}),
        ("sort_key=status", {}),
        ("sort_key=id&sort_dir=desc", {}),
        (f"name=z10.{SUFFIX}", {}),
        ("name=z12*", {}),
        (f"name=*99.{SUFFIX}", {}),
        (f"email=hostmaster@z10.{SUFFIX.rstrip('.')}", {}),
        ("status=ACTIVE", {}),
        ("status=ERROR", {}),
        ("ttl=300", {}),
        ("type=PRIMARY", {}),
        ("description=*tenth*", {}),
        ("", ALL),
        ("sort_key=name", ALL),
        (f"name=z10.{SUFFIX}", ALL),
        ("status=ERROR", ALL),
    ]
    recordsets = [
        ("", {}),
        ("sort_key=name", {}),
        ("sort_key=created_at&sort_dir=desc", {}),
        ("sort_key=type", {}),
        ("sort_key=ttl", {}),
        ("sort_key=updated_at", {}),
        ("sort_key=zone_id", {}),
        (f"name=h1.z10.{SUFFIX}", {}),
        ("name=h1.*", {}),
        ("type=AAAA", {}),
        ("ttl=300", {}),
        ("status=PENDING", {}),
        ("data=10.0.1.1", {}),
        ("data=*record%207.1*", {}),
        ("description=desc*", {}),
        ("", ALL),
        ("sort_key=tenant_id&sort_dir=desc", ALL),
        ("type=A", ALL),
        (f"name=h1.z10.{SUFFIX}", ALL),
        ("data=10.0.1.1", ALL),
    ]
    in_zone = [("", {}), ("sort_key=name", {}), ("type=A", {}), ("data=10.0.1.1", {})]
    found = []
    for base, queries in ((z, zones), (rs, recordsets), (zrs, in_zone)):
        for query, headers in queries:
            path = f"{base}?limit=20" + (f"&{query}" if query else "")
            shown = base.replace(zone_id, "{id}") + ("?" + query if query else "")
            label = shown + (" (all projects)" if headers else "")
            found.append((label, path, headers))
    return found


def measure_lists(api: Api, zone_id: str, samples: int) -> dict[str, tuple[float, float]]:
    """label -> (p50, p95) seconds; a query gives up sampling after 20 s (at least 3)."""
    figures = {}
    for label, path, headers in list_queries(zone_id):
        # Deep pages cost what the first does (keyset): page 2 is asked with the marker.
        first = api.call("GET", path, headers=headers)
        items = next(v for k, v in first.items() if isinstance(v, list))
        marker = f"&marker={items[-1]['id']}" if len(items) == 20 else ""
        times = []
        started = time.monotonic()
        while len(times) < samples and (len(times) < 3 or time.monotonic() - started < 20):
            t = time.perf_counter()
            api.call("GET", path + (marker if len(times) % 2 else ""), headers=headers)
            times.append(time.perf_counter() - t)
        figures[label] = (statistics.median(times), percentile(times, 95))
        p50, p95 = figures[label]
        print(f"    {label:58s} p50 {p50 * 1e3:7.1f} / p95 {p95 * 1e3:7.1f} ms", flush=True)
    return figures


def measure_writes(api: Api, zone_id: str, count: int, tag: str) -> dict[str, list[float]]:
    """``count`` sequential recordset creates: POST -> 202, and POST -> zone ACTIVE."""
    accepted, active = [], []
    zone_path = f"/v2/zones/{zone_id}"
    zone_name = api.call("GET", zone_path)["name"]
    for i in range(count):
        body = {"name": f"w{tag}{i}.{zone_name}", "type": "A", "records": ["192.0.2.7"]}
        t = time.perf_counter()
        api.call("POST", f"{zone_path}/recordsets", body)
        accepted.append(time.perf_counter() - t)
        while api.call("GET", zone_path)["status"] != "ACTIVE":
            time.sleep(0.002)
        active.append(time.perf_counter() - t)
        time.sleep(0.02)
    return {"create 202": accepted, "create -> zone ACTIVE": active}


def measure_audit(url: str, limit: float) -> tuple[float, float, str]:
    """`zonekeeper audit` (the periodic serial audit of every ACTIVE zone and the orphan
    audit), as its own process: (seconds, peak RSS MiB, its last line). Stopped after
    ``limit`` seconds (then the last line says so)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [ZONEKEEPER, "audit", "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _hwm_mib(process.pid))
        if time.perf_counter() - started > limit:
            process.kill()
            process.wait()
            return time.perf_counter() - started, peak, f"UNFINISHED, stopped after {limit:.0f} s"
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out = (process.stdout.read() if process.stdout else "").strip().splitlines()
    print(f"    audit: {seconds:.1f} s, peak RSS {peak:.0f} MiB", flush=True)
    return seconds, peak, out[-1] if out else ""


def _hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def measure_sweep(url: str, samples: int) -> dict[str, list[float]]:
    """The worker's sweep queries (due zones, next due time) as the worker sends them."""
    from zonekeeper.storage import changes
    from zonekeeper.storage.database import Database

    db = Database(url)
    due, nxt = [], []
    try:
        for _ in range(samples):
            async with db.read() as conn:
                t = time.perf_counter()
                await changes.due_zones(conn, datetime.now(UTC).replace(tzinfo=None), 128)
                due.append(time.perf_counter() - t)
                t = time.perf_counter()
                await changes.next_due(conn)
                nxt.append(time.perf_counter() - t)
    finally:
        await db.close()
    return {"sweep: due zones": due, "sweep: next due": nxt}


def measure(
    api: Api,
    server: Serve,
    url: str,
    zone_id: str,
    write_zone: str,
    samples: int,
    tag: str,
    audit_limit: float,
) -> dict[str, Any]:
    print(f"  lists ({len(list_queries(zone_id))} queries)...", flush=True)
    figures: dict[str, Any] = {"lists": measure_lists(api, zone_id, samples)}
    print("  creates and propagation...", flush=True)
    figures["writes"] = measure_writes(api, write_zone, 30, tag)
    print("  sweep queries and audit...", flush=True)
    figures["sweep"] = asyncio.run(measure_sweep(url, 20))
    figures["audit"] = measure_audit(url, audit_limit)
    figures["rss"] = rss_mib(server.pid)
    return figures


# -- the bulk loader ----------------------------------------------------------------------------


async def load(dsn: str, zones: int, records: int) -> dict[str, float]:
    """Fill the database with ``zones`` zones (a tenth of them the big project's) holding
    ``records`` records in all: each zone its SOA and NS (cloned from a zone the API made)
    and recordsets of two records (A, AAAA, TXT in turn). Returns seconds per stage."""
    conn = await asyncpg.connect(dsn)
    stages: dict[str, float] = {}
    try:
        await conn.execute("SET maintenance_work_mem = '256MB'; SET synchronous_commit = off")
        t = time.perf_counter()
        template = await conn.fetchrow("SELECT * FROM zones WHERE name = $1", f"template.{SUFFIX}")
        await _copy_zones(conn, dict(template), zones)
        stages["zones (COPY)"] = time.perf_counter() - t
        saved = await _drop_constraints(conn, ["records", "recordsets"])
        t = time.perf_counter()
        await _copy_apex(conn, dict(template))
        stages["SOA and NS (COPY)"] = time.perf_counter() - t
        per_zone = max(0, (records - 2 * zones) // zones // 2)
        t = time.perf_counter()
        await _insert_data(conn, per_zone)
        stages[f"{per_zone} recordsets of 2 records per zone (INSERT ... SELECT)"] = (
            time.perf_counter() - t
        )
        t = time.perf_counter()
        for statement in saved:
            await conn.execute(statement)
        stages["indexes and constraints rebuilt"] = time.perf_counter() - t
        t = time.perf_counter()
        await conn.execute("ANALYZE")
        stages["ANALYZE"] = time.perf_counter() - t
    finally:
        await conn.close()
    return stages


async def _copy_zones(conn: asyncpg.Connection, template: dict[str, Any], count: int) -> None:
    columns = list(template)
    base = datetime(2026, 1, 1)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            row = dict(template)
            name = f"z{i}.{SUFFIX}"
            row.update(
                id=str(uuid.uuid4()),
                name=name,
                project_id=BIG_PROJECT if i % 10 == 0 else f"project-{i % 997}",
                email=f"hostmaster@{name.rstrip('.')}",
                ttl=300 if i % 50 == 0 else 3600,
                serial=1 + i % 1000,
                status="ACTIVE",
                action="NONE",
                description="a tenth" if i % 100 == 0 else None,
                created_at=base + timedelta(seconds=i),
                updated_at=None,
                next_attempt_at=None,
                attempts=0,
                last_error=None,
            )
            yield tuple(row[c] for c in columns)

    await conn.copy_records_to_table("zones", records=rows(), columns=columns)


async def _drop_constraints(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """Drop the tables' indexes and constraints (and foreign keys pointing at them); returns
    the statements that put them back, primary and unique keys first, foreign keys last."""
    constraints = await conn.fetch(
        """SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype::text AS contype,
                  pg_get_constraintdef(c.oid) AS def
           FROM pg_constraint c
           WHERE c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1)""",
        tables,
    )
    owned = {r["conname"] for r in constraints}
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1)", tables
    )
    plain = [r for r in indexes if r["indexname"] not in owned]
    order = {"p": 0, "u": 1, "f": 3}
    restore = [
        f'ALTER TABLE {r["tbl"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}'
        for r in sorted(constraints, key=lambda r: order.get(r["contype"], 2))
        if r["contype"] in "puf"
    ]
    keys = [s for s in restore if " FOREIGN KEY " not in s]
    foreign = [s for s in restore if " FOREIGN KEY " in s]
    for r in sorted(constraints, key=lambda r: -order.get(r["contype"], 2)):
        if r["contype"] in "puf":
            await conn.execute(f'ALTER TABLE {r["tbl"]} DROP CONSTRAINT "{r["conname"]}"')
    for r in plain:
        await conn.execute(f'DROP INDEX "{r["indexname"]}"')
    return keys + [r["indexdef"] for r in plain] + foreign


async def _copy_apex(conn: asyncpg.Connection, template: dict[str, Any]) -> None:
    """Each loaded zone's SOA and NS recordsets and records, cloned from the template zone's
    with the zone's own names (the mini-DNS answers the serial audit from them)."""
    apex = await conn.fetch(
        "SELECT * FROM recordsets WHERE zone_id = $1 AND type IN ('SOA', 'NS')", template["id"]
    )
    apex_records = await conn.fetch(
        "SELECT * FROM records WHERE recordset_id = ANY($1)", [r["id"] for r in apex]
    )
    zones = await conn.fetch(
        "SELECT id, name, project_id, serial, created_at FROM zones WHERE name LIKE $1",
        f"z%.{SUFFIX}",
    )
    set_columns, record_columns = list(apex[0].keys()), list(apex_records[0].keys())
    new_sets, new_records = [], []
    for zone in zones:
        for recordset in apex:
            set_id = str(uuid.uuid4())
            row = dict(recordset)
            row.update(
                id=set_id,
                zone_id=zone["id"],
                project_id=zone["project_id"],
                name=zone["name"],
                status="ACTIVE",
                action="NONE",
                serial=zone["serial"],
                created_at=zone["created_at"],
            )
            new_sets.append(tuple(row[c] for c in set_columns))
            for record in apex_records:
                if record["recordset_id"] != recordset["id"]:
                    continue
                data, wire = _apex_data(recordset["type"], record["data"], zone)
                rec = dict(record)
                rec.update(
                    id=str(uuid.uuid4()),
                    recordset_id=set_id,
                    zone_id=zone["id"],
                    data=data,
                    rdata=wire,
                )
                new_records.append(tuple(rec[c] for c in record_columns))
    await conn.copy_records_to_table("recordsets", records=new_sets, columns=set_columns)
    await conn.copy_records_to_table("records", records=new_records, columns=record_columns)


def _apex_data(rtype: str, data: str, zone: Any) -> tuple[str, bytes]:
    """The record ``data`` of the template zone's SOA or NS, for ``zone``."""
    if rtype != "SOA":
        return data, _wire(rtype, data)
    mname, _, _, refresh, retry, expire, minimum = data.split()
    rname = f"hostmaster.{zone['name']}"
    numbers = (zone["serial"], int(refresh), int(retry), int(expire), int(minimum))
    text = f"{mname} {rname} " + " ".join(map(str, numbers))
    # Built by hand: dnspython per zone would make this the slowest stage of the load.
    wire = _wire("NS", mname) + _name_wire(rname) + struct.pack("!5I", *numbers)
    return text, wire


@functools.lru_cache(maxsize=64)
def _wire(rtype: str, text: str) -> bytes:
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text)
    return rdata.to_digestable(dns.name.root)


def _name_wire(text: str) -> bytes:
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")[:-1]) + b"\0"


async def _insert_data(conn: asyncpg.Connection, per_zone: int) -> None:
    """``per_zone`` recordsets hN (N = 1..per_zone) of two records in every loaded zone, made
    by the server (shipping tens of millions of rows through a client costs more than
    making them): A 10.x.y.1-2, AAAA 2001:db8::N:1-2, TXT "record N.1-2"."""
    await conn.execute(
        """INSERT INTO recordsets (id, zone_id, project_id, name, type, ttl, description,
                                   managed, status, action, serial, version, created_at)
           SELECT gen_random_uuid()::text, z.id, z.project_id, 'h' || j || '.' || z.name,
                  (ARRAY['A', 'AAAA', 'TXT'])[j % 3 + 1],
                  CASE WHEN j % 7 = 0 THEN 300 END,
                  CASE WHEN j % 50 = 0 THEN 'desc ' || j END,
                  false, 'ACTIVE', 'NONE', z.serial, 1,
                  z.created_at + j * interval '1 millisecond'
           FROM zones z CROSS JOIN generate_series(1, $1) AS j
           WHERE z.name LIKE $2""",
        per_zone,
        f"z%.{SUFFIX}",
    )
    await conn.execute(
        """INSERT INTO records (id, recordset_id, zone_id, data, rdata, managed)
           SELECT gen_random_uuid()::text, s.id, s.zone_id,
                  CASE s.type
                    WHEN 'A' THEN '10.' || (s.j >> 8 & 255) || '.' || (s.j & 255) || '.' || r
                    WHEN 'AAAA' THEN '2001:db8::' || to_hex(s.j) || ':' || r
                    ELSE '"record ' || s.j || '.' || r || '"' END,
                  CASE s.type
                    WHEN 'A' THEN decode(lpad(to_hex((10 << 24) | ((s.j >> 8 & 255) << 16)
                                    | ((s.j & 255) << 8) | r), 8, '0'), 'hex')
                    WHEN 'AAAA' THEN decode('20010db8' || repeat('0', 16)
                                    || lpad(to_hex(s.j), 4, '0') || lpad(to_hex(r), 4, '0'), 'hex')
                    ELSE decode(lpad(to_hex(length('record ' || s.j || '.' || r)), 2, '0'), 'hex')
                         || convert_to('record ' || s.j || '.' || r, 'UTF8') END,
                  false
           FROM (SELECT id, zone_id, type, substr(split_part(name, '.', 1), 2)::int AS j
                 FROM recordsets WHERE name LIKE 'h%') s
           CROSS JOIN generate_series(1, 2) AS r"""
    )


# -- the run ------------------------------------------------------------------------------------


def report(base: dict[str, Any], scale: dict[str, Any], zones: int, records: int) -> None:
    size = f"{zones:,} zones / {records:,} records"
    print(f"\nlists, p50 / p95 ms: empty database (baseline) | {size}")
    worst = 0.0
    for label, (p50, p95) in scale["lists"].items():
        b50, b95 = base["lists"][label]
        worst = max(worst, p95)
        flag = "ok" if p95 < 0.1 else "MISS"
        print(
            f"  {label:58s} {b50 * 1e3:7.1f} / {b95 * 1e3:7.1f} | "
            f"{p50 * 1e3:8.1f} / {p95 * 1e3:8.1f}  {flag}"
        )
    print(f"  slowest list p95 at scale: {worst * 1e3:.1f} ms (target < 100 ms)")
    print("\nwrites and sweep, p50 / p95 ms: baseline | at scale")
    for group in ("writes", "sweep"):
        for label, values in scale[group].items():
            b = base[group][label]
            print(
                f"  {label:30s} {statistics.median(b) * 1e3:7.1f} / {percentile(b, 95) * 1e3:7.1f}"
                f" | {statistics.median(values) * 1e3:7.1f} / {percentile(values, 95) * 1e3:7.1f}"
            )
    for name, figures in (("baseline", base), ("at scale", scale)):
        seconds, peak, last = figures["audit"]
        print(
            f"  {name}: full audit (serial + orphan) {seconds:.1f} s, peak RSS {peak:.0f} MiB; "
            f"serve RSS {figures['rss']:.0f} MiB; audit said: {last}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=20, help="GETs per list query")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--audit-limit", type=float, default=1800, help="seconds before the audit is stopped"
    )
    args = parser.parse_args()
    print(f"scale on {machine()}, load {os.getloadavg()[0]:.1f}", flush=True)
    name = f"zk_scale_{os.getpid()}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1/{name}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    server = None
    try:
        subprocess.run(
            [ZONEKEEPER, "db", "upgrade", "--database-url", url], check=True, capture_output=True
        )
        env = {**UNLIMITED, "ZONEKEEPER_WORKER__AUDIT_INTERVAL": "86400"}
        server = Serve(
            Path(tempfile.mkdtemp(prefix="zk-scale-")), database_url=url, env=env, start_timeout=120
        )
        api = Api(server.api_port)
        template = make_zone(api, f"template.{SUFFIX}", 10)
        write_zone = make_zone(api, f"writes.{SUFFIX}", 0)
        print("baseline (empty database):", flush=True)
        base = measure(api, server, url, template, write_zone, args.samples, "b", args.audit_limit)
        print(f"loading {args.zones:,} zones / {args.records:,} records...", flush=True)
        started = time.perf_counter()
        stages = asyncio.run(load(dsn, args.zones, args.records))
        for stage, seconds in stages.items():
            print(f"  {stage}: {seconds:.1f} s")
        print(f"  loaded in {time.perf_counter() - started:.0f} s; {asyncio.run(_sizes(dsn))}")
        big_zone = asyncio.run(_zone_id(dsn, f"z10.{SUFFIX}"))
        print(f"at scale (load {os.getloadavg()[0]:.1f}):", flush=True)
        scale = measure(api, server, url, big_zone, write_zone, args.samples, "s", args.audit_limit)
        report(base, scale, args.zones, args.records)
        print(f"load average at the end: {os.getloadavg()}")
    finally:
        if server is not None:
            server.terminate()
        if not args.keep:
            asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def make_zone(api: Api, name: str, recordsets: int) -> str:
    zone = api.call("POST", "/v2/zones", {"name": name, "email": f"hostmaster@{name[:-1]}"})
    for i in range(recordsets):
        body = {"name": f"t{i}.{name}", "type": "A", "records": [f"192.0.2.{i + 1}"]}
        api.call("POST", f"/v2/zones/{zone['id']}/recordsets", body)
    deadline = time.monotonic() + 60
    while api.call("GET", f"/v2/zones/{zone['id']}")["status"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} never became ACTIVE")
        time.sleep(0.05)
    return str(zone["id"])


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _zone_id(dsn: str, name: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.fetchval("SELECT id FROM zones WHERE name = $1", name))
    finally:
        await conn.close()


async def _sizes(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        counts = [
            f"{table} {await conn.fetchval(f'SELECT count(*) FROM {table}'):,}"
            for table in ("zones", "recordsets", "records")
        ]
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return ", ".join(counts) + f"; database {size}"
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
