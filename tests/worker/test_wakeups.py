"""Worker wake-ups across processes on PostgreSQL (LISTEN/NOTIFY): two Database handles on one
database stand for two processes."""

from __future__ import annotations

import asyncpg

from zonekeeper.storage.database import Database
from zonekeeper.storage.wakeups import CHANNEL, asyncpg_dsn


async def test_a_commit_elsewhere_wakes_a_listening_worker(postgres_url: str) -> None:
    api, worker = Database(postgres_url), Database(postgres_url)
    try:
        await worker.listen_for_wakeups()
        assert not await worker.wait_for_wakeup(0.2)  # nothing happened yet

        api.wake_worker()
        assert await worker.wait_for_wakeup(5)

        api.wake_worker(everywhere=False)  # a worker's own "look again" stays in its process
        assert not await worker.wait_for_wakeup(0.5)
    finally:
        await api.close()
        await worker.close()


async def test_the_listener_comes_back_after_its_connection_is_killed(postgres_url: str) -> None:
    api, worker = Database(postgres_url), Database(postgres_url)
    admin = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        await worker.listen_for_wakeups()
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE $1",
            f"LISTEN %{CHANNEL}%",
        )
        assert killed == 1
        # Losing the listener wakes the worker (notices may have been lost meanwhile) ...
        assert await worker.wait_for_wakeup(5)
        # ... and it listens again on a new connection.
        for _ in range(100):
            api.wake_worker()
            if await worker.wait_for_wakeup(0.1):
                break
        else:
            raise AssertionError("no wake-up after the listener reconnected")
    finally:
        await admin.close()
        await api.close()
        await worker.close()


async def test_sqlite_needs_no_listener(tmp_path: object) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/zk.sqlite")
    try:
        await db.listen_for_wakeups()  # nothing to do, nothing raised
        db.wake_worker()
        assert await db.wait_for_wakeup(0.1)
    finally:
        await db.close()


async def test_a_notice_sent_just_before_closing_still_arrives(postgres_url: str) -> None:
    cli, worker = Database(postgres_url), Database(postgres_url)
    try:
        await worker.listen_for_wakeups()
        cli.wake_worker()
        await cli.close()  # as a CLI command ends right after its commit
        assert await worker.wait_for_wakeup(5)
    finally:
        await worker.close()


async def test_a_due_transfer_elsewhere_wakes_a_listening_refresher(postgres_url: str) -> None:
    """A NOTIFY taken by a separate `mdns` process starts the transfer in a worker at once."""
    mdns, worker = Database(postgres_url), Database(postgres_url)
    try:
        await worker.listen_for_wakeups()
        assert not await worker.wait_for_transfer_wakeup(0.2)
        mdns.wake_transfers()
        assert await worker.wait_for_transfer_wakeup(5)
    finally:
        await mdns.close()
        await worker.close()
