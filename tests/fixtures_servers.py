"""Real secondary nameservers for tests: BIND 9 (``named``) and PowerDNS (``pdns``).

Each fixture starts the daemon in the foreground as a child of the test process, in its own
temp directory, on free loopback ports, waits until both its DNS port and its control channel
answer, and stops it with SIGTERM afterwards (SIGKILL if it lingers). A missing binary FAILS the
test, never skips it: install the Debian packages ``bind9 bind9-utils pdns-server
pdns-backend-sqlite3 sqlite3``.

Other test packages use them with ``from tests.fixtures_servers import named, pdns  # noqa: F401``
in their conftest.py.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import httpx
import pytest

HOST = "127.0.0.1"
READY_TIMEOUT = 10.0
"""Seconds a daemon gets to answer on DNS and its control channel (it usually takes ~0.3 s)."""
STOP_TIMEOUT = 5.0
PDNS_SCHEMA = Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
PACKAGES = "bind9 bind9-utils pdns-server pdns-backend-sqlite3 sqlite3"


@dataclass
class Named:
    """A running ``named``: DNS on ``port``, rndc on ``rndc_port``, JSON statistics on
    ``stats_port``, all on 127.0.0.1."""

    directory: Path
    process: subprocess.Popen[bytes]
    port: int
    rndc_port: int
    stats_port: int

    @property
    def key_file(self) -> Path:
        return self.directory / "rndc.key"

    @property
    def log_file(self) -> Path:
        return self.directory / "named.stderr"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Options for the ``bind9`` backend, as a pools.yaml target would give them."""
        options: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "rndc_host": HOST,
            "rndc_port": self.rndc_port,
            "rndc_key_file": str(self.key_file),
            "rndc_timeout": 5,
            "clean_zonefile": True,
            "statistics_url": f"http://{HOST}:{self.stats_port}",
        }
        return options | overrides


