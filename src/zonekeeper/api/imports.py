"""``/v2/zones/tasks/imports``: import a zone file (``text/dns``, or since API 2.4 JSON
``{"zonefile": ..., "attributes": {...}}``), then show, list and delete imports.

The POST answers 202 with the import PENDING; the import itself runs after the response is
sent (as Designate runs it beside its API), and the import turns COMPLETE or ERROR.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from starlette.background import BackgroundTask
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.api.zones import AttributeText
from zonekeeper.domain import errors as domain_errors
from zonekeeper.domain import models
from zonekeeper.service import imports

PATH: Final = "/v2/zones/tasks/imports"
ZONE_FILE_TYPES: Final = frozenset({"text/dns", "text/plain"})


@with_config(ConfigDict(extra="forbid", strict=True))
class ImportCreate(TypedDict, total=False):
    """The JSON body of an import (API 2.4)."""

    zonefile: Required[Annotated[str, Field(description="The zone file, master format")]]
    attributes: dict[AttributeText, AttributeText]


class ImportLinks(BaseModel):
    self: str
    zone: str | None = None


class ZoneImport(BaseModel):
    id: str
    status: str
    message: str | None
    zone_id: str | None
    project_id: str
    version: int
    created_at: str
    updated_at: str | None
    links: ImportLinks


class ZoneImportList(BaseModel):
    imports: list[ZoneImport]
    links: pagination.CollectionLinks
    metadata: pagination.ListMetadata


CREATE: Final = body.BodyRules("zone_import", ImportCreate, frozenset())
LIST: Final = pagination.ListSpec(
    plural="imports",
    sort_keys=("created_at", "id", "updated_at"),
    filters=("status", "message", "zone_id"),
)

router = APIRouter(prefix=PATH, tags=["zone imports"])


def render(task: models.ZoneTask, base: str) -> dict[str, Any]:
    links = {"self": f"{base}{PATH}/{task.id}"}
    if task.zone_id is not None:
        links["zone"] = f"{base}/v2/zones/{task.zone_id}"
    return {
        "id": task.id,
        "status": task.status.value,
        "message": task.message,
        "zone_id": task.zone_id,
        "project_id": task.project_id,
        "version": task.version,
        "created_at": web.timestamp(task.created_at),
        "updated_at": web.timestamp(task.updated_at),
        "links": links,
    }


@router.post(
    "",
    status_code=202,
    response_model=ZoneImport,
    responses=errors.doc(400, 401, 403, 404, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/dns": {"schema": {"type": "string"}},
                "application/json": {"schema": CREATE.adapter.json_schema()},
            },
        }
    },
)
async def create_import(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    text, attributes = await _zone_file(request)
    task = await imports.create(ctx, env, attributes)
    document = render(task, web.base_url(request))
    response = web.json_response(document, 202, location=document["links"]["self"])
    response.background = BackgroundTask(imports.run, ctx, env, task.id, text, attributes)
    return response


async def _zone_file(request: Request) -> tuple[str, dict[str, str] | None]:
    """The zone file text and attributes of an import request. Raises
    UnsupportedContentType, BadRequest (not UTF-8), and the JSON body errors."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in ZONE_FILE_TYPES:
        if media_type not in body.JSON_TYPES:
            raise domain_errors.UnsupportedContentType(f"Unsupported content type: {content_type}")
        fields = body.check(await body.read_object(request), CREATE, None)
        return str(fields["zonefile"]), dict(fields.get("attributes") or {})
    try:
        return (await request.body()).decode("utf-8"), None
    except UnicodeDecodeError:
        raise domain_errors.BadRequest("The zone file is not UTF-8 text") from None


@router.get(
    "",
    response_model=ZoneImportList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(LIST),
)
async def list_imports(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    page = await imports.list(ctx, env, query)
    base = web.base_url(request)
    items = [render(task, base) for task in page.items]
    document = pagination.collection(request, LIST.plural, items, query.limit, page.total_count)
    return web.json_response(document)


@router.get("/{import_id}", response_model=ZoneImport, responses=errors.doc(400, 401, 403, 404))
async def get_import(import_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    task = await imports.get(ctx, web.env_of(request), web.path_id(import_id, "import_id"))
    return web.json_response(render(task, web.base_url(request)))


@router.delete("/{import_id}", status_code=204, responses=errors.doc(400, 401, 403, 404))
async def delete_import(import_id: web.PathId, request: Request) -> Response:
    ctx = auth.context_of(request)
    await imports.delete(ctx, web.env_of(request), web.path_id(import_id, "import_id"))
    return Response(status_code=204)
