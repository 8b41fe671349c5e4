"""One HTTP connection of the API: uvicorn's httptools protocol, bounded in what one client
may take.

uvicorn bounds neither how long a client may take to send a request nor how large its head
may grow, and closes idle connections only after a first response. Here:

* a read deadline: a request must arrive whole (head and body) within ``read_timeout`` of
  its first byte, whatever trickles in meanwhile (a slow-loris client); a stalled head gets
  408, a stalled body a closed connection (the application sees the client leave);
* an idle limit (uvicorn's keep-alive timer) from the moment a connection opens, not only
  between requests;
* a head limit: request line plus headers over ``max_header_bytes`` get 431, checked while
  they stream in, so a huge header is never buffered.

Refusals carry Designate's error body; they are written straight to the socket because no
application runs for them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from zonekeeper.api import errors
from zonekeeper.domain import errors as domain_errors

# Bytes httptools drops from each header line (": " and CRLF) and the request line ("  HTTP/1.1
# CRLF"): counted so that the limit is on the head as sent.
_HEADER_OVERHEAD: Final = 4
_REQUEST_LINE_OVERHEAD: Final = 16


@dataclass(frozen=True, slots=True)
class Limits:
    """What one connection may take (see the module doc)."""

    read_timeout: float
    max_header_bytes: int


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 connection with :class:`Limits` (see the module doc).

    The read deadline is armed by the first byte that arrives while none is armed and
    disarmed when a request's body is complete, so a request whose response is still being
    computed is never cut; uvicorn's keep-alive timer (armed here also when a connection
    opens) closes connections on which nothing arrives.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        limits: Limits,
        on_closed: Callable[[], None],
    ) -> None:
        super().__init__(config, server_state, app_state)
        self.limits = limits
        self._on_closed = on_closed
        self._deadline: asyncio.TimerHandle | None = None
        self._in_message = False
        self._head_pending = False
        self._head_received = 0
        self._head_size = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        self._on_closed()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the refusal is on its way out; the rest of the request is not read
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.limits.read_timeout, self._on_deadline)
        super().data_received(data)
        if self._head_pending:
            # Counted after parsing, so that the read that began the head counts (with any
            # tail of a pipelined request before it: a small overcount, never an undercount).
            self._head_received += len(data)
            if self._head_received > self.limits.max_header_bytes:
                self._refuse(domain_errors.RequestHeadersTooLarge())

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a head refused by a parser callback was already answered
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message = True
        self._head_pending = True
        self._head_received = 0
        self._head_size = _REQUEST_LINE_OVERHEAD

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + _HEADER_OVERHEAD)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_pending = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_message = False
        self._disarm()
        super().on_message_complete()

    def _count_head(self, size: int) -> None:
        """Counts head bytes as parsed; past the limit, refuses and stops the parser (whose
        error comes back through :meth:`send_400_response`)."""
        self._head_size += size
        if self._head_size > self.limits.max_header_bytes:
            self._refuse(domain_errors.RequestHeadersTooLarge())
            raise _Refused

    def _on_deadline(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._in_message and not self._head_pending:
            self.transport.close()  # mid-body: the application sees the client leave
        elif self._in_message or self.cycle is None or self.cycle.response_complete:
            self._refuse(domain_errors.RequestTimeout())  # no application runs for it
        # else: a whole request is being answered and only stray bytes came after it; the
        # next byte after the response arms a new deadline.

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, error: domain_errors.ZonekeeperError) -> None:
        """Answer ``error`` in Designate's format and close the connection."""
        if self._refused:
            return
        self._refused = True
        self._disarm()
        if self.transport.is_closing():
            return
        self.transport.write(_raw_response(error))
        self.transport.close()


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a refused request."""


def _raw_response(error: domain_errors.ZonekeeperError) -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response carrying ``error``."""
    rid = f"req-{uuid.uuid4()}"
    body = errors.response(error, rid).body
    status = errors.status_of(error)
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"x-openstack-request-id: {rid}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + bytes(body)


_REASONS: Final = {
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
}