@dataclass
class Pdns:
    """A running ``pdns_server``: DNS on ``port``, HTTP API on ``api_port``."""

    directory: Path
    process: subprocess.Popen[bytes]
    port: int
    api_port: int
    api_key: str

    @property
    def api_endpoint(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def log_file(self) -> Path:
        return self.directory / "pdns.log"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Options for the ``pdns4`` backend, as a pools.yaml target would give them."""
        options: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "api_endpoint": self.api_endpoint,
            "api_token": self.api_key,
        }
        return options | overrides


@pytest.fixture
def named(tmp_path: Path) -> Iterator[Named]:
    """A fresh ``named`` that accepts zones added at run time."""
    server = start_named(tmp_path / "named")
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture
def pdns(tmp_path: Path) -> Iterator[Pdns]:
    """A fresh PowerDNS secondary (gsqlite3) with its HTTP API on."""
    server = start_pdns(tmp_path / "pdns")
    try:
        yield server
    finally:
        stop(server.process)


def start_named(directory: Path, tsig: tuple[str, str] | None = None, options: str = "") -> Named:
    """Configure and start ``named`` in ``directory``; fails the test if it cannot.
    ``tsig`` (name, base64 secret) defines an hmac-sha256 TSIG key in named.conf, as an
    operator must for a pool target with a key; ``options`` are added to ``options { }``."""
    keygen = _binary("tsig-keygen")
    directory.mkdir(parents=True)
    port, rndc_port, stats_port = free_port(), free_port(), free_port()
    key = subprocess.run([keygen, "-a", "hmac-sha256", "rndc-key"], check=True, capture_output=True)
    (directory / "rndc.key").write_bytes(key.stdout)
    conf = _named_conf(directory, port, rndc_port, stats_port, options)
    if tsig is not None:
        conf += f'key "{tsig[0]}" {{ algorithm hmac-sha256; secret "{tsig[1]}"; }};\n'
    (directory / "named.conf").write_text(conf)
    return _launch_named(directory, port, rndc_port, stats_port)


def restart_named(server: Named) -> None:
    """Stop ``server`` and start it again, in place, with the same configuration, ports and
    zones (so the fixture that started it still stops it)."""
    stop(server.process)
    restarted = _launch_named(server.directory, server.port, server.rndc_port, server.stats_port)
    server.process = restarted.process


def _launch_named(directory: Path, port: int, rndc_port: int, stats_port: int) -> Named:
    named_bin, rndc_bin = _binary("named"), _binary("rndc")
    # -g: foreground, and every log line (start-up ones too) to stderr, i.e. named.stderr.
    with (directory / "named.stderr").open("ab") as log:
        process = subprocess.Popen(
            [named_bin, "-g", "-c", str(directory / "named.conf")], stdout=log, stderr=log
        )
    server = Named(directory, process, port, rndc_port, stats_port)
    rndc = [rndc_bin, "-s", HOST, "-p", str(rndc_port), "-k", str(server.key_file), "status"]
    _wait_ready(process, directory / "named.stderr", port, lambda: _runs(rndc))
    return server


def _named_conf(
    directory: Path, port: int, rndc_port: int, stats_port: int, options: str = ""
) -> str:
    return f"""
include "{directory}/rndc.key";
options {{
    directory "{directory}";
    pid-file "{directory}/named.pid";
    session-keyfile "{directory}/session.key";
    managed-keys-directory "{directory}";
    listen-on port {port} {{ {HOST}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    allow-new-zones yes;
    notify no;
    {options}
}};
controls {{
    inet {HOST} port {rndc_port} allow {{ {HOST}; }} keys {{ "rndc-key"; }};
}};
statistics-channels {{
    inet {HOST} port {stats_port} allow {{ {HOST}; }};
}};
"""


def start_pdns(directory: Path) -> Pdns:
    """Configure and start ``pdns_server`` in ``directory``; fails the test if it cannot."""
    sqlite_bin = _binary("sqlite3")
    if not PDNS_SCHEMA.exists():
        pytest.fail(f"{PDNS_SCHEMA} is missing: install the Debian packages {PACKAGES}")
    directory.mkdir(parents=True)
    database = directory / "pdns.sqlite3"
    with PDNS_SCHEMA.open("rb") as schema:
        subprocess.run([sqlite_bin, str(database)], stdin=schema, check=True)
    port, api_port, api_key = free_port(), free_port(), "test-api-key"
    (directory / "pdns.conf").write_text(_pdns_conf(directory, database, port, api_port, api_key))
    return _launch_pdns(directory, port, api_port, api_key)


def restart_pdns(server: Pdns) -> None:
    """Stop ``server`` and start it again, in place, with the same configuration, ports and
    zones (its SQLite database)."""
    stop(server.process)
    server.process = _launch_pdns(
        server.directory, server.port, server.api_port, server.api_key
    ).process


def _launch_pdns(directory: Path, port: int, api_port: int, api_key: str) -> Pdns:
    pdns_bin = _binary("pdns_server")
    with (directory / "pdns.log").open("ab") as log:
        process = subprocess.Popen(
            [pdns_bin, f"--config-dir={directory}"], stdout=log, stderr=subprocess.STDOUT
        )
    server = Pdns(directory, process, port, api_port, api_key)
    api = f"{server.api_endpoint}/api/v1/servers/localhost"
    _wait_ready(process, server.log_file, port, lambda: _http_ok(api, api_key))
    return server


def _pdns_conf(directory: Path, database: Path, port: int, api_port: int, api_key: str) -> str:
    return f"""
launch=gsqlite3
gsqlite3-database={database}
local-address={HOST}
local-port={port}
socket-dir={directory}
daemon=no
guardian=no
disable-syslog=yes
loglevel=6
secondary=yes
primary=no
webserver=yes
webserver-address={HOST}
webserver-port={api_port}
webserver-allow-from={HOST}
api=yes
api-key={api_key}
"""


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after ``STOP_TIMEOUT``; always reaps the child."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A loopback port free for both TCP and UDP right now (a small race remains)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((HOST, 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((HOST, port))
                except OSError:
                    continue
                return port


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if found is None:
        pytest.fail(f"{name} not found: install the Debian packages {PACKAGES}")
    return found


def _wait_ready(
    process: subprocess.Popen[bytes], log: Path, port: int, control_ready: Callable[[], bool]
) -> None:
    """Until DNS answers on ``port`` and then ``control_ready()``; else stop it and fail."""
    deadline = time.monotonic() + READY_TIMEOUT
    checks: list[Callable[[], bool]] = [lambda: _dns_answers(port), control_ready]
    for check in checks:
        while not check():
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"{process.args!r} did not start; its log:\n{_tail(log)}")
            time.sleep(0.05)


def _dns_answers(port: int) -> bool:
    """Any response counts (REFUSED for a zone it does not serve is the usual one)."""
    query = dns.message.make_query("ready.invalid.", "SOA")
    try:
        dns.query.udp(query, HOST, port=port, timeout=0.2)
    except (dns.exception.Timeout, OSError):
        return False
    return True


def _runs(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, timeout=5).returncode == 0


def _http_ok(url: str, api_key: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url, headers={"X-API-Key": api_key}, timeout=1).status_code == 200
    return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(no log: {error})"
