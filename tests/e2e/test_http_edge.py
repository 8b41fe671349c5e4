"""The HTTP edge of a real `zonekeeper serve` under abuse: a huge header, and a flood of
half-sent requests past the open-files limit, during which the mini-DNS must still serve
transfers over TCP (it shares the process's descriptors)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import dns.query
import dns.zone
import httpx
import pytest

from tests.e2e.conftest import designate
from tests.e2e.serve import Serve
from tests.e2e.test_serve import wait_active

pytestmark = pytest.mark.e2e

OPEN_FILES = 400
"""The served process's open-files limit (soft = hard, so start-up cannot raise it): the
API's cap becomes 400 - 256 = 144 connections."""


def test_a_20_mb_header_is_refused_before_it_is_read(served: Serve) -> None:
    sent = 0
    with socket.create_connection(("127.0.0.1", served.api_port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: api.test\r\nX-Huge: ")
        deadline = time.monotonic() + 20
        with pytest.raises(ConnectionError):
            while sent < 20 * 1024 * 1024 and time.monotonic() < deadline:
                conn.sendall(b"a" * 65536)
                sent += 65536
    assert sent < 10 * 1024 * 1024  # what loopback's socket buffers took before the reset


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Serve]:
    """`serve` with a 400 open-files limit and a read deadline longer than the test."""
    env = {"ZONEKEEPER_API__READ_TIMEOUT": "120", "ZONEKEEPER_API__KEEP_ALIVE_TIMEOUT": "120"}
    server = Serve(tmp_path / "data", env=env, open_files=OPEN_FILES)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


def half_sent(port: int, count: int) -> list[socket.socket]:
    """``count`` connections each holding a request whose head never ends."""
    held = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(b"GET / HTTP/1.1\r\nHost: api.test\r\n")
        held.append(conn)
    return held


def test_a_flood_past_the_open_files_limit_leaves_mini_dns_transferring(tight: Serve) -> None:
    client = designate(tight.base_url)
    zone = client.zones.create("flood.example.", email="admin@flood.example")
    client.recordsets.create(zone["id"], "www", "A", ["192.0.2.1"])
    wait_active(client, zone["id"])

    held = half_sent(tight.api_port, OPEN_FILES + 200)
    queued: Future[httpx.Response] = ThreadPoolExecutor(1).submit(
        httpx.get, f"{tight.base_url}/", timeout=30
    )
    try:
        transferred = dns.zone.from_xfr(
            dns.query.xfr("127.0.0.1", "flood.example.", port=tight.dns_port, lifetime=10)
        )
        assert transferred.get_rdataset("www", "A") is not None
        assert not queued.done()  # past the cap: waiting in the listen queue
    finally:
        for conn in held:
            conn.close()
    assert queued.result(timeout=30).status_code == 200
    assert not [line for line in tight.lines if "Too many open files" in line]
