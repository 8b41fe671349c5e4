"""An in-memory ``Backend`` for worker tests: it keeps the zones it was given, counts every
call, and can be told to fail the next calls on the server's side (a transient
``BackendError``, as PowerDNS's HTTP 5xx is)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from zonekeeper import backends
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows

KIND = "memory"
TARGET: Mapping[str, Any] = {"type": KIND, "masters": [], "options": {}}


class MemoryBackend:
    def __init__(self) -> None:
        self.zones: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.failures = 0
        """How many of the next create/delete/refresh calls fail with a transient error."""

    async def create_zone(self, zone: backends.ZoneTarget) -> None:
        self._call("create_zone")
        self.zones.add(zone.name)

    async def delete_zone(self, zone: backends.ZoneTarget) -> None:
        self._call("delete_zone")
        self.zones.discard(zone.name)

    async def refresh_zone(self, zone: backends.ZoneTarget) -> None:
        self._call("refresh_zone")

    async def list_zones(self) -> set[str]:
        return set(self.zones)

    def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.failures > 0:
            self.failures -= 1
            raise backends.BackendError("HTTP 500: database is locked", transient=True)


@contextmanager
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryBackend]:
    """One MemoryBackend, which every worker loads for the ``memory`` target type."""
    backend = MemoryBackend()
    monkeypatch.setitem(backends.KINDS, KIND, lambda options: backend)
    yield backend


async def memory_pool(env: ServiceEnv, nameservers: list[tuple[str, int]]) -> None:
    """Make the default pool one ``memory`` target polled at ``nameservers``."""
    pool = pool_rows.Pool(
        id=DEFAULT_POOL_ID,
        name="default",
        ns_records=({"hostname": "ns1.example.net.", "priority": 1},),
        nameservers=tuple({"host": h, "port": p} for h, p in nameservers),
        targets=(TARGET,),
        also_notifies=(),
    )
    async with env.db.transaction() as conn:
        await pool_rows.upsert_pool(conn, pool, env.now())
