"""Pool moves between two BIND pools, watched from the resolver's side: while the zone moves, a
thread keeps asking both nameservers for its SOA, a record and its NS set, and at every instant
at least one of them answers and is named in the NS set it serves. Also: a worker killed in
the middle of a move resumes it after a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rcode
import httpx
import pytest
from designateclient.v2.client import Client

from tests.e2e.conftest import designate
from tests.e2e.serve import Serve
from tests.e2e.test_pools import FAST_RETRIES, serve_with_pool, wait_for
from tests.e2e.test_serve import wait_active
from tests.fixtures_servers import Named, free_port, restart_named, start_named, stop

pytestmark = pytest.mark.e2e

OLD_POOL = "794ccc2c-d751-44fe-b57f-8894c9f5c842"  # the default pool
NEW_POOL = "2f6c1e4a-6b7d-4c55-9e0b-3f1d8a2b9c01"
NS_OF = {"old": "ns-old.example.net.", "new": "ns-new.example.net."}


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Named, Named]]:
    started: list[Named] = []
    try:
        started.append(start_named(tmp_path / "bind-old"))
        started.append(start_named(tmp_path / "bind-new"))
        yield started[0], started[1]
    finally:
        for server in started:
            stop(server.process)


def two_pools(dns_port: int, old: Named, new: Named) -> list[dict[str, Any]]:
    """The default pool on one BIND, a second pool on the other, each its own NS name."""
    masters = [{"host": "127.0.0.1", "port": dns_port}]

    def pool(pool_id: str, name: str, server: Named) -> dict[str, Any]:
        return {
            "id": pool_id,
            "name": name,
            "attributes": {},
            "ns_records": [{"hostname": NS_OF[name], "priority": 1}],
            "nameservers": [{"host": "127.0.0.1", "port": server.port}],
            "targets": [{"type": "bind9", "masters": masters, "options": server.options()}],
            "also_notifies": [],
        }

    return [pool(OLD_POOL, "old", old) | {"name": "default"}, pool(NEW_POOL, "new", new)]


@dataclass
class Watch:
    """What the resolver-side thread saw: per instant, the servers that answered."""

    ports: dict[str, int]
    zone: str
    record: str
    ticks: list[dict[str, set[str]]] = field(default_factory=list)
    """Per instant: server → the NS hostnames it served along with the SOA and the record."""
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            self.ticks.append(
                {name: ns for name, port in self.ports.items() if (ns := self._ask(port))}
            )
            self.stop.wait(0.02)  # pacing only: each instant is judged on what it saw

    def _ask(self, port: int) -> set[str] | None:
        """The NS set ``port`` serves, if it answers the SOA and the record authoritatively."""
        answers = []
        for name, rdtype in ((self.zone, "SOA"), (self.record, "A"), (self.zone, "NS")):
            try:
                reply = dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", 1, port)
            except (TimeoutError, dns.exception.DNSException, OSError):
                return None
            if reply.rcode() != dns.rcode.NOERROR or not reply.flags & dns.flags.AA:
                return None
            if not reply.answer:
                return None
            answers.append(reply.answer[0])
        return {r.target.to_text() for r in answers[2]}


def query(port: int, name: str, rdtype: str) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", 2, port)


def test_zones_move_between_bind_pools_answering_throughout_and_surviving_a_crash(
    tmp_path: Path, servers: tuple[Named, Named]
) -> None:
    """One serve for both scenarios: each start of a process costs seconds on a busy box."""
    old, new = servers
    dns_port = free_port()
    server = serve_with_pool(tmp_path, two_pools(dns_port, old, new), dns_port)
    try:
        client: Client = designate(server.base_url)
        zone = client.zones.create("moving.example.", email="a@moving.example", ttl=300)
        client.recordsets.create(zone["id"], "www", "A", ["192.0.2.7"])
        resumed = client.zones.create("resumed.example.", email="a@resumed.example")
        wait_active(client, zone["id"], timeout=30)
        wait_active(client, resumed["id"], timeout=30)
        move_while_watching(server, old, new, zone["id"])
        server = crash_mid_move(server, old, new, resumed["id"], dns_port)
    finally:
        if server.process.poll() is None:
            server.terminate()


def move_while_watching(server: Serve, old: Named, new: Named, zone_id: str) -> None:
    """Move the zone while a thread asks both servers: one answers at every instant."""
    watch = Watch({"old": old.port, "new": new.port}, "moving.example.", "www.moving.example.")
    watcher = threading.Thread(target=watch.run, daemon=True)
    watcher.start()
    wait_for(lambda: len(watch.ticks) > 5)
    url = f"{server.base_url}/v2/zones/{zone_id}"
    moved = httpx.post(f"{url}/tasks/pool_move", json={"pool_id": NEW_POOL})
    assert (moved.status_code, moved.content) == (202, b"")
    sync = httpx.get(f"{url}/sync").json()
    assert (sync["pool_id"], sync["moving_from_pool_id"]) == (NEW_POOL, OLD_POOL)
    assert sync["status"] == "PENDING"

    def moved_and_active() -> dict[str, Any] | None:
        state: dict[str, Any] = httpx.get(f"{url}/sync").json()
        done = state["status"] == "ACTIVE" and state["moving_from_pool_id"] is None
        return state if done else None

    final = wait_for(moved_and_active, timeout=60)
    # The old BIND no longer has the zone: give the watcher a few instants of that.
    seen_until = len(watch.ticks)
    wait_for(lambda: len(watch.ticks) > seen_until + 3, timeout=10)
    watch.stop.set()
    watcher.join(10)

    assert all(tick for tick in watch.ticks), "an instant where no nameserver answered"
    for tick in watch.ticks:
        # An answering server is named in the NS set it hands out, so a resolver that
        # followed that set found a server answering. (The old server hands out the
        # narrowed set before it loses the zone, steering resolvers away from itself.)
        assert any(NS_OF[name] in ns for name, ns in tick.items()), tick
    seen = {frozenset(tick) for tick in watch.ticks}
    assert frozenset({"old", "new"}) in seen  # both served the zone for a while
    assert watch.ticks[-1] == {"new": {NS_OF["new"]}}
    assert httpx.get(url).json()["pool_id"] == NEW_POOL
    assert [t["target"] for t in final["targets"]] == [f"bind9 127.0.0.1:{new.port}"]
    assert not query(old.port, "moving.example.", "SOA").answer


def crash_mid_move(server: Serve, old: Named, new: Named, zone_id: str, dns_port: int) -> Serve:
    """Kill the worker while the move waits on a stopped new server; a restart finishes it.
    Returns the new serve."""
    # The new pool's server is down, so the move cannot get past its first step.
    stop(new.process)
    url = f"{server.base_url}/v2/zones/{zone_id}"
    assert httpx.post(f"{url}/tasks/pool_move", json={"pool_id": NEW_POOL}).status_code == 202

    def stuck_on_new() -> bool:
        state = httpx.get(f"{url}/sync").json()
        return bool(state["attempts"] >= 1 and state["moving_from_pool_id"] == OLD_POOL)

    wait_for(stuck_on_new, timeout=30)
    server.kill()  # mid-move, no chance to clean up
    assert query(old.port, "resumed.example.", "SOA").answer  # the old pool serves meanwhile
    restart_named(new)
    server = Serve(server.data_dir, "--dns-listen", f"127.0.0.1:{dns_port}", env=FAST_RETRIES)
    url = f"{server.base_url}/v2/zones/{zone_id}"  # the API's port is new

    def finished() -> bool:
        state = httpx.get(f"{url}/sync").json()
        return bool(state["status"] == "ACTIVE" and state["moving_from_pool_id"] is None)

    wait_for(finished, timeout=60)
    assert httpx.get(url).json()["pool_id"] == NEW_POOL
    ns = query(new.port, "resumed.example.", "NS")
    assert {r.target.to_text() for r in ns.answer[0]} == {NS_OF["new"]}
    assert not query(old.port, "resumed.example.", "SOA").answer
    return server
