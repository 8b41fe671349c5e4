"""A Neutron double: a small HTTP app on loopback speaking Neutron's ``/v2.0/floatingips``
and ``/v2.0/ports`` JSON (``fields``, ``limit``/``marker`` pages with ``<collection>_links``),
checking ``X-Auth-Token`` as Keystone-backed Neutron does (a member token sees its project's
resources; an admin token sees all of them)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.loopback import LoopbackServer


@dataclass(frozen=True)
class Seen:
    """One request the double received."""

    path: str
    query: dict[str, str]
    token: str | None


@dataclass
class NeutronState:
    """What the double serves; tests change it directly (it is reset before each test)."""

    floatingips: dict[str, dict[str, Any]] = field(default_factory=dict)
    ports: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """token -> (project id, is admin)."""
    seen: list[Seen] = field(default_factory=list)
    page_size: int | None = None
    """Paginate listings (with ``<collection>_links``) by this many items at most, even when
    the request asks for more with ``limit`` (which alone also paginates, as in Neutron)."""
    delay: float = 0.0
    fail_with: int | None = None
    """Answer every request with this status."""
    garbage: bool = False
    """Answer 200 with a body that is not Neutron's."""

    def add(self, project_id: str, address: str, port_id: str | None = None) -> dict[str, Any]:
        """Allocate a floating IP to ``project_id`` and return Neutron's object for it."""
        fip_id = str(uuid.uuid4())
        fip: dict[str, Any] = {
            "id": fip_id,
            "tenant_id": project_id,
            "project_id": project_id,
            "floating_ip_address": address,
            "floating_network_id": "3b54c8e2-0c0f-4d4b-9b1f-6d1d4a6e1c11",
            "router_id": None,
            "port_id": port_id,
            "fixed_ip_address": None,
            "status": "DOWN" if port_id is None else "ACTIVE",
            "description": "",
            "dns_domain": "",
            "dns_name": "",
            "port_details": None,
            "tags": [],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "revision_number": 0,
            "qos_policy_id": None,
        }
        self.floatingips[fip_id] = fip
        return fip

    def add_port(self, project_id: str) -> dict[str, Any]:
        """Create a port of ``project_id`` and return Neutron's object for it."""
        port_id = str(uuid.uuid4())
        port: dict[str, Any] = {
            "id": port_id,
            "name": "",
            "tenant_id": project_id,
            "project_id": project_id,
            "network_id": "a87cc70a-3e15-4acf-8205-9b711a3531b7",
            "mac_address": "fa:16:3e:58:42:ed",
            "admin_state_up": True,
            "status": "ACTIVE",
            "device_id": str(uuid.uuid4()),
            "device_owner": "compute:nova",
            "fixed_ips": [],
            "tags": [],
            "revision_number": 1,
        }
        self.ports[port_id] = port
        return port


class NeutronDouble(LoopbackServer):
    """The app served on loopback; ``url`` is its endpoint."""

    def __init__(self) -> None:
        self.state = NeutronState()
        app = Starlette(
            routes=[
                Route("/v2.0/floatingips", self._list),
                Route("/v2.0/floatingips/{fip_id}", self._get),
                Route("/v2.0/ports", self._list_ports),
            ]
        )
        super().__init__(app, "Neutron")

    def reset(self) -> None:
        self.state = NeutronState()

    async def _list(self, request: Request) -> Response:
        refused = await self._refuse(request)
        if refused is not None:
            return refused
        project, admin = self.state.tokens[request.headers["x-auth-token"]]
        query = request.query_params
        wanted = query.get("tenant_id") or query.get("project_id")
        found = [
            fip
            for fip in self.state.floatingips.values()
            if (admin or fip["tenant_id"] == project) and wanted in (None, fip["tenant_id"])
        ]
        return JSONResponse(self._page(request, "floatingips", found))

    async def _list_ports(self, request: Request) -> Response:
        refused = await self._refuse(request)
        if refused is not None:
            return refused
        project, admin = self.state.tokens[request.headers["x-auth-token"]]
        found = [p for p in self.state.ports.values() if admin or p["tenant_id"] == project]
        return JSONResponse(self._page(request, "ports", found))

    async def _get(self, request: Request) -> Response:
        refused = await self._refuse(request)
        if refused is not None:
            return refused
        project, admin = self.state.tokens[request.headers["x-auth-token"]]
        fip_id = request.path_params["fip_id"]
        fip = self.state.floatingips.get(fip_id)
        if fip is None or not (admin or fip["tenant_id"] == project):
            error = {
                "type": "FloatingIPNotFound",
                "message": f"Floating IP {fip_id} could not be found",
                "detail": "",
            }
            return JSONResponse({"NeutronError": error}, status_code=404)
        return JSONResponse({"floatingip": fip})

    async def _refuse(self, request: Request) -> Response | None:
        """Record the request; the failure the state asks for, or a 401 for a bad token."""
        token = request.headers.get("x-auth-token")
        self.state.seen.append(Seen(request.url.path, dict(request.query_params), token))
        if self.state.delay:
            await asyncio.sleep(self.state.delay)
        if self.state.fail_with is not None:
            return JSONResponse({"NeutronError": {"type": "Oops"}}, self.state.fail_with)
        if self.state.garbage:
            return Response("<html>proxy error</html>", media_type="text/html")
        if token not in self.state.tokens:
            body = {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}
            return JSONResponse(body, status_code=401)
        return None

    def _page(
        self, request: Request, collection: str, found: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Neutron's listing: only the ``fields`` asked for, paged by ``limit`` (capped by
        ``page_size``) with ``marker`` like Neutron's."""
        fields = request.query_params.getlist("fields")
        if fields:
            found = [{key: item[key] for key in fields if key in item} for item in found]
        limit = request.query_params.get("limit")
        sizes = [int(limit)] if limit else []
        sizes += [self.state.page_size] if self.state.page_size is not None else []
        if not sizes:
            return {collection: found}
        size = min(sizes)
        ids = [item["id"] for item in found]
        marker = request.query_params.get("marker")
        start = ids.index(marker) + 1 if marker in ids else 0
        page = found[start : start + size]
        document: dict[str, Any] = {collection: page}
        if len(page) == size:
            query = dict(request.query_params) | {"limit": str(size), "marker": page[-1]["id"]}
            href = request.url.replace_query_params(**query)
            document[f"{collection}_links"] = [{"rel": "next", "href": str(href)}]
        return document
