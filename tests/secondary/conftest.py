"""A real BIND as the primary of SECONDARY zones, and `zonekeeper serve` transferring from it.

``primary`` is a ``named`` (tests.fixtures_servers) serving zones added with ``rndc addzone``
from zone files it writes; ``served`` a `zonekeeper serve` with short transfer timeouts. Both
live for the whole module; each test uses zones of its own.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest

from tests.e2e.serve import Serve
from tests.fixtures_servers import HOST, Named, _binary, start_named, stop

DEADLINE = 20.0
"""Seconds a condition gets to become true (it usually takes well under one)."""
T = TypeVar("T")
TSIG = ("sec-xfr-key", "c2Vjb25kYXJ5IHpvbmUgdHJhbnNmZXIga2V5IGZvciB0ZXN0cw==")
"""A key the primary knows: zones added with ``allow='key "sec-xfr-key";'`` need it."""


@dataclass
class Primary:
    """The BIND primary: ``add`` a zone, ``publish`` a new version of it."""

    server: Named

    @property
    def master(self) -> str:
        return f"{HOST}:{self.server.port}"

    def add(self, zone: str, serial: int, records: list[str], notify_port: int | None,
            timers: str = "3600 600 86400 300", allow: str = "any;") -> None:  # fmt: skip
        """Serve ``zone`` at ``serial`` with ``records`` (zone-file lines, relative names), its
        SOA refresh, retry, expire and minimum from ``timers``; NOTIFY 127.0.0.1:``notify_port``
        on each change (none when None); transfers to ``allow`` (an address match list)."""
        self.write(zone, serial, records, timers)
        notify = (
            f"notify explicit; also-notify {{ {HOST} port {notify_port}; }};"
            if notify_port
            else "notify no;"
        )
        config = (
            f'{{ type primary; file "{zone}db"; allow-transfer {{ {allow} }}; {notify} '
            "ixfr-from-differences yes; max-ixfr-ratio unlimited; };"
        )
        self.rndc("addzone", zone, config)

    def publish(self, zone: str, serial: int, records: list[str],
                timers: str = "3600 600 86400 300") -> None:  # fmt: skip
        """Replace the zone's content and reload it (BIND then NOTIFYs, if told to)."""
        self.write(zone, serial, records, timers)
        self.rndc("reload", zone)

    def write(self, zone: str, serial: int, records: list[str], timers: str) -> None:
        lines = [
            f"$ORIGIN {zone}",
            "$TTL 300",
            f"@ SOA ns1.{zone} hostmaster.{zone} {serial} {timers}",
            f"@ NS ns1.{zone}",
            "ns1 A 192.0.2.1",
            *records,
        ]
        (self.server.directory / f"{zone}db").write_text("\n".join(lines) + "\n")

    def rndc(self, *args: str) -> None:
        command = [_binary("rndc"), "-s", HOST, "-p", str(self.server.rndc_port)]
        command += ["-k", str(self.server.key_file), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=10)


@pytest.fixture(scope="module")
def primary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Primary]:
    """One BIND for the module (each test uses zones of its own names)."""
    server = start_named(tmp_path_factory.mktemp("primary") / "named", tsig=TSIG)
    try:
        yield Primary(server)
    finally:
        stop(server.process)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One `zonekeeper serve` for the module: starting one takes seconds on a loaded machine."""
    env = {"ZONEKEEPER_WORKER__TRANSFER_TIMEOUT": "1", "ZONEKEEPER_WORKER__TRANSFER_INTERVAL": "1"}
    server = Serve(tmp_path_factory.mktemp("zonekeeper") / "data", env=env)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.terminate()


@pytest.fixture(scope="module")
def api(served: Serve) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        yield client


def eventually(probe: Callable[[], T | None], what: str, deadline: float = DEADLINE) -> T:
    """``probe()``'s first truthy value within ``deadline`` seconds; fails naming ``what``."""
    end = time.monotonic() + deadline
    last: Any = None
    while time.monotonic() < end:
        last = probe()
        if last:
            return last
        time.sleep(0.05)
    pytest.fail(f"{what} not within {deadline} s (last: {last!r})")
