"""The one middleware: a pure ASGI layer that every HTTP request passes once.

It gives each request its ``req-<uuid>`` id (scope key and ``x-openstack-request-id``
response header), strips trailing slashes from the path (``/v2/zones/`` is ``/v2/zones``),
enforces the body size limit (on Content-Length and on the bytes as they stream in), and
turns any exception that escapes the app into a logged JSON 500 that still carries the id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect

from zonekeeper.api import errors
from zonekeeper.domain import errors as domain_errors

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = b"x-openstack-request-id"


class EdgeMiddleware:
    """Request ids, path normalisation, body limit and the last-resort 500 (see module doc)."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_limits = dict(path_limits or {})
        """Paths whose bodies may be larger (zone files), with their own limit."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = f"req-{uuid.uuid4()}"
        scope = _normalised(scope)
        scope[errors.REQUEST_ID] = rid
        reply = _Reply(send, rid)
        limit = self.path_limits.get(scope["path"], self.max_body_bytes)
        refusal = self._refuse_declared_size(scope, limit)
        try:
            if refusal is not None:
                await errors.response(refusal, rid)(scope, receive, reply.send)
            else:
                await self.app(scope, self._limited(receive, limit), reply.send)
        except ClientDisconnect:
            return  # the client left while sending its body: there is no one to answer
        except Exception:
            log.exception(
                "unexpected error serving %s %s (%s)", scope["method"], scope["path"], rid
            )
            if reply.started:
                raise
            await errors.unexpected(rid)(scope, receive, reply.send)

    def _refuse_declared_size(
        self, scope: Scope, limit: int
    ) -> domain_errors.ZonekeeperError | None:
        """An error when Content-Length is malformed or above ``limit``, else None."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    return domain_errors.BadRequest("Invalid Content-Length")
                if int(value) > limit:
                    return domain_errors.RequestTooLarge()
        return None

    def _limited(self, receive: Receive, limit: int) -> Receive:
        """``receive``, raising RequestTooLarge once the body passes ``limit``."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise domain_errors.RequestTooLarge()
            return message

        return limited_receive


class _Reply:
    """Wraps ``send``: adds the request id header and remembers whether the reply began."""

    def __init__(self, send: Send, rid: str) -> None:
        self._send = send
        self._header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            message["headers"] = [*message.get("headers", ()), self._header]
        await self._send(message)


def _normalised(scope: Scope) -> Scope:
    """A copy of ``scope`` whose path has no trailing slash (the root stays ``/``)."""
    path: str = scope["path"]
    copy = dict(scope)
    if len(path) > 1 and path.endswith("/"):
        copy["path"] = path.rstrip("/") or "/"
        raw_path = scope.get("raw_path")
        if isinstance(raw_path, bytes):
            copy["raw_path"] = raw_path.rstrip(b"/") or b"/"
    return copy
