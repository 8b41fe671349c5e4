"""`zonekeeper serve` with Nova configured runs the managed-record audit periodically: a record
whose instance is gone stops being served, a live instance's stays."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

from tests.e2e.serve import Serve
from tests.managed_audit.conftest import ADMIN_TOKEN, PROJECT, REGION, TENANT, Sink
from tests.managed_audit.nova_double import NovaDouble, NovaState
from zonekeeper.config import Settings
from zonekeeper.service import zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(tmp_path: Path, nova_server: NovaDouble) -> Iterator[Serve]:
    env = {
        "ZONEKEEPER_COMPUTE_API__ENDPOINTS": json.dumps([f"{REGION}|{nova_server.url}"]),
        "ZONEKEEPER_COMPUTE_API__ADMIN_TOKEN": ADMIN_TOKEN,
        "ZONEKEEPER_WORKER__MANAGED_AUDIT_INTERVAL": "0.2",
    }
    server = Serve(tmp_path / "data", env=env)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


def rcode(served: Serve, name: str) -> dns.rcode.Rcode:
    query = dns.message.make_query(name, "A")
    return dns.query.udp(query, "127.0.0.1", 2, served.dns_port).rcode()


def boot(served: Serve, servers: list[dict[str, str]]) -> None:
    """The sink's records of ``servers``, written into the served database."""

    async def run() -> None:
        url = f"sqlite+aiosqlite:///{(served.data_dir / 'zonekeeper.sqlite').resolve()}"
        env = ServiceEnv(db=Database(url), settings=Settings(data_dir=served.data_dir))
        try:
            zone = await zones.create(
                TENANT, env, {"name": "cloud.example.", "email": "a@example.org"}
            )
            sink = Sink(env, zone)
            for i, server in enumerate(servers):
                await sink.boot(server, f"192.0.2.{i + 1}")
        finally:
            await env.db.close()

    asyncio.run(run())


def test_serve_removes_the_records_of_gone_instances(served: Serve, nova: NovaState) -> None:
    live, gone = nova.add(PROJECT, "live"), nova.add(PROJECT, "gone")
    boot(served, [live, gone])
    assert rcode(served, "gone.cloud.example.") == dns.rcode.NOERROR
    del nova.servers[gone["id"]]
    deadline = time.monotonic() + 20
    while rcode(served, "gone.cloud.example.") != dns.rcode.NXDOMAIN:
        assert time.monotonic() < deadline, "\n".join(served.lines)
        time.sleep(0.1)
    assert rcode(served, "live.cloud.example.") == dns.rcode.NOERROR
    assert any(f"instance {gone['id']} is gone" in line for line in served.lines)
    assert served.terminate() == 0
