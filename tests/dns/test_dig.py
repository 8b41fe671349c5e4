"""The mini-DNS through BIND's `dig`, as an operator would try it. `make test` installs
bind9-dnsutils; a missing `dig` fails these tests rather than skipping them."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass

import pytest

from tests.dns.conftest import Rows
from zonekeeper.dns.server import MiniDns


@dataclass
class Served:
    port: int
    imported_serial: int
    """The zone's serial before its last change."""
    serial: int


@pytest.fixture
async def served(rows: Rows, server: tuple[MiniDns, int]) -> Served:
    many = [(f"h{i}.example.org.", "A", f"10.0.{i // 256}.{i % 256}") for i in range(600)]
    zone = await rows.imported("example.org.", [("www.example.org.", "A", "192.0.2.1"), *many])
    imported = zone.serial
    serial = await rows.change(zone, add=[("new.example.org.", "TXT", '"fresh"')])
    return Served(server[1], imported, serial)


async def dig(port: int, *args: str) -> str:
    binary = shutil.which("dig")
    if binary is None:
        pytest.fail("`dig` is not installed: apt-get install -y bind9-dnsutils")
    process = await asyncio.create_subprocess_exec(
        binary, "@127.0.0.1", "-p", str(port), "+tries=1", "+time=3", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_dig_answers_a_query(served: Served) -> None:
    port = served.port
    output = await dig(port, "www.example.org", "+norec")
    assert "status: NOERROR" in output and " aa" in output.split("flags:")[1].split(";")[0]
    assert "www.example.org.\t3600\tIN\tA\t192.0.2.1" in output.replace(" ", "\t")
    output = await dig(port, "missing.example.org")
    assert "status: NXDOMAIN" in output
    output = await dig(port, "www.example.net")
    assert "status: REFUSED" in output


async def test_dig_transfers_the_zone(served: Served) -> None:
    port = served.port
    output = await dig(port, "example.org", "AXFR", "+noall", "+answer")
    lines = [line.split() for line in output.splitlines() if line and not line.startswith(";")]
    assert len(lines) == 600 + 5  # SOA, NS, www, new, SOA again and the 600 hosts
    assert lines[0][3] == "SOA" and lines[-1] == lines[0] and lines[0][6] == str(served.serial)
    output = await dig(port, "example.org", f"IXFR={served.imported_serial}", "+noall", "+answer")
    lines = [line.split() for line in output.splitlines() if line and not line.startswith(";")]
    assert [(line[3], line[-1] if line[3] == "TXT" else "") for line in lines] == [
        ("SOA", ""), ("SOA", ""), ("SOA", ""), ("TXT", '"fresh"'), ("SOA", ""),
    ]  # fmt: skip
