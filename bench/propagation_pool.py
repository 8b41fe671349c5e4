"""Time from the API's 202 to the record being answered by every nameserver of a real pool
(two BIND 9 and one PowerDNS, loaded with `zonekeeper pool update`), next to the floor: a bare
dnspython primary in this process that bumps its serial, sends NOTIFY to the same servers and
times until they answer the new record.

Scenarios, all in one run and with the same pacing for ours and the floor: sequential changes
(each a new A recordset, the next one a random gap after the previous was answered everywhere)
on a 10-record and on a 10,000-record zone, and bursts of concurrent changes (fired together
from a thread pool) on both zones. "every" is the max over the three servers for one change.

Pacing: the next change comes a random 0.05-1.05 s after the previous one was answered
everywhere (the same seeded gaps for ours and the floor). PowerDNS picks a NOTIFY up only at its
1-second communicator tick and answers right after one, so the gap must span a whole second for
the next NOTIFY to land at a random point of the tick; with 0.2-0.4 s gaps it landed 0.2-0.4 s
into it and PowerDNS took ~0.7 s every time, ours and floor alike. The mean cycle is ~1 s, so
3 x 200 sequential changes take ~10 minutes, and the whole run ~11.

Targets: p50 within 2x of the floor, p99 < 500 ms, a change on the 10,000-record zone no slower
than on the 10-record zone. The 10,000 records are bulk-inserted while `serve` is stopped and
the pool has no servers yet, so the servers' first transfer of the zone is already the full one.
Ours runs `serve` with its default worker settings (quotas off).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import random
import re
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import yaml
from _common import UNLIMITED, call, machine, percentile
from axfr import bulk_fill
from propagation import Api

from tests.e2e.serve import ZONEKEEPER, Serve
from tests.e2e.test_pools import pools_yaml
from tests.fixtures_servers import HOST, Named, Pdns, free_port, start_named, start_pdns, stop
from zonekeeper import backends

POLL_INTERVAL = 0.002
"""Seconds between rounds of queries while waiting for an answer (as in backends.md)."""
CHANGE_TIMEOUT = 10.0
"""A change not answered by a server within this many seconds counts as missing there."""
SMALL, BIG, FLOOR = "small.example.", "big.example.", "floor.example."
SMALL_RECORDS = 8
"""A recordsets of the small zones; with the SOA and the NS they make 10 records."""

Sample = dict[str, float | None]
"""One change: seconds from its start (202, or serial bump for the floor) to answered, per
server label; None when not answered within ``CHANGE_TIMEOUT``."""


@dataclass(frozen=True)
class Nameserver:
    label: str
    kind: str
    port: int


@dataclass
class Run:
    """The samples of one scenario and, for bursts, first change sent -> all answered."""

    samples: list[Sample]
    starts: list[float]
    makespan: float | None = None


# --- waiting for answers ------------------------------------------------------------------


def has_answer(name: str, port: int) -> bool:
    try:
        reply = dns.query.udp(dns.message.make_query(name, "A"), HOST, timeout=0.5, port=port)
    except dns.exception.Timeout:
        return False
    return bool(reply.answer)


def answered_at(
    names: Sequence[str], servers: Sequence[Nameserver], timeout: float = CHANGE_TIMEOUT
) -> dict[tuple[str, str], float]:
    """Poll every (name, server) until it answers; the monotonic time it first did."""
    pending = {(name, s.label): s.port for name in names for s in servers}
    seen: dict[tuple[str, str], float] = {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, port in list(pending.items()):
            if has_answer(key[0], port):
                seen[key] = time.monotonic()
                del pending[key]
        time.sleep(POLL_INTERVAL)
    return seen


def samples_of(
    seen: dict[tuple[str, str], float], starts: dict[str, float], servers: Sequence[Nameserver]
) -> list[Sample]:
    return [
        {s.label: seen[(n, s.label)] - t0 if (n, s.label) in seen else None for s in servers}
        for n, t0 in starts.items()
    ]


Change = Callable[[str], float]
"""Makes the change that adds ``name``; returns its start (monotonic)."""


def sequential(
    change: Change, zone: str, servers: Sequence[Nameserver], count: int, gaps: tuple[float, float]
) -> Run:
    """``count`` changes, each waited for everywhere, then a random gap before the next."""
    rng = random.Random(count)  # the same gaps for ours and the floor
    samples, starts = [], []
    tag = uuid.uuid4().hex[:6]
    for i in range(count):
        name = f"s{tag}-{i}.{zone}"
        starts.append(change(name))
        samples += samples_of(answered_at([name], servers), {name: starts[-1]}, servers)
        time.sleep(rng.uniform(*gaps))
    return Run(samples, starts)


def burst(
    fire: Callable[[list[str]], dict[str, float]],
    zone: str,
    servers: Sequence[Nameserver],
    count: int,
) -> Run:
    """``count`` changes fired at once by ``fire`` (in a thread) while this one polls."""
    tag = uuid.uuid4().hex[:6]
    names = [f"b{tag}-{i}.{zone}" for i in range(count)]
    with ThreadPoolExecutor(1) as runner:
        fired = time.monotonic()
        future = runner.submit(fire, names)
        seen = answered_at(names, servers)
        starts = future.result()
    done = len(seen) == len(names) * len(servers)
    makespan = max(seen.values()) - fired if done else None
    return Run(samples_of(seen, starts, servers), list(starts.values()), makespan)


# --- ours: zonekeeper serve with the pool --------------------------------------------------


class Zonekeeper:
    """`serve` on a pool of the given servers, holding the 10- and the 10,000-record zone."""

    def __init__(self, directory: Path, servers: tuple[Named, Named, Pdns], records: int) -> None:
        self.data = directory / "data"
        self.data.mkdir()
        self.dns_port = free_port()
        pools = pools_yaml(self.dns_port, *servers)
        self.load_pool([pools[0] | {"nameservers": [], "targets": [], "description": "empty"}])
        self.serve = self.start({"ZONEKEEPER_WORKER__POLL_MAX_INTERVAL": "1"})
        self.api = Api(self.serve.api_port)
        self.zones = {SMALL: self.create_zone(SMALL), BIG: self.create_zone(BIG)}
        for i in range(SMALL_RECORDS):
            self.add(SMALL, f"h{i}.{SMALL}")
        self.serve.terminate()
        bulk_fill(self.data / "zonekeeper.sqlite", self.zones[BIG], BIG, records)
        self.load_pool(pools)
        self.serve = self.start({})
        self.api = Api(self.serve.api_port)
        for zone_id in self.zones.values():
            self.wait_active(zone_id, timeout=120)

    def load_pool(self, pools: list[dict[str, Any]]) -> None:
        pools_file = self.data.parent / "pools.yaml"
        pools_file.write_text(yaml.safe_dump(pools))
        database = f"sqlite+aiosqlite:///{self.data / 'zonekeeper.sqlite'}"
        command = [ZONEKEEPER, "pool", "update", "--file", str(pools_file)]
        subprocess.run([*command, "--database-url", database], check=True, capture_output=True)

    def start(self, env: dict[str, str]) -> Serve:
        listen = f"{HOST}:{self.dns_port}"
        return Serve(self.data, "--dns-listen", listen, env=UNLIMITED | env)

    def create_zone(self, name: str) -> str:
        zone = call("POST", f"{self.serve.base_url}/v2/zones", {"name": name, "email": "a@b.c"})
        return str(zone["id"])

    def add(self, zone: str, name: str, api: Api | None = None) -> float:
        """Create an A recordset; returns the monotonic time of the 202."""
        path = f"/v2/zones/{self.zones[zone]}/recordsets"
        body: dict[str, object] = {"name": name, "type": "A", "records": ["192.0.2.1"]}
        try:
            (api or self.api).call("POST", path, body)
        except (BrokenPipeError, http.client.RemoteDisconnected):
            # The server closed the idle keep-alive connection before reading the request.
            self.api = Api(self.serve.api_port)
            (api or self.api).call("POST", path, body)
        return time.monotonic()

    def add_all(self, zone: str, names: list[str]) -> dict[str, float]:
        """Every create at once, one keep-alive connection per thread; 202 time per name."""
        with ThreadPoolExecutor(len(names)) as pool:
            starts = pool.map(lambda n: self.add(zone, n, Api(self.serve.api_port)), names)
            return dict(zip(names, starts, strict=True))

    def wait_active(self, zone_id: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.api.call("GET", f"/v2/zones/{zone_id}")["status"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise RuntimeError(f"zone {zone_id} not ACTIVE after {timeout} s")
            time.sleep(0.05)


# --- the floor: a bare primary ---------------------------------------------------------------


class FloorPrimary:
    """One zone in memory, served over UDP (SOA) and TCP (SOA, AXFR, IXFR with real deltas)
    on 127.0.0.1:``port``; ``add`` bumps the serial and NOTIFYs the secondaries."""

    def __init__(self, zone: str, secondaries: Sequence[int]) -> None:
        self.zone = dns.name.from_text(zone)
        self.secondaries = secondaries
        self.serial = 1
        self.base = [dns.rrset.from_text(zone, 3600, "IN", "NS", "ns1.example.net.")]
        self.base += [self.a_rrset(f"h{i}.{zone}") for i in range(SMALL_RECORDS)]
        self.added: list[dns.rrset.RRset] = []
        """``added[k]`` took the serial from k + 1 to k + 2."""
        self.lock = threading.Lock()
        self.port = free_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((HOST, self.port))
        self.tcp = socket.create_server((HOST, self.port))
        threading.Thread(target=self.serve_udp, daemon=True).start()
        threading.Thread(target=self.serve_tcp, daemon=True).start()

    def a_rrset(self, name: str) -> dns.rrset.RRset:
        return dns.rrset.from_text(name, 3600, "IN", "A", "192.0.2.1")

    def soa(self, serial: int) -> dns.rrset.RRset:
        rdata = f"ns1.example.net. hostmaster.{self.zone} {serial} 3600 600 86400 60"
        return dns.rrset.from_text(self.zone, 3600, "IN", "SOA", rdata)

    def add(self, name: str) -> float:
        start = time.monotonic()
        with self.lock:
            self.added.append(self.a_rrset(name))
            self.serial += 1
        self.notify()
        return start

    def add_all(self, names: list[str]) -> dict[str, float]:
        return {name: self.add(name) for name in names}

    def notify(self) -> None:
        message = dns.message.make_query(self.zone, dns.rdatatype.SOA)
        message.flags = dns.flags.AA  # before set_opcode: assigning flags clears the opcode
        message.set_opcode(dns.opcode.NOTIFY)
        message.answer.append(self.soa(self.serial))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1)
            for port in self.secondaries:
                sock.sendto(message.to_wire(), (HOST, port))
            for _ in self.secondaries:  # the acknowledgements, so none is left unread
                sock.recv(512)

    def response(self, query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        question = query.question[0]
        if question.name != self.zone:
            reply.set_rcode(dns.rcode.REFUSED)
            return reply
        with self.lock:
            serial, added = self.serial, list(self.added)
        if question.rdtype == dns.rdatatype.SOA:
            reply.answer = [self.soa(serial)]
        elif question.rdtype == dns.rdatatype.IXFR and query.authority:
            reply.answer = self.ixfr(int(query.authority[0][0].serial), serial, added)
        elif question.rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            reply.answer = self.axfr(serial, added)
        return reply

    def axfr(self, serial: int, added: list[dns.rrset.RRset]) -> list[dns.rrset.RRset]:
        return [self.soa(serial), *self.base, *added, self.soa(serial)]

    def ixfr(self, since: int, serial: int, added: list[dns.rrset.RRset]) -> list[dns.rrset.RRset]:
        if since == serial:
            return [self.soa(serial)]
        if not 1 <= since < serial:
            return self.axfr(serial, added)
        answer = [self.soa(serial)]
        for old in range(since, serial):
            answer += [self.soa(old), self.soa(old + 1), added[old - 1]]
        return [*answer, self.soa(serial)]

    def serve_udp(self) -> None:
        while True:
            wire, peer = self.udp.recvfrom(65535)
            self.udp.sendto(self.response(dns.message.from_wire(wire)).to_wire(), peer)

    def serve_tcp(self) -> None:
        while True:
            conn, _ = self.tcp.accept()
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()

    def serve_connection(self, conn: socket.socket) -> None:
        with conn:
            while header := read_exactly(conn, 2):
                query = dns.message.from_wire(read_exactly(conn, struct.unpack("!H", header)[0]))
                wire = self.response(query).to_wire(max_size=65535)
                conn.sendall(struct.pack("!H", len(wire)) + wire)


def read_exactly(conn: socket.socket, size: int) -> bytes:
    """``size`` bytes, or b"" at the end of the stream."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def provision(servers: tuple[Named, Named, Pdns], zone: str, port: int) -> None:
    """Make every server a secondary of ``zone`` at ``port`` through our own backends (rndc
    addzone; PowerDNS API create, IXFR metadata, axfr-retrieve), as the worker would."""
    target = backends.ZoneTarget(str(uuid.uuid4()), zone, (backends.Master(HOST, port),))
    bind_a, bind_b, pdns = servers
    targets = [("bind9", bind_a.options()), ("bind9", bind_b.options()), ("pdns4", pdns.options())]

    async def create_all() -> None:
        for kind, options in targets:
            await backends.load(kind, options).create_zone(target)

    asyncio.run(create_all())


