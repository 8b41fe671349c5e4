"""The HTTP application: ``create_app(env)`` wires routes, error handling and the edge
middleware, and serves the version document at ``/`` and the OpenAPI document at
``/openapi.json``."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from zonekeeper.api import (
    auth,
    blacklists,
    errors,
    exports,
    floatingips,
    imports,
    limits,
    middleware,
    observe,
    pools,
    probes,
    quotas,
    recordsets,
    service_statuses,
    shares,
    tlds,
    transfers,
    tsigkeys,
    web,
    zones,
)
from zonekeeper.service.env import ServiceEnv
from zonekeeper.telemetry.health import Health
from zonekeeper.telemetry.metrics import Metrics

TITLE: Final = "Zonekeeper DNS API"
API_VERSION: Final = "2.4"
HELP_URL: Final = "https://docs.openstack.org/api-ref/dns"
VERSIONS: Final = (
    ("v2", "SUPPORTED", "2022-06-29T00:00:00Z"),
    ("v2.0", "SUPPORTED", "2022-06-29T00:00:00Z"),
    ("v2.1", "SUPPORTED", "2023-01-25T00:00:00Z"),
    ("v2.2", "SUPPORTED", "2025-08-25T00:00:00Z"),
    ("v2.3", "SUPPORTED", "2026-04-06T00:00:00Z"),
    ("v2.4", "CURRENT", "2026-04-13T00:00:00Z"),
)
"""Designate's version list (id, status, updated); clients gate features on the CURRENT id."""


class VersionLink(BaseModel):
    href: str
    rel: str


class Version(BaseModel):
    id: str
    status: str
    updated: str
    links: list[VersionLink]


class Versions(BaseModel):
    versions: list[Version]


def create_app(
    env: ServiceEnv, metrics: Metrics | None = None, health: Health | None = None
) -> FastAPI:
    """The API application serving ``env``, counting into ``metrics`` and answering
    ``/readyz`` from ``health`` (fresh ones when not given: no checks). Building it does no
    I/O."""
    metrics = metrics or Metrics()
    app = FastAPI(title=TITLE, version=API_VERSION, redoc_url=None)
    app.state.env = env
    probes.install(app, health or Health(), metrics)
    app.add_api_route("/", versions, methods=["GET"], response_model=Versions, tags=["versions"])
    # Before zones: /v2/zones/tasks/... must not be taken for /v2/zones/{zone_id}/...
    app.include_router(imports.router)
    app.include_router(exports.router)
    app.include_router(transfers.router)
    app.include_router(shares.router)
    app.include_router(zones.router)
    app.include_router(recordsets.router)
    app.include_router(pools.router)
    app.include_router(floatingips.router)
    for admin in (tlds, blacklists, tsigkeys, quotas, limits, service_statuses):
        app.include_router(admin.router)
    errors.install(app)
    authenticate = auth.authenticator(env)
    if authenticate is not None:  # inside the edge middleware: refusals carry a request id
        app.add_middleware(auth.AuthMiddleware, authenticate=authenticate)
    app.add_middleware(observe.ObserveMiddleware, metrics=metrics)
    app.add_middleware(
        middleware.EdgeMiddleware,
        max_body_bytes=env.settings.api.max_body_bytes,
        path_limits={imports.PATH: env.settings.api.max_import_bytes},
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


async def versions(request: Request) -> web.JsonResponse:
    """The version document (no authentication), every version pointing at ``<root>/v2``."""
    href = f"{web.base_url(request)}/v2"
    links = [{"href": href, "rel": "self"}, {"href": HELP_URL, "rel": "help"}]
    documents = [
        {"id": id_, "status": status, "updated": updated, "links": links}
        for id_, status, updated in VERSIONS
    ]
    return web.json_response({"versions": documents})


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, less the 422 responses it adds for parameters: our parameters are
    plain strings checked by the handlers, and every refusal is a documented 400."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        for path in document.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
    return app.openapi_schema
