"""The API's request metrics: a pure ASGI layer counting each response by route template,
method and status, and timing it (``zonekeeper_api_request*``).

It sits inside the edge middleware, so the route Starlette matched (``scope["route"]``, set
on this same scope) is known once the app returns; requests no route matched (refused before
routing, or unknown paths) count under ``route="unmatched"``, so a scanner cannot add labels.
The request id is put in the log context here (``telemetry.logs.request_id``) for the
request's own log lines.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram

from zonekeeper.api import errors
from zonekeeper.api.middleware import ASGIApp, Message, Receive, Scope, Send
from zonekeeper.telemetry import logs
from zonekeeper.telemetry.metrics import Metrics


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        """The labelled children by (route, method, status), looked up once each: ``labels()``
        takes a lock and builds keys on every call (bounded: routes are templates)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the edge answers when the app raises before replying
        token = logs.request_id.set(scope.get(errors.REQUEST_ID, ""))

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            logs.request_id.reset(token)
            count, latency = self._children(_route(scope), scope["method"], status)
            count.inc()
            latency.observe(time.perf_counter() - started)

    def _children(self, route: str, method: str, status: int) -> tuple[Counter, Histogram]:
        key = (route, method, str(status))
        found = self._series.get(key)
        if found is None:
            found = (
                self.metrics.api_requests.labels(*key),
                self.metrics.api_latency.labels(route, method),
            )
            self._series[key] = found
        return found


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