# --- where the time goes on BIND: its log ------------------------------------------------------

_STAMP = re.compile(r"^(\d+-\w+-\d+ [\d:.]+) (.*)$", re.MULTILINE)
STEPS = {
    "start -> NOTIFY received": "received notify for zone '{zone}'",
    "-> transfer started": "zone {zone}/IN: Transfer started",
    "-> new serial loaded": "zone {zone}/IN: transferred serial",
}
"""Consecutive events of one change in named's log (its clock ticks in ms, coarsely)."""


def logged(named: Named, text: str) -> list[float]:
    """Monotonic times of the log lines of ``named`` that contain ``text``."""
    offset = time.time() - time.monotonic()
    return [
        datetime.strptime(match[1], "%d-%b-%Y %H:%M:%S.%f").timestamp() - offset
        for match in _STAMP.finditer(named.log_file.read_text(errors="replace"))
        if text in match[2]
    ]


def bind_steps(named: Named, zone: str, starts: list[float]) -> dict[str, list[float]]:
    """Per step, how long it took after the previous one, for each change start (the first
    event from 10 ms before the start on: the 202 can reach us after the NOTIFY reached named)."""
    events = {
        step: logged(named, text.format(zone=zone.rstrip("."))) for step, text in STEPS.items()
    }
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    for start in starts:
        previous = start - 0.01
        for step, times in events.items():
            following = [t for t in times if t >= previous]
            if not following:
                break
            steps[step].append(min(following) - max(previous, start))
            previous = min(following)
    return steps


