"""Rules checked by reading before writing, raced by concurrent clients on every database.

Each client is its own ``Database`` (its own engine and connections) on PostgreSQL and
MariaDB, so the transactions truly overlap on the server; on SQLite the clients share one
``Database``, whose writers take turns by design (two engines would only meet SQLite's
"database is locked"). Run before the fixes, the zone quota let 16 of 16 creates through and
the subzone race let both creates through in about a third of the rounds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from tests.service.conftest import member
from tests.service.helpers import make_recordset, make_zone
from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery
from zonekeeper.service import zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database

T = TypeVar("T")
Clients = Callable[[int], Awaitable[list[ServiceEnv]]]


@pytest.fixture
async def clients(env: ServiceEnv) -> AsyncIterator[Clients]:
    """``await clients(n)``: n service environments on the test's database."""
    opened: list[Database] = []

    async def make(count: int) -> list[ServiceEnv]:
        if env.db.is_sqlite:
            return [env] * count
        fresh = [Database(env.db.url) for _ in range(count)]
        opened.extend(fresh)
        # Connect them all first, so the race below is between transactions, not handshakes.
        for db in fresh:
            async with db.read():
                pass
        return [ServiceEnv(db=db, settings=env.settings, now=env.now) for db in fresh]

    yield make
    for db in opened:
        await db.close()


async def race(*calls: Awaitable[T]) -> list[T | BaseException]:
    """Run ``calls`` at once; each one's result or the exception it raised."""
    return await asyncio.gather(*calls, return_exceptions=True)


def succeeded(results: list[Any]) -> list[Any]:
    return [r for r in results if not isinstance(r, BaseException)]


async def test_the_zone_quota_holds_against_concurrent_creates(
    env: ServiceEnv, clients: Clients
) -> None:
    env.settings.quotas.zones = 10
    racers = await clients(16)
    results = await race(
        *(make_zone(member(), racer, f"z{i}.example.") for i, racer in enumerate(racers))
    )
    assert len(succeeded(results)) == 10
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, errors.OverQuota) for r in refused), refused
    assert (await zones.list(member(), env, ListQuery(limit=100))).total_count == 10


async def test_a_subzone_and_its_parent_of_another_project_never_both_succeed(
    env: ServiceEnv, clients: Clients
) -> None:
    env.settings.quotas.zones = 100
    owner, thief = await clients(2)
    for round_ in range(20):
        parent = f"p{round_}.example."
        results = await race(
            make_zone(member("a"), owner, parent), make_zone(member("b"), thief, "c." + parent)
        )
        made = succeeded(results)
        assert len(made) == 1, results
        refused = next(r for r in results if isinstance(r, BaseException))
        assert isinstance(refused, errors.IllegalChild | errors.IllegalParent), refused
        if made[0].project_id == "a":  # the owner can still delete what it won
            await zones.delete(member("a"), env, made[0].id)


async def test_the_recordset_quota_holds_against_concurrent_creates(
    env: ServiceEnv, clients: Clients
) -> None:
    env.settings.quotas.zone_recordsets = 10  # the SOA and NS count too
    zone = await make_zone(member(), env)
    racers = await clients(12)
    results = await race(
        *(
            make_recordset(member(), racer, zone, f"r{i}.{zone.name}")
            for i, racer in enumerate(racers)
        )
    )
    assert len(succeeded(results)) == 8
    assert all(isinstance(r, errors.OverQuota) for r in results if isinstance(r, BaseException))
