"""bind9 beyond the contract: how its failures read, and its limits."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.backends.conftest import SERIAL, Primary
from tests.backends.test_contract import GONE, serial_of, wait_until
from tests.fixtures_servers import HOST, Named, free_port
from zonekeeper import backends
from zonekeeper.backends import bind9

ZONE = backends.ZoneTarget("z1", "example.test.", (backends.Master("127.0.0.1", 5354),))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """An rndc key no server knows."""
    path = tmp_path / "other.key"
    keygen = subprocess.run(["tsig-keygen", "-a", "hmac-sha256", "rndc-key"], capture_output=True)
    path.write_bytes(keygen.stdout)
    return path


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (an rndc that hangs)."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(16)
        yield listener.getsockname()[1]


async def test_a_wrong_rndc_key_says_authentication_failed(named: Named, key_file: Path) -> None:
    backend = backends.load("bind9", named.options(rndc_key_file=str(key_file)))

    with pytest.raises(bind9.Bind9Error) as raised:
        await backend.create_zone(ZONE)

    assert raised.value.reason == "backend_error"
    assert "authentication failed" in str(raised.value)


async def test_no_server_on_the_rndc_port_is_an_error(key_file: Path) -> None:
    backend = backends.load("bind9", {"rndc_port": free_port(), "rndc_key_file": str(key_file)})

    with pytest.raises(backends.BackendError, match="connection refused"):
        await backend.delete_zone(ZONE)


async def test_a_hanging_rndc_is_killed_at_the_timeout(key_file: Path, silent_port: int) -> None:
    options = {"rndc_port": silent_port, "rndc_key_file": str(key_file), "rndc_timeout": 0.3}
    backend = backends.load("bind9", options)
    started = time.monotonic()

    with pytest.raises(bind9.Bind9Error, match="timed out"):
        await backend.delete_zone(ZONE)

    assert time.monotonic() - started < 2


async def test_other_server_failures_carry_rndc_s_result(named: Named) -> None:
    backend = backends.load("bind9", named.options())
    bad_name = backends.ZoneTarget("z2", "bad..test.", ZONE.masters)

    with pytest.raises(bind9.Bind9Error, match=r"addzone bad\.\.test\. .* failed: empty label"):
        await backend.create_zone(bad_name)


async def test_host_names_are_refused_as_masters() -> None:
    backend = backends.load("bind9", {"rndc_bin_path": "/nonexistent/rndc"})
    zone = backends.ZoneTarget("z3", "example.test.", (backends.Master("mdns.example", 53),))

    with pytest.raises(bind9.Bind9Error, match="IP addresses"):
        await backend.create_zone(zone)


async def test_a_missing_rndc_binary_is_an_error() -> None:
    backend = backends.load("bind9", {"rndc_bin_path": "/nonexistent/rndc"})

    with pytest.raises(bind9.Bind9Error, match="cannot run /nonexistent/rndc"):
        await backend.create_zone(ZONE)


async def test_listing_needs_the_statistics_channel() -> None:
    backend = backends.load("bind9", {})

    with pytest.raises(bind9.ListingNotConfigured, match="statistics_url"):
        await backend.list_zones()


async def test_at_most_CONCURRENCY_rndc_processes_run_at_once(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    fake_rndc = tmp_path / "rndc"
    fake_rndc.write_text(f"#!/bin/sh\necho + >> {log}\nsleep 0.2\necho - >> {log}\n")
    fake_rndc.chmod(0o755)
    backend = backends.load("bind9", {"rndc_bin_path": str(fake_rndc)})

    await asyncio.gather(*(backend.delete_zone(ZONE) for _ in range(3 * bind9.CONCURRENCY)))

    running = peak = 0
    for line in log.read_text().split():
        running += 1 if line == "+" else -1
        peak = max(peak, running)
    assert peak == bind9.CONCURRENCY


async def test_a_hard_delete_removes_the_zone_file_and_a_delete_keeps_it(
    named: Named, primary: Primary
) -> None:
    """``X-Designate-Hard-Delete`` reaches BIND as ``delzone -clean`` (Designate's behaviour);
    an ordinary delete leaves the transferred file on the server's disk."""
    backend = backends.load("bind9", named.options(clean_zonefile=False))
    zone = primary.target()
    zone_file = named.directory / f"zk-{zone.id}.db"

    await backend.create_zone(zone)
    await until(zone_file.exists)  # transferred, and written out by named
    await backend.delete_zone(zone)
    await wait_until(named.port, zone.name, "SOA", lambda a: a.rcode() in GONE)
    assert zone_file.exists()

    await backend.create_zone(zone)
    await wait_until(named.port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
    await backend.delete_zone(dataclasses.replace(zone, clean=True))
    await until(lambda: not zone_file.exists())


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{condition} never held"
        await asyncio.sleep(0.05)
