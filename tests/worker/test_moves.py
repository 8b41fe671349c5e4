"""The worker's pool-move steps against a real mini-DNS (the nameserver of both pools) and an
in-memory backend per pool: the NS set is narrowed only once the new pool serves the zone, the
old pool's target loses the zone only after that, each step is one ``reconcile`` read afresh
from the database; a zone deleted mid-move is deleted from both pools; and the mini-DNS lets
the old pool's servers transfer the zone while it moves."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dns.asyncquery
import dns.message
import dns.name
import dns.rcode
import dns.tsig
import pytest

from tests.worker.conftest import start_dns
from tests.worker.memory_backend import MemoryBackend
from zonekeeper import backends
from zonekeeper.domain.models import DEFAULT_POOL_ID, Status, Zone
from zonekeeper.service import context, pool_moves, propagation, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")
NEW_POOL = "0b6f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, MemoryBackend]]:
    """One MemoryBackend per target, by the target's ``host`` option."""
    made = {"127.0.0.11": MemoryBackend(), "127.0.0.12": MemoryBackend()}
    monkeypatch.setitem(backends.KINDS, "memory", lambda options: made[options["host"]])
    yield made


@pytest.fixture
async def mini_dns(env: ServiceEnv) -> AsyncIterator[tuple[str, int]]:
    server, address = await start_dns(env)
    yield address
    await server.stop()


async def two_pools(env: ServiceEnv, address: tuple[str, int]) -> None:
    def pool(pool_id: str, name: str, host: str) -> pool_rows.Pool:
        return pool_rows.Pool(
            id=pool_id,
            name=name,
            ns_records=({"hostname": f"ns.{name}.example.", "priority": 1},),
            nameservers=({"host": address[0], "port": address[1]},),
            targets=({"type": "memory", "masters": [], "options": {"host": host, "port": 53}},),
            also_notifies=(),
        )

    async with env.db.transaction() as conn:
        await pool_rows.upsert_pool(conn, pool(DEFAULT_POOL_ID, "old", "127.0.0.11"), env.now())
        await pool_rows.upsert_pool(conn, pool(NEW_POOL, "new", "127.0.0.12"), env.now())


async def reconciled(env: ServiceEnv, zone_id: str) -> Zone:
    await Worker(env).reconcile(await zones.get(ADMIN, env, zone_id))
    return await zones.get(ADMIN, env, zone_id)


async def apex_ns(address: tuple[str, int], name: str) -> set[str]:
    query = dns.message.make_query(name, "NS")
    reply = await dns.asyncquery.udp(query, address[0], port=address[1], timeout=2)
    return {rdata.target.to_text() for rdata in reply.answer[0]}


async def test_a_move_goes_step_by_step(
    env: ServiceEnv, servers: dict[str, MemoryBackend], mini_dns: tuple[str, int]
) -> None:
    old, new = servers["127.0.0.11"], servers["127.0.0.12"]
    await two_pools(env, mini_dns)
    zone = await zones.create(ADMIN, env, {"name": "m.example.", "email": "a@m.example"})
    assert (await reconciled(env, zone.id)).status is Status.ACTIVE
    await pool_moves.move(ADMIN, env, zone.id, NEW_POOL)
    assert await apex_ns(mini_dns, "m.example.") == {"ns.old.example.", "ns.new.example."}

    # Step 1: the new pool gets the zone and serves it; the NS set is narrowed (a new serial).
    first = await reconciled(env, zone.id)
    assert (new.zones, old.zones) == ({"m.example."}, {"m.example."})
    assert (first.status, first.moving_from) == (Status.PENDING, DEFAULT_POOL_ID)
    assert await apex_ns(mini_dns, "m.example.") == {"ns.new.example."}
    sync = await propagation.sync(ADMIN, env, zone.id)
    assert {t.target for t in sync.targets} == {"memory 127.0.0.11:53", "memory 127.0.0.12:53"}

    # Step 2 and 3: the narrowed serial is served; the old pool's target loses the zone.
    done = await reconciled(env, zone.id)
    assert (done.status, done.moving_from, done.pool_id) == (Status.ACTIVE, None, NEW_POOL)
    assert (new.zones, old.zones) == ({"m.example."}, set())
    sync = await propagation.sync(ADMIN, env, zone.id)
    assert [t.target for t in sync.targets] == ["memory 127.0.0.12:53"]


