"""Worker wake-ups across processes on PostgreSQL: LISTEN/NOTIFY on one channel.

Every process that commits changes sends ``NOTIFY zonekeeper_changes`` after its commit; every
worker process listens and wakes at once. A notice is only a hint: a lost one costs latency (the
worker's periodic sweep still finds the zone), never a change, so sending is fire-and-forget
and a broken connection is simply opened again on the next notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import make_url

log = logging.getLogger(__name__)

CHANNEL = "zonekeeper_changes"
CLOSE_GRACE = 1.0
"""Seconds ``close`` waits for a notice still being sent."""


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg takes, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Wakeups:
    """One asyncpg connection per process, opened on first use, for sending and listening."""

    def __init__(self, url: str, on_notice: Callable[[], None]) -> None:
        self._dsn = asyncpg_dsn(url)
        self._on_notice = on_notice
        self._conn: asyncpg.Connection | None = None
        self._listening = False
        self._again = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._relistener: asyncio.Task[None] | None = None
        """Kept, as the loop holds only weak references to tasks."""

    async def listen(self) -> None:
        """Call ``on_notice`` for every notice from now on (raises when PostgreSQL is down:
        a worker that cannot listen should not start)."""
        self._listening = True
        await self._connection()

    def notify(self) -> None:
        """Tell every listening process that a change was committed. Returns at once; notices
        sent while one is in flight are folded into a single next one."""
        self._again.set()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send())

    async def close(self) -> None:
        self._listening = False
        if self._relistener is not None:
            self._relistener.cancel()
        if self._sender is not None:
            # A short-lived process (a CLI command) has its last notice still to send: give it
            # a moment, so that workers hear of the change now rather than at their sweep.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._sender), CLOSE_GRACE)
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=2)
            self._conn = None

    async def _send(self) -> None:
        while self._again.is_set():
            self._again.clear()
            try:
                conn = await self._connection()
                await conn.execute(f"NOTIFY {CHANNEL}")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("cannot send a wake-up notice (the sweep will do): %s", error)
                await self._drop()
                return

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        conn = await asyncpg.connect(self._dsn, timeout=5)
        if self._listening:
            await conn.add_listener(CHANNEL, self._notice)
            conn.add_termination_listener(self._lost)
        self._conn = conn
        return conn

    def _notice(self, *_: Any) -> None:
        self._on_notice()

    def _lost(self, *_: Any) -> None:
        # Listen again on a new connection; wake the worker meanwhile, as notices may be lost.
        if not self._listening:
            return  # closed by us
        log.warning("lost the wake-up connection to PostgreSQL; reconnecting")
        self._conn = None
        self._on_notice()
        self._relistener = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        delay = 0.5
        while self._conn is None:
            try:
                await self._connection()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("wake-up listener: %s; retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