# --- reporting ---------------------------------------------------------------------------------


def by_kind(run: Run, servers: Sequence[Nameserver]) -> dict[str, list[float | None]]:
    kinds: dict[str, list[float | None]] = {"every": []}
    for sample in run.samples:
        values = list(sample.values())
        kinds["every"].append(None if None in values else max(v for v in values if v is not None))
        for server in servers:
            kinds.setdefault(server.kind, []).append(sample[server.label])
    return kinds


def figures(values: list[float | None]) -> str:
    found = [v * 1000 for v in values if v is not None]
    missing = len(values) - len(found)
    if not found:
        return f"none answered (n={len(values)})"
    text = " / ".join(
        f"{v:.0f}" for v in (statistics.median(found), *(percentile(found, q) for q in (95, 99)))
    )
    return text + (f" ({missing} of {len(values)} missing)" if missing else "")


def report(title: str, ours: Run, floor: Run, servers: Sequence[Nameserver]) -> None:
    print(f"\n{title}: p50 / p95 / p99 ms, ours | floor | ratio of p50s")
    ours_kinds, floor_kinds = by_kind(ours, servers), by_kind(floor, servers)
    for kind, values in ours_kinds.items():
        ratio = _median(values) / _median(floor_kinds[kind])
        print(f"  {kind:9} {figures(values):>22} | {figures(floor_kinds[kind]):>22} | {ratio:.2f}")
    if ours.makespan is not None and floor.makespan is not None:
        print(
            f"  first sent -> all answered everywhere: {ours.makespan * 1000:.0f} ms | "
            f"{floor.makespan * 1000:.0f} ms"
        )


