"""The mini-DNS transports: one UDP endpoint and one TCP listener on the same port.

Every request becomes a task that asks :class:`~zonekeeper.dns.handler.Responder` for its
response messages; UDP sends them as datagrams, TCP writes them length-prefixed (RFC 1035
4.2.2) and reads several queries per connection until the client closes or idles too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from typing import Any

from zonekeeper.config import DnsSettings, parse_hostport
from zonekeeper.dns.handler import STATS, Responder
from zonekeeper.storage.database import Database
from zonekeeper.telemetry.metrics import Metrics

log = logging.getLogger("zonekeeper.dns")

MAX_UDP_IN_FLIGHT = 1024
"""UDP requests answered at once; more are dropped (the client retries) rather than queued."""
BIND_ATTEMPTS = 20
"""Tries to find a port free for both UDP and TCP when the configured port is 0."""
_LENGTH = struct.Struct("!H")


class MiniDns:
    """Authoritative DNS from the database on UDP and TCP. ``stats`` counts requests by
    outcome (names in ``handler.STATS``)."""

    def __init__(self, db: Database, settings: DnsSettings, metrics: Metrics | None = None) -> None:
        self.stats: dict[str, int] = dict.fromkeys(STATS, 0)
        self._settings = settings
        self._responder = Responder(db, settings, self.stats, metrics)
        self._tcp: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._udp_in_flight = 0

    async def start(self) -> tuple[str, int]:
        """Bind UDP and TCP on ``settings.listen`` and return the bound (host, port); with
        port 0, one free port serves both. Raises OSError when the address cannot be bound."""
        host, port = parse_hostport(self._settings.listen, 5354)
        for attempt in range(BIND_ATTEMPTS):
            try:
                return await self._bind(host, port)
            except OSError:
                if port != 0 or attempt == BIND_ATTEMPTS - 1:
                    raise
                # The free TCP port was taken for UDP by someone else: pick another.
        raise AssertionError("unreachable")

    async def _bind(self, host: str, port: int) -> tuple[str, int]:
        tcp = await asyncio.start_server(self._serve_connection, host, port, reuse_address=True)
        bound_host, bound_port = tcp.sockets[0].getsockname()[:2]
        try:
            loop = asyncio.get_running_loop()
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(bound_host, bound_port)
            )
        except OSError:
            tcp.close()
            await tcp.wait_closed()
            raise
        self._tcp, self._udp = tcp, udp
        return bound_host, bound_port

    @property
    def listening(self) -> bool:
        """Whether both sockets are bound (between start and stop)."""
        return self._tcp is not None and self._udp is not None

    async def stop(self) -> None:
        """Close both sockets and cancel every request and connection in progress. Idempotent."""
        if self._tcp is not None:
            self._tcp.close()
        if self._udp is not None:
            self._udp.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._tcp = self._udp = None

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _datagram(self, wire: bytes, address: tuple[str, int]) -> None:
        if self._udp_in_flight >= MAX_UDP_IN_FLIGHT:
            self.stats["dropped"] += 1
            return
        self._udp_in_flight += 1
        self._track(asyncio.create_task(self._answer_datagram(wire, address)))

    async def _answer_datagram(self, wire: bytes, address: tuple[str, int]) -> None:
        try:
            replies_to = self._responder.respond(wire, tcp=False, source=address[0])
            async with contextlib.aclosing(replies_to) as replies:
                async for reply in replies:
                    if self._udp is not None:
                        self._udp.sendto(reply, address)
        except Exception:
            log.exception("UDP request from %s failed", address)
        finally:
            self._udp_in_flight -= 1

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer length-prefixed queries in order until EOF, idle timeout or an error."""
        task = asyncio.current_task()
        if task is not None:
            self._track(task)
        self.stats["tcp_connections"] += 1
        try:
            source = str(writer.get_extra_info("peername")[0])
            while (wire := await self._read_message(reader)) is not None:
                await self._answer_stream(wire, writer, source)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            # stop() cancels; ending normally spares asyncio's stream callback (3.11) from
            # reporting the cancelled task as an error.
            pass
        except Exception:
            log.exception("TCP connection from %s failed", writer.get_extra_info("peername"))
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _read_message(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next request, or None at EOF or after ``tcp_idle_timeout`` idle seconds."""
        try:
            async with asyncio.timeout(self._settings.tcp_idle_timeout):
                prefix = await reader.readexactly(_LENGTH.size)
                (length,) = _LENGTH.unpack(prefix)
                return await reader.readexactly(length)
        except TimeoutError:
            return None
        except asyncio.IncompleteReadError as error:
            if error.partial:
                raise
            return None

    async def _answer_stream(self, wire: bytes, writer: asyncio.StreamWriter, source: str) -> None:
        replies_to = self._responder.respond(wire, tcp=True, source=source)
        async with contextlib.aclosing(replies_to) as replies:
            async for reply in replies:
                writer.write(_LENGTH.pack(len(reply)) + reply)
                await writer.drain()


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: MiniDns) -> None:
        self._server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._server._datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a client that left: nothing to do.
        log.debug("UDP error: %s", exc)
