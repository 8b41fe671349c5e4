"""A Nova double: a small HTTP app on loopback speaking Nova's ``/v2.1/servers`` (and
``/servers/detail``) JSON as Nova answers it: ``all_tenants`` only for an admin token (403
otherwise, as Nova's policy does), pages of at most ``max_limit`` with ``limit``/``marker`` and
``servers_links``, microversions in ``OpenStack-API-Version``, and servers of a cell that is
down left out unless microversion 2.69 or later asked for them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.floatingips.neutron_double import Seen
from tests.loopback import LoopbackServer

MAX_MICROVERSION = (2, 96)


@dataclass
class NovaState:
    """What the double serves; tests change it directly (it is reset before each test)."""

    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """id -> the server, newest last (Nova lists newest first)."""
    down_cell: set[str] = field(default_factory=set)
    """Ids of the servers whose cell does not answer."""
    tokens: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """token -> (project id, is admin)."""
    seen: list[Seen] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    """The OpenStack-API-Version header of each request."""
    max_limit: int = 1000
    """Nova's ``[api] max_limit``: the largest page, whatever ``limit`` asks."""
    delay: float = 0.0
    fail_with: int | None = None

    def add(self, project_id: str, name: str = "vm") -> dict[str, Any]:
        """Boot a server in ``project_id`` and return Nova's (detailed) object for it."""
        server_id = str(uuid.uuid4())
        server: dict[str, Any] = {
            "id": server_id,
            "name": name,
            "tenant_id": project_id,
            "user_id": "u-1",
            "status": "ACTIVE",
            "created": "2026-01-01T00:00:00Z",
            "addresses": {},
        }
        self.servers[server_id] = server
        return server


class NovaDouble(LoopbackServer):
    def __init__(self) -> None:
        self.state = NovaState()
        app = Starlette(
            routes=[
                Route("/v2.1/servers", self._list),
                Route("/v2.1/servers/detail", self._list),
            ]
        )
        super().__init__(app, "Nova")

    def reset(self) -> None:
        self.state = NovaState()

    async def _list(self, request: Request) -> Response:
        state = self.state
        token = request.headers.get("x-auth-token")
        state.seen.append(Seen(request.url.path, dict(request.query_params), token))
        state.versions.append(request.headers.get("openstack-api-version"))
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.fail_with is not None:
            return _error(state.fail_with, "computeFault", "Unexpected API Error.")
        if token not in state.tokens:
            return _error(401, "unauthorized", "The request you have made requires authentication.")
        version = _microversion(request.headers.get("openstack-api-version"))
        if version is None or version > MAX_MICROVERSION:
            return _error(406, "notAcceptable", "Version is not supported by the API.")
        project, admin = state.tokens[token]
        all_tenants = request.query_params.get("all_tenants") in ("1", "true", "True")
        if all_tenants and not admin:
            message = "Policy doesn't allow os_compute_api:servers:index:get_all_tenants"
            return _error(403, "forbidden", message)
        found = [
            self._shown(request, server, version)
            for server in reversed(state.servers.values())
            if all_tenants or server["tenant_id"] == project
        ]
        return self._page(request, [item for item in found if item is not None])

    def _shown(
        self, request: Request, server: dict[str, Any], version: tuple[int, int]
    ) -> dict[str, Any] | None:
        """The server as listed; a down cell's: minimal from 2.69 on, else left out."""
        links = [{"rel": "self", "href": f"{request.base_url}v2.1/servers/{server['id']}"}]
        if server["id"] in self.state.down_cell:
            if version < (2, 69):
                return None
            return {"id": server["id"], "status": "UNKNOWN", "links": links}
        if request.url.path.endswith("/detail"):
            return {**server, "links": links}
        return {"id": server["id"], "name": server["name"], "links": links}

    def _page(self, request: Request, found: list[dict[str, Any]]) -> Response:
        query = request.query_params
        ids = [item["id"] for item in found]
        marker = query.get("marker")
        if marker is not None and marker not in ids:
            return _error(400, "badRequest", f"marker [{marker}] not found")
        start = ids.index(marker) + 1 if marker is not None else 0
        size = min(int(query.get("limit", self.state.max_limit)), self.state.max_limit)
        page = found[start : start + size]
        document: dict[str, Any] = {"servers": page}
        if len(page) == size:
            following = dict(query) | {"limit": str(size), "marker": page[-1]["id"]}
            href = request.url.replace_query_params(**following)
            document["servers_links"] = [{"rel": "next", "href": str(href)}]
        return JSONResponse(document)


def _microversion(header: str | None) -> tuple[int, int] | None:
    """The compute microversion asked for (none: 2.1); None when it is not one."""
    if header is None:
        return (2, 1)
    service, _, number = header.partition(" ")
    major, _, minor = number.partition(".")
    if service != "compute" or not major.isdigit() or not minor.isdigit():
        return None
    return (int(major), int(minor))


def _error(status: int, kind: str, message: str) -> Response:
    return JSONResponse({kind: {"code": status, "message": message}}, status_code=status)
