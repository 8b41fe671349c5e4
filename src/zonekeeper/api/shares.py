"""``/v2/zones/{zone_id}/shares``: share a zone with another project (201), list, show and
unshare (204) — API 2.1."""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.domain.models import Share
from zonekeeper.service import shares


@with_config(ConfigDict(extra="forbid", strict=True))
class ShareCreate(TypedDict, total=False):
    target_project_id: Required[Annotated[str, Field(min_length=1, max_length=36)]]


class ShareLinks(BaseModel):
    self: str
    zone: str


class SharedZone(BaseModel):
    id: str
    zone_id: str
    project_id: str
    target_project_id: str
    created_at: str
    updated_at: str | None
    links: ShareLinks


class SharedZoneList(BaseModel):
    shared_zones: list[SharedZone]
    links: pagination.CollectionLinks


READ_ONLY: Final = frozenset({"id", "zone_id", "project_id", "created_at", "updated_at", "links"})
CREATE: Final = body.BodyRules("shared_zone", ShareCreate, READ_ONLY)
LIST: Final = pagination.ListSpec(
    plural="shared_zones", sort_keys=("created_at", "updated_at"), filters=("target_project_id",)
)
SHARES: Final = "/v2/zones/{zone_id}/shares"

router = APIRouter(tags=["shared zones"])


def render(share: Share, base: str) -> dict[str, Any]:
    zone = f"{base}/v2/zones/{share.zone_id}"
    return {
        "id": share.id,
        "zone_id": share.zone_id,
        "project_id": share.project_id,
        "target_project_id": share.target_project_id,
        "created_at": web.timestamp(share.created_at),
        "updated_at": web.timestamp(share.updated_at),
        "links": {"self": f"{zone}/shares/{share.id}", "zone": zone},
    }


@router.post(
    SHARES,
    status_code=201,
    response_model=SharedZone,
    responses=errors.doc(400, 401, 403, 404, 409, 415),
    openapi_extra=body.openapi(CREATE),
)
async def create_share(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    fields = body.check(await body.read_object(request), CREATE, None)
    token = request.headers.get("x-auth-token")
    share = await shares.create(ctx, web.env_of(request), zone_id, fields, token)
    return web.json_response(render(share, web.base_url(request)), 201)


@router.get(
    SHARES,
    response_model=SharedZoneList,
    responses=errors.doc(400, 401, 403, 404),
    openapi_extra=pagination.openapi(LIST),
)
async def list_shares(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    page = await shares.list(ctx, env, zone_id, query)
    base = web.base_url(request)
    items = [render(share, base) for share in page.items]
    document = pagination.collection(request, LIST.plural, items, query.limit, None)
    document.pop("metadata", None)
    return web.json_response(document)


@router.get(
    SHARES + "/{share_id}", response_model=SharedZone, responses=errors.doc(400, 401, 403, 404)
)
async def get_share(
    zone_id: web.PathId, share_id: web.PathId, request: Request
) -> web.JsonResponse:
    ctx = auth.context_of(request)
    ids = web.path_id(zone_id, "zone_id"), web.path_id(share_id, "share_id")
    share = await shares.get(ctx, web.env_of(request), *ids)
    return web.json_response(render(share, web.base_url(request)))


@router.delete(SHARES + "/{share_id}", status_code=204, responses=errors.doc(400, 401, 403, 404))
async def delete_share(zone_id: web.PathId, share_id: web.PathId, request: Request) -> Response:
    ctx = auth.context_of(request)
    ids = web.path_id(zone_id, "zone_id"), web.path_id(share_id, "share_id")
    await shares.delete(ctx, web.env_of(request), *ids)
    return Response(status_code=204)
