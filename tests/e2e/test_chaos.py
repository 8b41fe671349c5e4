"""Chaos: two `api`, two `worker` and two `mdns` processes on one shared database, behind a pool
of a real BIND and a real PowerDNS, while 16 clients write and a random process is SIGKILLed
and started again every few seconds.

Afterwards (writers stopped, every killed process running again: a mini-DNS that is down is a
good reason for a nameserver to lag, as PowerDNS picks one of its masters at random) every
zone is ACTIVE within 10 s, every change the API acknowledged is served by
every nameserver (and nothing that was never asked for is), and no nameserver's serial ever
went back while it ran. A change whose request failed (the API process died under it) may or
may not have been committed: its names are left out of the comparison, never guessed.

The database is a parameter: ``SERVER_DATABASES`` lists the scratch database factories the
test runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import random
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.asyncquery
import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import dns.zone
import httpx
import pytest
import yaml

from tests import databases
from tests.e2e.serve import ZONEKEEPER, Serve
from tests.fixtures_servers import Named, Pdns, free_port, start_named, start_pdns, stop
from zonekeeper.domain.serial import serial_ge

pytestmark = pytest.mark.e2e

SERVER_DATABASES: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "postgres": lambda: databases.scratch_postgres("zk_chaos"),
    "mariadb": lambda: databases.scratch_mariadb("zk_chaos"),
}
"""Scratch server databases (name → a context manager yielding a migrated database's URL)."""

CLIENTS = 16
WRITING = 30.0
"""Seconds the clients write while processes are killed."""
KILL_EVERY = (2.5, 4.5)
"""Seconds between two kills, drawn uniformly."""
LEASE = 15.0
"""The worker's lease: a SIGKILLed worker's zones come back after it (reconciler.LEASE)."""
SETTLE = 10.0
"""Seconds every zone gets to become ACTIVE once the writing stops."""
PAUSE = (0.3, 0.9)
"""Seconds a client waits between two writes: about 25 writes a second from all of them."""

START_TIMEOUT = 90.0
"""Seconds a process gets to start: on two cores shared with other test runs, importing
Zonekeeper alone has taken half a minute."""

ENV = {
    # Attempts that failed while a mini-DNS was down back off to at most 1 s (30 s by default).
    "ZONEKEEPER_WORKER__POLL_MAX_INTERVAL": "1",
    "ZONEKEEPER_QUOTAS__ZONE_RECORDSETS": "-1",
}


@pytest.fixture(params=sorted(SERVER_DATABASES))
def server_database(request: pytest.FixtureRequest) -> Iterator[str]:
    with SERVER_DATABASES[request.param]() as url:
        yield url


@pytest.fixture
def nameservers(tmp_path: Path) -> Iterator[tuple[Named, Pdns]]:
    # BIND 9.18 allows transfers to anyone; said here so that newer versions do too. Its
    # default of 2 transfers at once from one primary would queue 16 zones behind each other.
    options = "allow-transfer { 127.0.0.1; }; transfers-per-ns 16; transfers-in 32;"
    bind = start_named(tmp_path / "bind", options=options)
    try:
        pdns = start_pdns(tmp_path / "pdns")
        try:
            yield bind, pdns
        finally:
            stop(pdns.process)
    finally:
        stop(bind.process)


@dataclass
class Role:
    """One zonekeeper process, started again (same arguments, same data dir) after a kill."""

    name: str
    command: str
    data_dir: Path
    database_url: str
    args: tuple[str, ...] = ()
    process: Serve | None = None
    kills: int = 0
    lives: list[Serve] = field(default_factory=list)
    """Every process started for the role, for their logs."""
    start_seconds: list[float] = field(default_factory=list)

    def start(self) -> None:
        began = time.monotonic()
        self.process = Serve(
            self.data_dir,
            *self.args,
            database_url=self.database_url,
            env=ENV,
            command=self.command,
            start_timeout=START_TIMEOUT,
        )
        self.lives.append(self.process)
        self.start_seconds.append(time.monotonic() - began)

    def log(self) -> str:
        return "\n".join(line for life in self.lives for line in [*life.lines, "-- killed --"])

    def kill(self) -> None:
        """SIGKILL; clients see no API address of it until it is started again."""
        dead, self.process = self.process, None
        assert dead is not None
        dead.kill()
        self.kills += 1

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.process.poll() is None


@dataclass
class Cluster:
    roles: list[Role]
    mdns_ports: list[int]

    def api_urls(self) -> list[str]:
        return [r.process.base_url for r in self.roles if r.command == "api" and r.process]


@pytest.fixture
def cluster(
    tmp_path: Path, server_database: str, nameservers: tuple[Named, Pdns]
) -> Iterator[Cluster]:
    bind, pdns = nameservers
    mdns_ports = [free_port(), free_port()]
    load_pool(tmp_path, server_database, mdns_ports, bind, pdns)
    roles = [
        *(
            Role(f"mdns-{i}", "mdns", tmp_path / f"mdns-{i}", server_database, dns_listen(port))
            for i, port in enumerate(mdns_ports, 1)
        ),
        *(Role(f"worker-{i}", "worker", tmp_path / f"worker-{i}", server_database) for i in (1, 2)),
        *(Role(f"api-{i}", "api", tmp_path / f"api-{i}", server_database) for i in (1, 2)),
    ]
    try:
        starting = [threading.Thread(target=role.start) for role in roles]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        assert all(role.alive for role in roles), [r.name for r in roles if not r.alive]
        yield Cluster(roles, mdns_ports)
    finally:
        for role in roles:
            if role.process is not None and role.alive:
                role.process.kill()
            # Kept with the test's temporary files, to read when it fails.
            (tmp_path / f"{role.name}.log").write_text(role.log())


def dns_listen(port: int) -> tuple[str, ...]:
    return ("--dns-listen", f"127.0.0.1:{port}")


def load_pool(
    tmp_path: Path, database_url: str, mdns_ports: list[int], bind: Named, pdns: Pdns
) -> None:
    """`zonekeeper pool update`: one BIND and one PowerDNS, transferring from both mini-DNS."""
    masters = [{"host": "127.0.0.1", "port": port} for port in mdns_ports]
    pool = {
        "id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
        "name": "default",
        "description": "chaos: one BIND, one PowerDNS",
        "attributes": {},
        "ns_records": [{"hostname": "ns1.chaos.test.", "priority": 1}],
        "nameservers": [{"host": "127.0.0.1", "port": s.port} for s in (bind, pdns)],
        "targets": [
            {"type": "bind9", "masters": masters, "options": bind.options()},
            {"type": "pdns4", "masters": masters, "options": pdns.options()},
        ],
        "also_notifies": [],
    }
    pools_file = tmp_path / "pools.yaml"
    pools_file.write_text(yaml.safe_dump([pool]))
    command = [ZONEKEEPER, "pool", "update", "--file", str(pools_file)]
    subprocess.run([*command, "--database-url", database_url], check=True, capture_output=True)


@dataclass
class Client:
    """One writer: its own project and zone; what the API acknowledged, per owner name."""

    number: int
    zone_name: str = ""
    zone_id: str = ""
    expected: dict[str, str | None] = field(default_factory=dict)
    """Owner name → its A record, or None once deleted: every change acknowledged."""
    recordset_ids: dict[str, str] = field(default_factory=dict)
    uncertain: set[str] = field(default_factory=set)
    """Names whose last request failed: it may or may not have been committed."""
    acknowledged: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Project-ID": f"chaos-{self.number}"}


async def request(
    http: httpx.AsyncClient, cluster: Cluster, client: Client, method: str, path: str, **kw: Any
) -> httpx.Response | None:
    """One request to a random API process; None when it failed (no answer, or a 5xx)."""
    url = random.choice(cluster.api_urls())
    began = time.monotonic()
    try:
        response = await http.request(method, url + path, headers=client.headers, **kw)
    except httpx.HTTPError:
        return None
    finally:
        client.latencies.append(time.monotonic() - began)
    if response.status_code >= 500:
        return None
    assert response.is_success, (method, path, response.status_code, response.text)
    return response


async def create_zone(http: httpx.AsyncClient, cluster: Cluster, client: Client) -> None:
    client.zone_name = f"c{client.number}.chaos.test."
    body = {"name": client.zone_name, "email": f"admin@c{client.number}.chaos.test"}
    response = await request(http, cluster, client, "POST", "/v2/zones", json=body)
    assert response is not None
    client.zone_id = response.json()["id"]


async def write_one(http: httpx.AsyncClient, cluster: Cluster, client: Client, serial: int) -> None:
    """Create a recordset (most often), or update or delete one known for certain."""
    known = [name for name, ip in client.expected.items() if ip is not None]
    choice = random.random()
    ip: str | None = f"192.0.2.{serial % 250 + 1}"
    base = f"/v2/zones/{client.zone_id}/recordsets"
    if not known or choice < 0.6:
        name = f"r{serial}.{client.zone_name}"
        body = {"name": name, "type": "A", "records": [ip]}
        response = await request(http, cluster, client, "POST", base, json=body)
        if response is not None:
            client.recordset_ids[name] = response.json()["id"]
    elif choice < 0.85:
        name = random.choice(known)
        path = f"{base}/{client.recordset_ids[name]}"
        response = await request(http, cluster, client, "PUT", path, json={"records": [ip]})
    else:
        name = random.choice(known)
        path = f"{base}/{client.recordset_ids[name]}"
        response = await request(http, cluster, client, "DELETE", path)
        ip = None
    if response is None:
        client.failed += 1
        client.expected.pop(name, None)
        client.uncertain.add(name)
    else:
        client.acknowledged += 1
        client.expected[name] = ip


async def write_until(stop_at: float, cluster: Cluster, client: Client) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        serial = 0
        while time.monotonic() < stop_at:
            serial += 1
            await write_one(http, cluster, client, serial)
            await asyncio.sleep(random.uniform(*PAUSE))


@dataclass
class Samples:
    """Served SOA serials per (server port, zone name), in the order they were seen."""

    seen: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    queries: int = 0

    def went_back(self) -> list[tuple[int, str, int, int]]:
        return [
            (port, zone, old, new)
            for (port, zone), serials in self.seen.items()
            for old, new in itertools.pairwise(serials)
            if not serial_ge(new, old)
        ]


async def sample_serials(
    stop: asyncio.Event, ports: list[int], zone_names: list[str], samples: Samples
) -> None:
    """Ask every server for every zone's SOA, about once a second, until ``stop`` is set."""

    async def one(port: int, zone: str) -> None:
        try:
            reply = await dns.asyncquery.udp(
                dns.message.make_query(zone, "SOA"), "127.0.0.1", port=port, timeout=1
            )
        except (dns.exception.DNSException, OSError):
            return  # a mini-DNS being restarted
        samples.queries += 1
        for rrset in reply.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                samples.seen.setdefault((port, zone), []).append(rrset[0].serial)

    while not stop.is_set():
        await asyncio.gather(*(one(port, zone) for port in ports for zone in zone_names))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def kill_until(stop_at: float, cluster: Cluster, log: list[str]) -> None:
    """SIGKILL a process every few seconds until ``stop_at``, and start it again in the
    background (a start takes seconds on a busy machine): each role in turn, a random copy of
    it, never both copies at once. Workers are spared once a kill would leave zones leased
    (LEASE) past the settling time: that wait would be the lease's, not a defect. Returns once
    every killed process runs again."""
    started = time.monotonic()
    kinds = ["mdns", "worker", "api"]
    random.shuffle(kinds)
    restarts: list[threading.Thread] = []
    for turn in itertools.count():
        time.sleep(random.uniform(*KILL_EVERY))
        now = time.monotonic()
        if now >= stop_at:
            break
        victim = _victim(cluster, kinds[turn % 3 :] + kinds[: turn % 3], now, stop_at)
        if victim is None:
            continue  # every role has a copy still starting
        victim.kill()
        restarts.append(threading.Thread(target=victim.start))
        restarts[-1].start()
        log.append(f"{now - started:.1f}s {victim.name}")
    for restart in restarts:
        restart.join()


def _victim(cluster: Cluster, kinds: list[str], now: float, stop_at: float) -> Role | None:
    """A random copy of the first of ``kinds`` whose copies all run."""
    for kind in kinds:
        if kind == "worker" and now + LEASE > stop_at + SETTLE - 2:
            continue
        copies = [r for r in cluster.roles if r.command == kind]
        if all(r.alive for r in copies):
            return random.choice(copies)
    return None


def transfer(port: int, zone_name: str) -> dns.zone.Zone:
    return dns.zone.from_xfr(dns.query.xfr("127.0.0.1", zone_name, port=port, timeout=5))


def served_a_records(zone: dns.zone.Zone) -> dict[str, str]:
    """Owner name (absolute) → its A record, for every A rrset of a transferred zone."""
    served: dict[str, str] = {}
    assert zone.origin is not None
    for name, rdataset in zone.iterate_rdatasets(dns.rdatatype.A):
        assert len(rdataset) == 1, (name, rdataset)
        served[name.derelativize(zone.origin).to_text()] = rdataset[0].to_text()
    return served


def zone_states(base_url: str) -> dict[str, tuple[str, int]]:
    """Zone name → (status, serial), every project's."""
    response = httpx.get(
        f"{base_url}/v2/zones", params={"limit": 100}, headers={"X-Auth-All-Projects": "true"}
    )
    response.raise_for_status()
    return {z["name"]: (z["status"], z["serial"]) for z in response.json()["zones"]}


def test_chaos_every_acknowledged_change_is_served_everywhere(
    cluster: Cluster, nameservers: tuple[Named, Pdns]
) -> None:
    bind, pdns = nameservers
    clients = [Client(n) for n in range(1, CLIENTS + 1)]
    kills: list[str] = []
    samples = Samples()

    async def run() -> float:
        async with httpx.AsyncClient(timeout=10) as http:
            await asyncio.gather(*(create_zone(http, cluster, c) for c in clients))
        stop_at = time.monotonic() + WRITING
        stop_sampling = asyncio.Event()
        sampler = asyncio.create_task(
            sample_serials(
                stop_sampling,
                [bind.port, pdns.port],
                [c.zone_name for c in clients],
                samples,
            )
        )
        killer = asyncio.to_thread(kill_until, stop_at, cluster, kills)
        await asyncio.gather(killer, *(write_until(stop_at, cluster, c) for c in clients))
        stopped = time.monotonic()  # nothing written, every process running again
        settled = await asyncio.to_thread(settle, cluster, clients)
        stop_sampling.set()
        await sampler
        return settled - stopped

    settle_seconds = asyncio.run(run())

    acknowledged = sum(c.acknowledged for c in clients)
    latencies = sorted(t for c in clients for t in c.latencies)
    failed = sum(c.failed for c in clients)
    median, slowest = latencies[len(latencies) // 2], latencies[-1]
    starts = [seconds for role in cluster.roles for seconds in role.start_seconds]
    print(
        f"\nchaos: {acknowledged} writes acknowledged, {failed} failed (median {median:.2f} s,"
        f" slowest {slowest:.2f} s),"
        f" {len(kills)} kills ({', '.join(kills)}), every zone ACTIVE {settle_seconds:.1f} s"
        f" after the chaos, {samples.queries} SOA samples, processes started in"
        f" {min(starts):.1f}-{max(starts):.1f} s; {provisioned(bind, pdns)}"
    )
    dead = [role.name for role in cluster.roles if not role.alive]
    assert not dead, f"died on their own: {dead}"
    assert len(kills) >= 3, kills
    assert {r.command for r in cluster.roles if r.kills} == {"api", "worker", "mdns"}, kills
    # The writers really wrote. On two cores shared with other test runs a write has taken
    # seconds (PostgreSQL is shared too), so only a few per client are asked for.
    assert acknowledged >= CLIENTS * 3, (acknowledged, failed, median, slowest)
    assert all(c.acknowledged for c in clients), [c.acknowledged for c in clients]
    if settle_seconds >= SETTLE:
        states = zone_states(cluster.api_urls()[0])
        waiting = [c for c in clients if states[c.zone_name][0] != "ACTIVE"]
        views = "\n".join(sync_view(cluster, c) for c in waiting)
        raise AssertionError(f"not ACTIVE {SETTLE} s after the chaos:\n{views}")

    states = zone_states(cluster.api_urls()[0])
    for server_port in (bind.port, pdns.port, *cluster.mdns_ports):
        for client in clients:
            zone = transfer(server_port, client.zone_name)
            soa = zone.get_rdataset("@", "SOA")
            assert soa is not None and soa[0].serial == states[client.zone_name][1]
            served = served_a_records(zone)
            for name, ip in client.expected.items():
                assert served.get(name) == ip, (server_port, name, ip, served.get(name))
            phantoms = set(served) - set(client.expected) - client.uncertain
            assert not phantoms, (server_port, phantoms)

    assert samples.queries > 0 and not samples.went_back(), samples.went_back()


def provisioned(bind: Named, pdns: Pdns) -> str:
    """How often each server was asked to add a zone, from its log (once per zone is right;
    a worker killed between adding a zone and saving that it did may add it once more)."""
    addzone = bind.log_file.read_text().count("received control channel command 'addzone")
    pdns_log = pdns.log_file.read_text(errors="replace")
    posts = re.findall(r'"POST /api/v1/servers/localhost/zones HTTP/1.1" (\d+)', pdns_log)
    return f"{addzone} rndc addzone, PowerDNS POSTs answered {dict(Counter(posts))}"


def settle(cluster: Cluster, clients: list[Client]) -> float:
    """Wait until every client's zone is ACTIVE, at most a little past SETTLE seconds; when
    they were (infinity: never)."""
    deadline = time.monotonic() + SETTLE + 5
    names = {c.zone_name for c in clients}
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            states = zone_states(cluster.api_urls()[0])
            if all(states.get(name, ("", 0))[0] == "ACTIVE" for name in names):
                return time.monotonic()
        time.sleep(0.1)
    return math.inf


def sync_view(cluster: Cluster, client: Client) -> str:
    url = f"{cluster.api_urls()[0]}/v2/zones/{client.zone_id}/sync"
    return httpx.get(url, headers=client.headers).text