async def test_a_move_away_from_the_embedded_pool_ends(
    env: ServiceEnv, servers: dict[str, MemoryBackend], mini_dns: tuple[str, int]
) -> None:
    """The embedded pool's nameserver is a mini-DNS, which serves every zone it holds: the
    move does not wait for it to stop (it never would)."""
    await two_pools(env, mini_dns)
    second, other_address = await start_dns(env)  # the new pool's nameserver, same data
    try:
        async with env.db.transaction() as conn:
            embedded = await pool_rows.get_pool(conn, DEFAULT_POOL_ID)
            new = await pool_rows.get_pool(conn, NEW_POOL)
            assert embedded is not None and new is not None
            target = {"type": "embedded", "masters": [], "options": {}}
            await pool_rows.upsert_pool(conn, _with_targets(embedded, target), env.now())
            host, port = other_address
            moved = dataclasses.replace(new, nameservers=({"host": host, "port": port},))
            await pool_rows.upsert_pool(conn, moved, env.now())
        zone = await zones.create(ADMIN, env, {"name": "e.example.", "email": "a@e.example"})
        assert (await reconciled(env, zone.id)).status is Status.ACTIVE
        await pool_moves.move(ADMIN, env, zone.id, NEW_POOL)
        await reconciled(env, zone.id)  # served by the new pool: narrowed
        done = await reconciled(env, zone.id)
        assert (done.status, done.moving_from) == (Status.ACTIVE, None)
        assert servers["127.0.0.12"].zones == {"e.example."}
    finally:
        await second.stop()


async def test_a_zone_deleted_mid_move_leaves_both_pools(
    env: ServiceEnv, servers: dict[str, MemoryBackend], mini_dns: tuple[str, int]
) -> None:
    await two_pools(env, mini_dns)
    zone = await zones.create(ADMIN, env, {"name": "d.example.", "email": "a@d.example"})
    await reconciled(env, zone.id)
    await pool_moves.move(ADMIN, env, zone.id, NEW_POOL)
    await reconciled(env, zone.id)  # on both pools now
    assert all(server.zones == {"d.example."} for server in servers.values())
    await zones.delete(ADMIN, env, zone.id)
    deleting = await zones.get(ADMIN, env, zone.id)
    await Worker(env).reconcile(deleting)
    async with env.db.read() as conn:
        assert await zone_rows.get(conn, zone.id) is None  # purged
    assert all(server.zones == set() for server in servers.values())


async def test_the_old_pools_servers_may_transfer_while_it_moves(
    env: ServiceEnv, servers: dict[str, MemoryBackend], mini_dns: tuple[str, int]
) -> None:
    await two_pools(env, mini_dns)
    async with env.db.transaction() as conn:  # pools with TSIG keys: only they may transfer
        for pool_id, key in ((DEFAULT_POOL_ID, "old-key"), (NEW_POOL, "new-key")):
            pool = await pool_rows.get_pool(conn, pool_id)
            assert pool is not None
            target: dict[str, Any] = dict(pool.targets[0])
            target["options"] = {**target["options"], "tsigkey_name": key, "tsigkey_secret": SECRET}
            await pool_rows.upsert_pool(conn, _with_targets(pool, target), env.now())
    zone = await zones.create(ADMIN, env, {"name": "t.example.", "email": "a@t.example"})
    assert await axfr_rcode(mini_dns, "t.example.", "old-key") == dns.rcode.NOERROR
    await pool_moves.move(ADMIN, env, zone.id, NEW_POOL)
    assert await axfr_rcode(mini_dns, "t.example.", "old-key") == dns.rcode.NOERROR
    assert await axfr_rcode(mini_dns, "t.example.", "new-key") == dns.rcode.NOERROR
    async with env.db.transaction() as conn:  # the move over: the old pool's key is refused
        await zone_rows.update_zone(conn, zone.id, {"moving_from_pool_id": None})
    assert await axfr_rcode(mini_dns, "t.example.", "old-key") != dns.rcode.NOERROR


SECRET = "cHJvYmUtc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWYwMTI="


def _with_targets(pool: pool_rows.Pool, target: dict[str, Any]) -> pool_rows.Pool:
    return dataclasses.replace(pool, targets=(target,))


async def axfr_rcode(address: tuple[str, int], name: str, key: str) -> int | None:
    """The rcode of an AXFR of ``name`` signed with ``key``; None when the answer cannot be
    verified (a key the server does not know)."""
    keyname = dns.name.from_text(key)
    query = dns.message.make_query(name, "AXFR")
    query.use_tsig({keyname: dns.tsig.Key(keyname, base64.b64decode(SECRET))}, keyname=keyname)
    try:
        reply = await dns.asyncquery.tcp(query, address[0], port=address[1], timeout=2)
    except dns.tsig.PeerError:
        return None
    return reply.rcode()
