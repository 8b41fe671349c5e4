"""Backend fixtures: the real secondaries (from tests.fixtures_servers), a MiniDns primary
serving one zone from a scratch SQLite database, and ``secondary``, one backend plus the DNS
port of the server it drives, parametrized over every kind that has a real server here."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest

from tests import databases
from tests.dns.conftest import NOW, Rows, Zone
from tests.fixtures_servers import (  # noqa: F401 (fixtures)
    Named,
    Pdns,
    named,
    pdns,
    restart_named,
    restart_pdns,
)
from zonekeeper import backends
from zonekeeper.config import DnsSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.storage.database import Database

ZONE = "contract.test."
SERIAL = int(NOW.replace(tzinfo=UTC).timestamp())
"""The serial of a zone the service creates at ``NOW``, the service clock of these tests."""
WWW = ("www.contract.test.", "A", "192.0.2.10")


@dataclass
class Primary:
    """A running MiniDns that serves ``zone``."""

    host: str
    port: int
    zone: Zone
    rows: Rows
    """Changes the zone as the service would (``rows.change``)."""
    mini_dns: MiniDns

    def target(self) -> backends.ZoneTarget:
        return backends.ZoneTarget(
            self.zone.id, self.zone.name, (backends.Master(self.host, self.port),)
        )


@dataclass
class Secondary:
    kind: str
    backend: backends.Backend
    server: Named | Pdns

    @property
    def port(self) -> int:
        """The server's DNS port on 127.0.0.1."""
        return self.server.port

    def restart(self) -> None:
        """Stop the server and start it again with the same configuration and data."""
        if isinstance(self.server, Named):
            restart_named(self.server)
        else:
            restart_pdns(self.server)


@pytest.fixture(scope="session")
def backends_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite(tmp_path_factory.mktemp("backends-template"))


@pytest.fixture
async def primary(tmp_path: Path, backends_template: Path) -> AsyncIterator[Primary]:
    path = tmp_path / "zonekeeper.sqlite"
    shutil.copy(backends_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    mini_dns = MiniDns(db, DnsSettings(listen="127.0.0.1:0"))
    try:
        rows = Rows(db, tmp_path)
        await rows.pool()
        zone = await rows.imported(ZONE, [WWW, ("contract.test.", "MX", "10 mail.contract.test.")])
        assert zone.serial == SERIAL
        host, port = await mini_dns.start()
        yield Primary(host, port, zone, rows, mini_dns)
    finally:
        await mini_dns.stop()
        await db.close()


@pytest.fixture(params=["bind9", "pdns4"])
def secondary(request: pytest.FixtureRequest) -> Secondary:
    """The backend of one kind, wired to a fresh real server of that kind."""
    kind: str = request.param
    server: Named | Pdns = request.getfixturevalue("named" if kind == "bind9" else "pdns")
    return Secondary(kind, backends.load(kind, server.options()), server)
