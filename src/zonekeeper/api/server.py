"""The HTTP server: uvicorn, accepting connections only while it has room for them.

uvicorn (through asyncio's ``create_server``) accepts every pending connection at once, so a
flood takes descriptors until the process has none left, and with it the mini-DNS and the
database of the same process. Here one task accepts, one connection at a time, and only
while fewer than ``max_connections`` are open: past the cap, new connections wait in the
kernel's listen queue (costing this process nothing) until one closes. The cap itself is
lowered at start-up to leave RESERVED_DESCRIPTORS of the open-files limit free. Each
connection speaks :class:`~zonekeeper.api.connection.GuardedProtocol`, which bounds what one
client may take (time, head size).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import socket
from collections.abc import Iterator
from typing import Any, Final

import uvicorn

from zonekeeper.api.connection import GuardedProtocol, Limits
from zonekeeper.config import ApiSettings

log = logging.getLogger(__name__)

RESERVED_DESCRIPTORS: Final = 256
"""Descriptors the API's connections never take: left for the mini-DNS, the database pool,
the worker's subprocesses and the logs of the same process."""


class Server(uvicorn.Server):
    """uvicorn with the accept loop described in the module doc, and without its own signal
    handlers: the process's owner handles SIGINT/SIGTERM (and sets ``should_exit``)."""

    def __init__(
        self,
        config: uvicorn.Config,
        limits: Limits,
        max_connections: int,
        listener: socket.socket,
    ) -> None:
        super().__init__(config)
        self.limits = limits
        self.room = asyncio.Semaphore(max_connections)
        self.listener = listener
        self._acceptor: asyncio.Task[None] | None = None
        self._connecting: set[asyncio.Task[None]] = set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await self.lifespan.startup()
        self.servers = []  # uvicorn's own listeners: none, the acceptor replaces them
        self.listener.setblocking(False)
        self._acceptor = asyncio.create_task(self._accept_forever(self.listener))
        self.started = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._acceptor is not None:
            self._acceptor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._acceptor
        self.listener.close()
        await super().shutdown(sockets)

    async def _accept_forever(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.room.acquire()  # released when the connection closes
            try:
                conn, _ = await loop.sock_accept(listener)
            except OSError as error:  # e.g. EMFILE: the reserve was not enough; retry soon
                self.room.release()
                log.warning("API cannot accept a connection: %s", error)
                await asyncio.sleep(0.5)
                continue
            # asyncio sets TCP_NODELAY only on sockets whose proto says TCP, which those of a
            # plain listening socket do not: without it, Nagle's algorithm holds each
            # response's second segment for the client's delayed ACK (about 40 ms).
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Set up in a task of its own, so that the next connection is accepted meanwhile.
            task = asyncio.create_task(self._connect(conn))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(self._protocol, conn)
        except OSError:  # the client left before its connection was set up
            conn.close()
            self.room.release()

    def _protocol(self) -> GuardedProtocol:
        return GuardedProtocol(
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
            limits=self.limits,
            on_closed=self.room.release,
        )


async def start(
    app: Any, settings: ApiSettings, listener: socket.socket, name: str = "API"
) -> tuple[Server, asyncio.Task[None]]:
    """Serve ``app`` on ``listener`` (from :func:`listen`, bound before anything else starts,
    so that an address in use stops the process first); returns once serving (the address is
    logged, after ``name``)."""
    host, port = listener.getsockname()[:2]
    limits = Limits(read_timeout=settings.read_timeout, max_header_bytes=settings.max_header_bytes)
    cap = connection_cap(settings)
    server = Server(config(app, host, port, settings), limits, cap, listener)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
            raise RuntimeError("API server stopped while starting")
        await asyncio.sleep(0.01)
    log.info("%s listening on http://%s:%d", name, *address(server))
    return server, task


def address(server: Server) -> tuple[str, int]:
    """The (URL host, port) ``server`` listens on: IPv6 hosts in brackets."""
    host, port = server.listener.getsockname()[:2]
    try:
        socket.inet_pton(socket.AF_INET6, host)
    except OSError:
        return host, port
    return f"[{host}]", port


def config(app: Any, host: str, port: int, settings: ApiSettings) -> uvicorn.Config:
    """uvicorn's configuration for ``app`` on ``host:port`` (its keep-alive limit from
    ``settings``; the others are :class:`Limits`)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="httptools",
        timeout_keep_alive=max(1, round(settings.keep_alive_timeout)),
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
    )


def connection_cap(settings: ApiSettings) -> int:
    """``settings.max_connections``, or fewer so that RESERVED_DESCRIPTORS of the open-files
    limit stay free (at least 1). Logs a warning when it lowers the cap."""
    wanted = settings.max_connections
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    cap = max(1, min(wanted, soft - RESERVED_DESCRIPTORS))
    if cap < wanted:
        log.warning(
            "api.max_connections lowered from %d to %d: the open-files limit is %d",
            wanted,
            cap,
            soft,
        )
    return cap


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` (the first address ``host`` resolves to; all
    interfaces when empty). Raises OSError (socket.gaierror for a host that does not
    resolve)."""
    family, _, _, _, where = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.create_server(where, family=family, backlog=backlog)