def _median(values: list[float | None]) -> float:
    return statistics.median(v for v in values if v is not None)


def _median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f}" if values else "-"


# --- the run -----------------------------------------------------------------------------------


@contextmanager
def nameservers(directory: Path) -> Iterator[tuple[Named, Named, Pdns]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        bind_a = start_named(directory / "bind-a")
        started.append(bind_a.process)
        bind_b = start_named(directory / "bind-b")
        started.append(bind_b.process)
        pdns = start_pdns(directory / "pdns")
        started.append(pdns.process)
        yield bind_a, bind_b, pdns
    finally:
        for process in started:
            stop(process)


def measure(args: argparse.Namespace) -> None:
    gaps = (args.gap_min, args.gap_max)
    directory = Path(tempfile.mkdtemp(prefix="zk-bench-pool-"))
    with nameservers(directory) as servers:
        bind_a, bind_b, pdns = servers
        pool = [
            Nameserver("bind-a", "BIND", bind_a.port),
            Nameserver("bind-b", "BIND", bind_b.port),
            Nameserver("pdns", "PowerDNS", pdns.port),
        ]
        ours = Zonekeeper(directory, servers, args.records)
        try:
            print(f"ready: pool of 2 BIND + 1 PowerDNS, {args.records:,} records bulk-inserted")
            floor = FloorPrimary(FLOOR, [s.port for s in pool])
            provision(servers, FLOOR, floor.port)
            answered_at([f"h0.{FLOOR}"], pool, timeout=30)
            time.sleep(1)  # BIND holds a refresh back for ~0.5 s after a transfer
            run_scenarios(args, ours, floor, servers, pool, gaps)
        finally:
            ours.serve.terminate()
    shutil.rmtree(directory, ignore_errors=True)


def run_scenarios(
    args: argparse.Namespace,
    ours: Zonekeeper,
    floor: FloorPrimary,
    servers: tuple[Named, Named, Pdns],
    pool: list[Nameserver],
    gaps: tuple[float, float],
) -> None:
    started = time.monotonic()
    floor_seq = sequential(floor.add, FLOOR, pool, args.changes, gaps)
    small_seq = sequential(lambda n: ours.add(SMALL, n), SMALL, pool, args.changes, gaps)
    big_seq = sequential(lambda n: ours.add(BIG, n), BIG, pool, args.changes, gaps)
    time.sleep(1)
    floor_burst = burst(floor.add_all, FLOOR, pool, args.burst)
    time.sleep(1)
    small_burst = burst(lambda n: ours.add_all(SMALL, n), SMALL, pool, args.burst)
    time.sleep(1)
    big_burst = burst(lambda n: ours.add_all(BIG, n), BIG, pool, args.burst)
    print(f"measured in {time.monotonic() - started:.0f} s")
    report(f"sequential, {SMALL_RECORDS + 2}-record zone", small_seq, floor_seq, pool)
    report(f"sequential, {args.records:,}-record zone", big_seq, floor_seq, pool)
    report(
        f"burst of {args.burst}, {SMALL_RECORDS + 2}-record zone", small_burst, floor_burst, pool
    )
    report(f"burst of {args.burst}, {args.records:,}-record zone", big_burst, floor_burst, pool)
    print("\nwhere the time goes on bind-a, sequential changes (its log), p50 ms:")
    for zone, run in ((FLOOR, floor_seq), (SMALL, small_seq), (BIG, big_seq)):
        steps = bind_steps(servers[0], zone, run.starts)
        print(f"  {zone:15}" + ", ".join(f"{k} {_median_ms(v)}" for k, v in steps.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=200, help="sequential changes per zone")
    parser.add_argument("--burst", type=int, default=50, help="concurrent changes per burst")
    parser.add_argument("--records", type=int, default=10_000, help="records of the big zone")
    parser.add_argument("--gap-min", type=float, default=0.05, help="seconds between changes")
    parser.add_argument("--gap-max", type=float, default=1.05)
    args = parser.parse_args()
    print(f"propagation_pool on {machine()}")
    measure(args)


if __name__ == "__main__":
    main()
