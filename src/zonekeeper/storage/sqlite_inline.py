"""SQLite for SQLAlchemy's async engine without a thread hop per statement.

aiosqlite runs every call on a helper thread; on this workload (statements of a few
microseconds on a local file) the hop costs ten times the statement: ~400 µs per statement
through SQLAlchemy against ~40 µs inline, which alone capped recordset creates near 100/s.
SQLite statements here are short and, in WAL mode, readers never wait for the writer; this
process's writers take turns on an asyncio lock (``Database.transaction``), so a statement never
waits for a lock either. Running them inline on the event loop is therefore both faster and no
less responsive. The objects below give SQLAlchemy's aiosqlite dialect the small part of
aiosqlite's interface it uses (passed in as ``async_creator``), backed by the stdlib module.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _CursorContext:
    """What ``aiosqlite.Connection.cursor()`` returns: awaited through ``__aenter__``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection.cursor())

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Immediate:
    """Stands in for aiosqlite's work queue, which SQLAlchemy uses to set the isolation level:
    the queued function runs at once, on this thread."""

    def put_nowait(self, item: tuple[asyncio.Future[None], Callable[[], None]]) -> None:
        future, function = item
        try:
            function()
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(None)


class Connection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _Immediate()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _CursorContext:
        return _CursorContext(self._conn)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        self._conn.close()


def creator(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine`` opening ``path``."""

    async def connect() -> Connection:
        # check_same_thread=False: the pool may close a connection from a GC finaliser.
        return Connection(sqlite3.connect(path, check_same_thread=False))

    return connect
