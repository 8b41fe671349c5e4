"""``/healthz``, ``/readyz`` and ``/metrics``: served without authentication by the API and
by every role's own small listener (``telemetry.listen``).

``/healthz`` answers 200 while the process runs its event loop. ``/readyz`` answers 200 when
every readiness check of the process passes, else 503; both bodies list each check's
verdict. ``/metrics`` is the process's registry in Prometheus's text format.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from zonekeeper.telemetry.health import Health
from zonekeeper.telemetry.metrics import CONTENT_TYPE, Metrics

PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""Open to every caller (Prometheus and load balancers carry no token)."""


def install(app: FastAPI, health: Health, metrics: Metrics) -> None:
    """Add the three routes to ``app`` (outside the OpenAPI document: they are not Designate's)."""
    app.state.health = health
    app.state.metrics = metrics
    for path, endpoint in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", scrape)):
        app.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)


def standalone(health: Health, metrics: Metrics) -> FastAPI:
    """The application of a role's own listener: only the three routes."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install(app, health, metrics)
    return app


async def healthz() -> JSONResponse:
    return JSONResponse({"status": "alive"})


async def readyz(request: Request) -> JSONResponse:
    health: Health = request.app.state.health
    verdicts = await health.ready()
    ready = all(verdict == "ok" for verdict in verdicts.values())
    body = {"status": "ready" if ready else "not ready", "checks": verdicts}
    return JSONResponse(body, status_code=200 if ready else 503)


async def scrape(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(await metrics.render(), media_type=CONTENT_TYPE)
