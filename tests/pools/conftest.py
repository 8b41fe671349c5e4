"""Pool tests: storage-touching ones run on SQLite (a copy of a migrated template in tmp_path)
and on PostgreSQL at 127.0.0.1:5432 (a scratch database per session; missing fails)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests import databases
from tests.service.conftest import Clock
from zonekeeper.config import Settings
from zonekeeper.service import pools
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage.database import Database

NAMESERVERS = [("127.0.0.1", 5354)]

BIND9_POOL: dict[str, Any] = {
    "name": "default",
    "description": "Default Pool",
    "attributes": {},
    "ns_records": [
        {"hostname": "ns1-1.example.org.", "priority": 1},
        {"hostname": "ns1-2.example.org.", "priority": 2},
    ],
    "nameservers": [{"host": "192.0.2.2", "port": 53}, {"host": "192.0.2.3", "port": 53}],
    "targets": [
        {
            "type": "bind9",
            "description": "BIND9 Server 1",
            "masters": [{"host": "192.0.2.1", "port": 5354}],
            "options": {
                "host": "192.0.2.2",
                "port": 53,
                "rndc_host": "192.0.2.2",
                "rndc_port": 953,
                "rndc_key_file": "/etc/designate/rndc.key",
            },
        }
    ],
    "also_notifies": [{"host": "192.0.2.4", "port": 53}],
}
"""Designate's ``pools.yaml.sample`` (bind9), as parsed YAML."""

PDNS4_POOL: dict[str, Any] = {
    "id": "cf2e8eab-76cd-4162-bf76-8aeee3556de0",
    "name": "pdns",
    "description": "PowerDNS pool",
    "attributes": {"tier": "gold"},
    "ns_records": [{"hostname": "ns1.pdns.example.net.", "priority": 1}],
    "nameservers": [{"host": "192.0.2.9", "port": 53}],
    "targets": [
        {
            "type": "pdns4",
            "description": "PowerDNS4 DNS Server",
            "masters": [{"host": "192.0.2.1", "port": 5354}],
            "options": {
                "host": "192.0.2.9",
                "port": 53,
                "api_endpoint": "http://192.0.2.9:8081",
                "api_token": "api_key",
            },
        }
    ],
    "catalog_zone": {"catalog_zone_fqdn": "cat.example.net.", "catalog_zone_refresh": 60},
}
"""Designate's pdns4 sample shape, with a catalog zone (accepted, not stored)."""


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
async def env(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[ServiceEnv]:
    """A ServiceEnv on an empty database holding only the embedded default pool."""
    db = Database(database_url)
    await databases.empty(db)
    service_env = ServiceEnv(db=db, settings=Settings(data_dir=tmp_path), now=clock.now)
    await pools.ensure_default_pool(service_env, NAMESERVERS)
    try:
        yield service_env
    finally:
        await db.close()
