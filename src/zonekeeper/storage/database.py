"""The database handle: one async engine, write transactions, reads, and the worker wake-up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from zonekeeper.storage import mariadb, sqlite_inline
from zonekeeper.storage.wakeups import Wakeups


class Database:
    """Owns the engine. Write transactions go through :meth:`transaction`.

    On SQLite, writers in this process take turns (one asyncio lock) so they never meet
    SQLite's "database is locked"; readers run beside them thanks to WAL. On PostgreSQL and
    MariaDB, transactions run concurrently and rows are locked explicitly where needed.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect != "sqlite":
            kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=True)
        elif path := make_url(url).database:
            kwargs.update(async_creator=sqlite_inline.creator(path))
        if self.dialect in mariadb.DIALECTS:
            kwargs.update(isolation_level=mariadb.ISOLATION_LEVEL)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.on_transaction: Callable[[float], None] | None = None
        """Told each write transaction's seconds (with SQLite's wait for the writer's turn),
        committed or not: the process's metrics."""
        self._wakeup = asyncio.Event()
        # Secondary zones' transfers are due (a create, a NOTIFY, the xfr task).
        self._transfer_wakeup = asyncio.Event()
        # Other processes' workers hear of our commits and due transfers, and ours of theirs,
        # only on PostgreSQL (one channel wakes both); elsewhere the periodic sweep and the
        # refresher's interval are what reach across processes.
        self._wakeups = Wakeups(url, self._heard) if self.dialect == "postgresql" else None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block exits normally, rolled back otherwise."""
        started = time.perf_counter()
        try:
            if self._write_lock is None:
                async with self.engine.begin() as conn:
                    yield conn
                return
            async with self._write_lock, self.engine.begin() as conn:
                yield conn
        finally:
            if self.on_transaction is not None:
                self.on_transaction(time.perf_counter() - started)

    def connections_in_use(self) -> int:
        """Connections of the pool checked out now (0 when the pool cannot tell)."""
        checkedout = getattr(self.engine.pool, "checkedout", None)
        return int(checkedout()) if callable(checkedout) else 0

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only (it is rolled back at the end)."""
        async with self.engine.connect() as conn:
            yield conn

    def wake_worker(self, *, everywhere: bool = True) -> None:
        """Tell the worker that a committed change waits for it: the one in this process and,
        on PostgreSQL unless ``everywhere`` is False, those of every other process."""
        self._wakeup.set()
        if everywhere and self._wakeups is not None:
            self._wakeups.notify()

    async def listen_for_wakeups(self) -> None:
        """Have :meth:`wait_for_wakeup` return on commits of other processes too (PostgreSQL;
        elsewhere nothing to do). Call it in worker processes before the first wait."""
        if self._wakeups is not None:
            await self._wakeups.listen()

    async def wait_for_wakeup(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for :meth:`wake_worker`; True if woken."""
        # asyncio.timeout, not wait_for: on 3.11, wait_for loses a cancellation that arrives
        # just as the event is set, which left `serve` unable to stop under load.
        try:
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
        except TimeoutError:
            return False
        finally:
            self._wakeup.clear()
        return True

    def _heard(self) -> None:
        self._wakeup.set()
        self._transfer_wakeup.set()

    def wake_transfers(self) -> None:
        """Tell the secondary-zone refreshers that a transfer is due now: this process's and,
        on PostgreSQL, every other process's (a separate `mdns` took the NOTIFY)."""
        self._transfer_wakeup.set()
        if self._wakeups is not None:
            self._wakeups.notify()

    async def wait_for_transfer_wakeup(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for :meth:`wake_transfers`; True if woken."""
        try:
            async with asyncio.timeout(timeout):
                await self._transfer_wakeup.wait()
        except TimeoutError:
            return False
        finally:
            self._transfer_wakeup.clear()
        return True

    async def close(self) -> None:
        if self._wakeups is not None:
            await self._wakeups.close()
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (mini-DNS, lists) run while a writer commits; NORMAL sync is durable
    # across process crashes (only an OS crash can lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
