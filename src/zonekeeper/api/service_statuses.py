"""``/v2/service_statuses`` (alias ``/v2/service_status``): every process role's heartbeat
and counters, admin only, read only (Designate section 1.8)."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel

from zonekeeper.api import auth, errors, pagination, web
from zonekeeper.service import service_statuses


class ServiceStatus(BaseModel):
    id: str
    hostname: str
    service_name: str
    status: str
    stats: dict[str, Any]
    capabilities: dict[str, Any]
    heartbeated_at: str
    created_at: str
    updated_at: str | None
    links: web.SelfLink


class ServiceStatusList(BaseModel):
    service_statuses: list[ServiceStatus]
    links: pagination.CollectionLinks


LIST: Final = pagination.ListSpec(
    plural="service_statuses",
    sort_keys=("created_at", "id", "updated_at", "hostname", "service_name", "status"),
    filters=("hostname", "service_name", "status"),
)

router = APIRouter(tags=["service_statuses"])


def render(status: service_statuses.ServiceStatus, base: str) -> dict[str, Any]:
    return {
        "id": status.id,
        "hostname": status.hostname,
        "service_name": status.service_name,
        "status": status.status,
        "stats": status.stats,
        "capabilities": status.capabilities,
        "heartbeated_at": web.timestamp(status.heartbeated_at),
        "created_at": web.timestamp(status.created_at),
        "updated_at": web.timestamp(status.updated_at),
        # Always the canonical path, also when asked through the alias (as Designate does).
        "links": {"self": f"{base}/v2/service_statuses/{status.id}"},
    }


async def list_statuses(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    found = await service_statuses.list(ctx, env, query)
    base = web.base_url(request)
    items = [render(status, base) for status in found]
    document = pagination.collection(request, LIST.plural, items, query.limit, None)
    del document["metadata"]  # Designate counts none
    return web.json_response(document)


async def get_status(service_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    status_id = web.path_id(service_id, "service_id")
    status = await service_statuses.get(ctx, web.env_of(request), status_id)
    return web.json_response(render(status, web.base_url(request)))


for _prefix in ("/v2/service_statuses", "/v2/service_status"):
    router.add_api_route(
        _prefix,
        list_statuses,
        methods=["GET"],
        response_model=ServiceStatusList,
        responses=errors.doc(400, 401, 403),
        openapi_extra=pagination.openapi(LIST),
        include_in_schema=_prefix.endswith("es"),
    )
    router.add_api_route(
        _prefix + "/{service_id}",
        get_status,
        methods=["GET"],
        response_model=ServiceStatus,
        responses=errors.doc(400, 401, 403, 404),
        include_in_schema=_prefix.endswith("es"),
    )
