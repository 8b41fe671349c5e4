"""Mini-DNS fixtures: a migrated SQLite database (PostgreSQL for the tests that ask), rows
written straight into the tables by :class:`Rows`, and a running MiniDns on 127.0.0.1:0."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dns.asyncquery
import dns.flags
import dns.message
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from sqlalchemy import delete, insert, select, update

from tests import databases
from zonekeeper.config import DnsSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.storage.database import Database
from zonekeeper.storage.tables import pools, records, recordsets, zone_changes, zones

NOW = datetime(2024, 1, 1)
NS_HOST = "ns1.zonekeeper.test."
Entry = tuple[str, str, str]
"""(owner name, type, data text) of one record."""


def soa_text(zone: str, serial: int) -> str:
    return f"{NS_HOST} admin.{zone} {serial} 3600 600 86400 300"


def wire(rtype: str, data: str) -> bytes:
    rdtype = dns.rdatatype.from_text(rtype)
    return dns.rdata.from_text(dns.rdataclass.IN, rdtype, data).to_digestable()


@dataclass
class Zone:
    id: str
    name: str
    ttl: int
    serial: int


class Rows:
    """Writes zones, rrsets and journal entries the way the service layer stores them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def pool(self) -> None:
        """The default pool, unless a test before this one in the same database made it."""
        async with self.db.transaction() as conn:
            found = await conn.execute(select(pools.c.id).where(pools.c.id == DEFAULT_POOL_ID))
            if found.first() is not None:
                return
            await conn.execute(
                insert(pools).values(
                    id=DEFAULT_POOL_ID, name="default", attributes={}, ns_records=[],
                    nameservers=[], targets=[], also_notifies=[], created_at=NOW,
                )
            )  # fmt: skip

    async def zone(
        self, name: str, *, ttl: int = 3600, serial: int = 1, action: str = "NONE"
    ) -> Zone:
        """A zone with its SOA and apex NS rows."""
        zone = Zone(str(uuid.uuid4()), name, ttl, serial)
        async with self.db.transaction() as conn:
            await conn.execute(insert(zones).values(**_zone_row(zone, action)))
        await self.rrset(zone, name, "SOA", [soa_text(name, serial)])
        await self.rrset(zone, name, "NS", [NS_HOST])
        return zone

    async def rrset(
        self, zone: Zone, name: str, rtype: str, datas: Sequence[str], ttl: int | None = None
    ) -> None:
        """One recordset with its records (``ttl`` None: the zone's TTL applies)."""
        await self.bulk(zone, [(name, rtype, data) for data in datas], ttl)

    async def bulk(self, zone: Zone, entries: Sequence[Entry], ttl: int | None = None) -> None:
        """Many records at once, one recordset per (name, type)."""
        sets: dict[tuple[str, str], str] = {}
        set_rows: list[dict[str, Any]] = []
        record_rows: list[dict[str, Any]] = []
        for name, rtype, data in entries:
            key = (name, rtype)
            if key not in sets:
                sets[key] = str(uuid.uuid4())
                set_rows.append(_recordset_row(zone, sets[key], name, rtype, ttl))
            record_rows.append(_record_row(zone, sets[key], rtype, data))
        async with self.db.transaction() as conn:
            await conn.execute(insert(recordsets), set_rows)
            await conn.execute(insert(records), record_rows)

    async def change(
        self, zone: Zone, *, add: Sequence[Entry] = (), remove: Sequence[Entry] = ()
    ) -> int:
        """Apply one change as the service does: rows, SOA, serial and journal. Returns the
        new serial."""
        old, new = zone.serial, zone.serial + 1
        removed = [[zone.name, "SOA", zone.ttl, soa_text(zone.name, old)]]
        removed += [[n, t, zone.ttl, d] for n, t, d in remove]
        added = [[zone.name, "SOA", zone.ttl, soa_text(zone.name, new)]]
        added += [[n, t, zone.ttl, d] for n, t, d in add]
        for name, rtype, data in remove:
            await self._remove(zone, name, rtype, data)
        await self.bulk(zone, add)
        await self._set_serial(zone, new)
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(zone_changes).values(
                    zone_id=zone.id, from_serial=old, to_serial=new,
                    removed=removed, added=added, created_at=NOW,
                )
            )  # fmt: skip
        zone.serial = new
        return new

    async def _remove(self, zone: Zone, name: str, rtype: str, data: str) -> None:
        async with self.db.transaction() as conn:
            set_id = (
                await conn.execute(
                    select(recordsets.c.id).where(
                        recordsets.c.zone_id == zone.id,
                        recordsets.c.name == name,
                        recordsets.c.type == rtype,
                    )
                )
            ).scalar_one()
            await conn.execute(
                delete(records).where(records.c.recordset_id == set_id, records.c.data == data)
            )

    async def _set_serial(self, zone: Zone, serial: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(update(zones).where(zones.c.id == zone.id).values(serial=serial))
            soa_set = select(recordsets.c.id).where(
                recordsets.c.zone_id == zone.id, recordsets.c.type == "SOA"
            )
            data = soa_text(zone.name, serial)
            await conn.execute(
                update(records)
                .where(records.c.recordset_id == soa_set.scalar_subquery())
                .values(data=data, rdata=wire("SOA", data))
            )

    async def served(self, zone: Zone) -> set[tuple[str, str, int, str]]:
        """Every record of the zone as (name, type, ttl, canonical text), from the rows."""
        stmt = (
            select(recordsets.c.name, recordsets.c.type, recordsets.c.ttl, records.c.data)
            .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
            .where(recordsets.c.zone_id == zone.id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {(n, t, zone.ttl if ttl is None else ttl, d) for n, t, ttl, d in rows}


def _zone_row(zone: Zone, action: str) -> dict[str, Any]:
    return {
        "id": zone.id, "project_id": "p1", "pool_id": DEFAULT_POOL_ID, "name": zone.name,
        "email": f"admin@{zone.name.rstrip('.')}", "ttl": zone.ttl, "serial": zone.serial,
        "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 300, "status": "ACTIVE",
        "action": action, "type": "PRIMARY", "masters": [], "attributes": {}, "version": 1,
        "created_at": NOW, "attempts": 0,
    }  # fmt: skip


def _recordset_row(
    zone: Zone, set_id: str, name: str, rtype: str, ttl: int | None
) -> dict[str, Any]:
    return {
        "id": set_id, "zone_id": zone.id, "project_id": "p1", "name": name, "type": rtype,
        "ttl": ttl, "managed": rtype in ("SOA", "NS") and name == zone.name,
        "status": "ACTIVE", "action": "NONE", "serial": zone.serial, "version": 1,
        "created_at": NOW,
    }  # fmt: skip


def _record_row(zone: Zone, set_id: str, rtype: str, data: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "recordset_id": set_id, "zone_id": zone.id, "data": data,
        "rdata": wire(rtype, data), "managed": False,
    }  # fmt: skip


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
async def rows(database_url: str) -> AsyncIterator[Rows]:
    db = Database(database_url)
    writer = Rows(db)
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
