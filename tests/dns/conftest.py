"""Mini-DNS fixtures: a migrated SQLite database (PostgreSQL for the tests that ask), zones and
records written by :class:`Rows` through the service layer (the API's own write path, so what
these tests serve is what the service stores), and a running MiniDns on 127.0.0.1:0."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dns.asyncquery
import dns.flags
import dns.message
import pytest
from sqlalchemy import select

from tests import databases
from zonekeeper.config import DnsSettings, QuotaSettings, Settings, ZoneDefaults
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import ListQuery
from zonekeeper.service import context, imports, pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import records
from zonekeeper.storage.tables import recordsets as recordset_table

NOW = datetime(2024, 1, 1)
"""The service's clock: a fixed one, so a zone's first serial is 1704067200 and every change
adds one."""
ADMIN = context.internal("p1")
Entry = tuple[str, str, str]
"""(owner name, type, data text) of one record."""


@dataclass
class Zone:
    id: str
    name: str
    ttl: int
    serial: int
    """The serial after the last change made through :class:`Rows`."""


class Rows:
    """Creates zones and changes their recordsets through the service layer, as the API does."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        settings = Settings(
            data_dir=data_dir,
            # Large zones and recordsets are what these tests serve: no quota stands in the way.
            quotas=QuotaSettings(
                zones=-1, zone_recordsets=-1, zone_records=-1, recordset_records=-1
            ),
            zones=ZoneDefaults(minimum=300),
        )
        self.env = ServiceEnv(db=db, settings=settings, now=lambda: NOW)

    async def pool(self) -> None:
        """The embedded default pool, as ``serve`` writes it (no nameservers to poll)."""
        await pools.ensure_default_pool(self.env, [])

    async def zone(self, name: str, *, ttl: int = 3600, deleting: bool = False) -> Zone:
        """A zone (its SOA and apex NS written by the service); ``deleting``: its delete
        started, so the nameservers must stop serving it."""
        email = f"admin@{name.rstrip('.')}"
        created = await zones.create(ADMIN, self.env, {"name": name, "email": email, "ttl": ttl})
        if deleting:
            created = await zones.delete(ADMIN, self.env, created.id)
        return Zone(created.id, created.name, created.ttl, created.serial)

    async def imported(self, name: str, entries: Sequence[Entry], *, ttl: int = 3600) -> Zone:
        """A zone with many records at once, imported from a zone file as the API imports one."""
        lines = [
            f"$ORIGIN {name}",
            f"$TTL {ttl}",
            f"@ IN SOA ns1.{name} admin.{name} 1 3600 600 86400 300",
            *(f"{owner} IN {rtype} {data}" for owner, rtype, data in entries),
        ]
        task = await imports.create(ADMIN, self.env)
        done = await imports.run(ADMIN, self.env, task.id, "\n".join(lines) + "\n")
        assert done.zone_id is not None, done.message
        imported = await zones.get(ADMIN, self.env, done.zone_id)
        return Zone(imported.id, imported.name, imported.ttl, imported.serial)

    async def rrset(
        self, zone: Zone, name: str, rtype: str, datas: Sequence[str], ttl: int | None = None
    ) -> int:
        """Create one recordset (``ttl`` None: the zone's TTL applies); the new serial."""
        fields = {"name": name, "type": rtype, "records": list(datas), "ttl": ttl}
        await recordsets.create(ADMIN, self.env, zone.id, fields)
        return await self._serial(zone)

    async def change(
        self, zone: Zone, *, add: Sequence[Entry] = (), remove: Sequence[Entry] = ()
    ) -> int:
        """Add and remove records, one service change per (name, type) touched: a recordset
        created, its records replaced, or deleted once empty. Returns the zone's new serial."""
        touched = dict.fromkeys((name, rtype) for name, rtype, _ in [*remove, *add])
        for name, rtype in touched:
            gone = {d for n, t, d in remove if (n, t) == (name, rtype)}
            new = [d for n, t, d in add if (n, t) == (name, rtype)]
            await self._replace(zone, name, rtype, gone, new)
        return await self._serial(zone)

    async def _replace(
        self, zone: Zone, name: str, rtype: str, gone: set[str], new: list[str]
    ) -> None:
        query = ListQuery(limit=1, filters={"name": name, "type": rtype})
        found = await recordsets.list(ADMIN, self.env, zone.id, query, count=False)
        if not found.items:
            await recordsets.create(
                ADMIN, self.env, zone.id, {"name": name, "type": rtype, "records": new}
            )
            return
        current = found.items[0]
        kept = [r for r in current.records if r not in gone] + new
        if kept:
            await recordsets.update(ADMIN, self.env, zone.id, current.id, {"records": kept})
        else:
            await recordsets.delete(ADMIN, self.env, zone.id, current.id)

    async def _serial(self, zone: Zone) -> int:
        zone.serial = (await zones.get(ADMIN, self.env, zone.id)).serial
        return zone.serial

    async def served(self, zone: Zone) -> set[tuple[str, str, int, str]]:
        """Every record of the zone as (name, type, ttl, canonical text), from the rows."""
        table = recordset_table
        stmt = (
            select(table.c.name, table.c.type, table.c.ttl, records.c.data)
            .select_from(table.join(records, records.c.recordset_id == table.c.id))
            .where(table.c.zone_id == zone.id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {(n, t, zone.ttl if ttl is None else ttl, d) for n, t, ttl, d in rows}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite(tmp_path_factory.mktemp("dns-template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with databases.scratch_postgres("zk_dns") as url:
        yield url


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    with databases.scratch_mariadb("zk_dns") as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "zonekeeper.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def dns_settings() -> DnsSettings:
    return DnsSettings(listen="127.0.0.1:0", tcp_idle_timeout=1.0, axfr_message_bytes=4096)


@pytest.fixture
async def rows(database_url: str, tmp_path: Path) -> AsyncIterator[Rows]:
    db = Database(database_url)
    writer = Rows(db, tmp_path)
    await writer.pool()
    try:
        yield writer
    finally:
        await db.close()


@pytest.fixture
async def server(rows: Rows, dns_settings: DnsSettings) -> AsyncIterator[tuple[MiniDns, int]]:
    """A started MiniDns and its port."""
    mini_dns = MiniDns(rows.db, dns_settings)
    _, port = await mini_dns.start()
    try:
        yield mini_dns, port
    finally:
        await mini_dns.stop()


async def query_udp(
    port: int, name: str, rtype: str, *, use_edns: int | bool = False, payload: int = 1232
) -> dns.message.Message:
    """One UDP query to the server under test (RD off, as a resolver would send it)."""
    query = dns.message.make_query(name, rtype, use_edns=use_edns, payload=payload)
    query.flags &= ~dns.flags.RD
    return await dns.asyncquery.udp(query, "127.0.0.1", port=port, timeout=3)


async def query_tcp(port: int, name: str, rtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rtype)
    return await dns.asyncquery.tcp(query, "127.0.0.1", port=port, timeout=3)
