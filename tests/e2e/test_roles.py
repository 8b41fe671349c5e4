"""One role per process on a shared PostgreSQL: `zonekeeper mdns`, `worker` and two `api`
copies. The worker's sweep is set to a minute, so a zone ACTIVE within seconds proves it was
woken by the API processes' commits (LISTEN/NOTIFY). The same split, with two workers, runs on
a shared MariaDB, where the workers' sweep carries the commits across processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import dns.message
import dns.query
import httpx
import pytest

from tests import databases
from tests.e2e.conftest import designate
from tests.e2e.serve import Serve
from tests.e2e.test_serve import wait_active
from zonekeeper.storage.wakeups import asyncpg_dsn

pytestmark = pytest.mark.e2e

SLOW_SWEEP = {"ZONEKEEPER_WORKER__SWEEP_INTERVAL": "60"}


@pytest.fixture
def shared_database() -> Iterator[str]:
    with databases.scratch_postgres("zk_roles") as url:
        yield url


@pytest.fixture
def processes(tmp_path: Path, shared_database: str) -> Iterator[dict[str, Serve]]:
    started: dict[str, Serve] = {}
    try:
        for name, command in (
            ("mdns", "mdns"),
            ("worker", "worker"),
            ("api-1", "api"),
            ("api-2", "api"),
        ):
            started[name] = Serve(
                tmp_path / name, database_url=shared_database, env=SLOW_SWEEP, command=command
            )
        yield started
    finally:
        for process in started.values():
            if process.process.poll() is None:
                process.terminate()


def test_split_roles_share_the_database_and_wake_each_other(
    processes: dict[str, Serve], shared_database: str
) -> None:
    first, second = (designate(processes[n].base_url) for n in ("api-1", "api-2"))
    mdns_port = processes["mdns"].dns_port

    started = time.monotonic()
    zone = first.zones.create("roles.example.", email="admin@roles.example")
    wait_active(second, zone["id"], timeout=10)
    second.recordsets.create(zone["id"], "www", "A", ["192.0.2.80"])
    active = wait_active(first, zone["id"], timeout=10)
    assert time.monotonic() - started < 10  # far below the 60 s sweep

    reply = dns.query.udp(
        dns.message.make_query("www.roles.example.", "A"), "127.0.0.1", 2, mdns_port
    )
    assert [rr.to_text() for rrset in reply.answer for rr in rrset] == ["192.0.2.80"]
    soa = dns.query.udp(dns.message.make_query("roles.example.", "SOA"), "127.0.0.1", 2, mdns_port)
    assert soa.answer[0][0].serial == active["serial"]

    roles = asyncio.run(_heartbeat_roles(shared_database))
    assert {"api", "worker", "mdns"} <= roles and "sink" not in roles


def test_every_role_stops_cleanly_on_sigterm(processes: dict[str, Serve]) -> None:
    for name, process in processes.items():
        assert process.terminate() == 0, f"{name}:\n" + "\n".join(process.lines)


async def _heartbeat_roles(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT service_name FROM service_statuses")
        return {row["service_name"] for row in rows}
    finally:
        await conn.close()


def test_zones_created_before_any_mdns_wait_pending_and_go_active_once_one_registers(
    tmp_path: Path, shared_database: str
) -> None:
    started: list[Serve] = []
    try:
        api = Serve(tmp_path / "api", database_url=shared_database, command="api")
        started.append(api)
        client = designate(api.base_url)
        zone = client.zones.create("early.example.", email="admin@early.example")
        assert zone["status"] == "PENDING"  # accepted, not a 500 no_servers_configured

        started.append(Serve(tmp_path / "worker", database_url=shared_database, command="worker"))
        sync_url = f"{api.base_url}/v2/zones/{zone['id']}/sync"
        deadline = time.monotonic() + 10
        while (sync := httpx.get(sync_url).json())["last_error"] is None:
            assert time.monotonic() < deadline, sync
            time.sleep(0.05)
        assert sync["status"] == "PENDING"
        assert sync["last_error"] == "no nameservers in the pool"

        started.append(Serve(tmp_path / "mdns", database_url=shared_database, command="mdns"))
        active = wait_active(client, zone["id"], timeout=10)  # far below the 30 s backoff
        assert httpx.get(sync_url).json()["last_error"] is None
        assert active["serial"] == zone["serial"]
    finally:
        for process in started:
            if process.process.poll() is None:
                process.terminate()


@pytest.fixture
def mariadb_processes(tmp_path: Path) -> Iterator[dict[str, Serve]]:
    """mdns, two workers and an api on a scratch MariaDB, the workers sweeping every 0.5 s
    (on MariaDB, a commit in another process reaches the workers only through the sweep)."""
    started: dict[str, Serve] = {}
    sweep = {"ZONEKEEPER_WORKER__SWEEP_INTERVAL": "0.5"}
    with databases.scratch_mariadb("zk_roles") as url:
        try:
            for name in ("mdns", "worker-1", "worker-2", "api"):
                command = name.split("-")[0]
                started[name] = Serve(tmp_path / name, database_url=url, env=sweep, command=command)
            yield started
        finally:
            for process in started.values():
                if process.process.poll() is None:
                    process.terminate()


def test_split_roles_on_mariadb(mariadb_processes: dict[str, Serve]) -> None:
    api = designate(mariadb_processes["api"].base_url)
    made = [api.zones.create(f"m{i}.example.", email="admin@example.org") for i in range(4)]
    recordset = api.recordsets.create(made[0]["id"], "www", "A", ["192.0.2.81"])
    for zone in made:
        wait_active(api, zone["id"], timeout=15)
    assert api.recordsets.get(made[0]["id"], recordset["id"])["status"] == "ACTIVE"
    port = mariadb_processes["mdns"].dns_port
    reply = dns.query.udp(dns.message.make_query("www.m0.example.", "A"), "127.0.0.1", 2, port)
    assert [rr.to_text() for rrset in reply.answer for rr in rrset] == ["192.0.2.81"]
    for name, process in mariadb_processes.items():
        assert process.terminate() == 0, f"{name}:\n" + "\n".join(process.lines)
