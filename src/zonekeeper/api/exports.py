"""Zone exports: ``POST /v2/zones/{id}/tasks/export`` (202, PENDING), then
``/v2/zones/tasks/exports[/{id}]`` to show, list and delete them, and
``/v2/zones/tasks/exports/{id}/export`` for the zone file itself (``text/dns``, streamed).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from zonekeeper.api import auth, errors, pagination, web
from zonekeeper.domain import errors as domain_errors
from zonekeeper.domain import models
from zonekeeper.service import exports

PATH: Final = "/v2/zones/tasks/exports"
ZONE_FILE: Final = "text/dns"


class ExportLinks(BaseModel):
    self: str
    export: str | None = None


class ZoneExport(BaseModel):
    id: str
    status: str
    message: str | None
    location: str | None
    zone_id: str | None
    project_id: str
    version: int
    created_at: str
    updated_at: str | None
    links: ExportLinks


class ZoneExportList(BaseModel):
    exports: list[ZoneExport]
    links: pagination.CollectionLinks
    metadata: pagination.ListMetadata


LIST: Final = pagination.ListSpec(
    plural="exports",
    sort_keys=("created_at", "id", "updated_at"),
    filters=("status", "message", "zone_id"),
)

router = APIRouter(tags=["zone exports"])


def render(task: models.ZoneTask, base: str) -> dict[str, Any]:
    links = {"self": f"{base}{PATH}/{task.id}"}
    if task.status is models.TaskStatus.COMPLETE:
        links["export"] = f"{base}{PATH}/{task.id}/export"
    return {
        "id": task.id,
        "status": task.status.value,
        "message": task.message,
        "location": task.location,
        "zone_id": task.zone_id,
        "project_id": task.project_id,
        "version": task.version,
        "created_at": web.timestamp(task.created_at),
        "updated_at": web.timestamp(task.updated_at),
        "links": links,
    }


@router.post(
    "/v2/zones/{zone_id}/tasks/export",
    status_code=202,
    response_model=ZoneExport,
    responses=errors.doc(400, 401, 403, 404, 413),
)
async def create_export(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    task = await exports.create(ctx, env, web.path_id(zone_id, "zone_id"))
    document = render(task, web.base_url(request))
    response = web.json_response(document, 202, location=document["links"]["self"])
    response.background = BackgroundTask(exports.finish, env, task.id)
    return response


@router.get(
    PATH,
    response_model=ZoneExportList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(LIST),
)
async def list_exports(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    page = await exports.list(ctx, env, query)
    base = web.base_url(request)
    items = [render(task, base) for task in page.items]
    document = pagination.collection(request, LIST.plural, items, query.limit, page.total_count)
    return web.json_response(document)


@router.get(
    PATH + "/{export_id}", response_model=ZoneExport, responses=errors.doc(400, 401, 403, 404)
)
async def get_export(export_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    task = await exports.get(ctx, web.env_of(request), web.path_id(export_id, "export_id"))
    return web.json_response(render(task, web.base_url(request)))


@router.delete(PATH + "/{export_id}", status_code=204, responses=errors.doc(400, 401, 403, 404))
async def delete_export(export_id: web.PathId, request: Request) -> Response:
    ctx = auth.context_of(request)
    await exports.delete(ctx, web.env_of(request), web.path_id(export_id, "export_id"))
    return Response(status_code=204)


@router.get(
    PATH + "/{export_id}/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {ZONE_FILE: {"schema": {"type": "string"}}}, "description": "Zone file"},
        **errors.doc(400, 401, 403, 404, 406),
    },
)
async def get_export_file(export_id: web.PathId, request: Request) -> StreamingResponse:
    """The zone file, rendered from the database as it is sent."""
    ctx = auth.context_of(request)
    env = web.env_of(request)
    _check_accept(request.headers.get("accept"))
    zone = await exports.zone_of(ctx, env, web.path_id(export_id, "export_id"))
    return StreamingResponse(exports.render(env, zone), media_type=ZONE_FILE)


def _check_accept(accept: str | None) -> None:
    """Raises NotAcceptable when an Accept header allows neither text/dns nor a wildcard."""
    if accept is None or not accept.strip():
        return
    allowed = {ZONE_FILE, "text/*", "*/*"}
    ranges = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    if not ranges & allowed:
        raise domain_errors.NotAcceptable(f"Only {ZONE_FILE} is available")
