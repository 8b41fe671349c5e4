"""Zone ownership transfers: ``POST /v2/zones/{id}/tasks/transfer_requests`` (201),
``/v2/zones/tasks/transfer_requests[/{id}]`` (list, show, PATCH, delete) and
``/v2/zones/tasks/transfer_accepts[/{id}]`` (accept with the key: 201; list, show).

Only the owner's readers and admins see a request's key and projects; a target sees
``id, zone_id, zone_name, description, status, links``, as in Designate.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.api.zones import Description
from zonekeeper.domain.models import TransferAccept as Accept
from zonekeeper.domain.models import TransferRequest
from zonekeeper.service import transfers

REQUESTS: Final = "/v2/zones/tasks/transfer_requests"
ACCEPTS: Final = "/v2/zones/tasks/transfer_accepts"
ProjectId = Annotated[str, Field(min_length=1, max_length=255)]


@with_config(ConfigDict(extra="forbid", strict=True))
class RequestCreate(TypedDict, total=False):
    target_project_id: ProjectId | None
    description: Description


@with_config(ConfigDict(extra="forbid", strict=True))
class RequestUpdate(TypedDict, total=False):
    description: Description
    zone_id: str


@with_config(ConfigDict(extra="forbid", strict=True))
class AcceptCreate(TypedDict, total=False):
    key: Required[Annotated[str, Field(max_length=255)]]
    zone_transfer_request_id: Required[Annotated[str, Field(pattern=f"^{web.UUID_REGEX}$")]]


class TransferRequestOut(BaseModel):
    id: str
    zone_id: str
    zone_name: str
    description: str | None
    status: str
    project_id: str | None = None
    target_project_id: str | None = None
    key: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    links: web.SelfLink


class TransferRequestList(BaseModel):
    transfer_requests: list[TransferRequestOut]
    links: pagination.CollectionLinks


class AcceptLinks(BaseModel):
    self: str
    zone: str


class TransferAccept(BaseModel):
    id: str
    zone_transfer_request_id: str
    zone_id: str
    project_id: str
    key: str
    status: str
    created_at: str
    updated_at: str | None
    links: AcceptLinks


class TransferAcceptList(BaseModel):
    transfer_accepts: list[TransferAccept]
    links: pagination.CollectionLinks
    metadata: pagination.ListMetadata


REQUEST_READ_ONLY: Final = frozenset(
    {"id", "zone_name", "project_id", "key", "status", "created_at", "updated_at", "links"}
)
CREATE: Final = body.BodyRules("transfer_request", RequestCreate, REQUEST_READ_ONLY | {"zone_id"})
UPDATE: Final = body.BodyRules(
    "transfer_request", RequestUpdate, REQUEST_READ_ONLY | {"target_project_id"}
)
ACCEPT: Final = body.BodyRules(
    "transfer_accept",
    AcceptCreate,
    frozenset({"id", "project_id", "status", "zone_id", "created_at", "updated_at", "links"}),
)
REQUEST_LIST: Final = pagination.ListSpec(
    plural="transfer_requests", sort_keys=("created_at", "id", "updated_at"), filters=("status",)
)
ACCEPT_LIST: Final = pagination.ListSpec(
    plural="transfer_accepts", sort_keys=("created_at", "id", "updated_at"), filters=("status",)
)

router = APIRouter(tags=["zone transfers"])


def render_request(request: TransferRequest, base: str, detailed: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": request.id,
        "zone_id": request.zone_id,
        "zone_name": request.zone_name,
        "description": request.description,
        "status": request.status,
    }
    if detailed:
        document |= {
            "project_id": request.project_id,
            "target_project_id": request.target_project_id,
            "key": request.key,
            "created_at": web.timestamp(request.created_at),
            "updated_at": web.timestamp(request.updated_at),
        }
    document["links"] = {"self": f"{base}{REQUESTS}/{request.id}"}
    return document


def render_accept(accept: Accept, base: str) -> dict[str, Any]:
    return {
        "id": accept.id,
        "zone_transfer_request_id": accept.zone_transfer_request_id,
        "zone_id": accept.zone_id,
        "project_id": accept.project_id,
        "key": accept.key,
        "status": accept.status,
        "created_at": web.timestamp(accept.created_at),
        "updated_at": web.timestamp(accept.updated_at),
        "links": {
            "self": f"{base}{ACCEPTS}/{accept.id}",
            "zone": f"{base}/v2/zones/{accept.zone_id}",
        },
    }


@router.post(
    "/v2/zones/{zone_id}/tasks/transfer_requests",
    status_code=201,
    response_model=TransferRequestOut,
    responses=errors.doc(400, 401, 403, 404, 409, 415),
    openapi_extra=body.openapi(CREATE),
)
async def create_request(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    """The body may be empty or ``null`` (tempest sends that): an untargeted request without
    description."""
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    fields = body.check(await body.read_optional_object(request), CREATE, None)
    token = request.headers.get("x-auth-token")
    created = await transfers.create_request(ctx, web.env_of(request), zone_id, fields, token)
    rendered = render_request(created, web.base_url(request), True)
    return web.json_response(rendered, 201, location=rendered["links"]["self"])


@router.get(
    REQUESTS,
    response_model=TransferRequestList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(REQUEST_LIST),
)
async def list_requests(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, REQUEST_LIST, env.settings.api, ctx.all_projects)
    page = await transfers.list_requests(ctx, env, query)
    base = web.base_url(request)
    items = [render_request(r, base, transfers.detailed(ctx, r)) for r in page.items]
    document = pagination.collection(request, REQUEST_LIST.plural, items, query.limit, None)
    document.pop("metadata", None)
    return web.json_response(document)


@router.get(
    REQUESTS + "/{request_id}",
    response_model=TransferRequestOut,
    responses=errors.doc(400, 401, 403, 404),
)
async def get_request(request_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    found = await transfers.get_request(
        ctx, web.env_of(request), web.path_id(request_id, "zone_transfer_request_id")
    )
    detailed = transfers.detailed(ctx, found)
    return web.json_response(render_request(found, web.base_url(request), detailed))


@router.patch(
    REQUESTS + "/{request_id}",
    response_model=TransferRequestOut,
    responses=errors.doc(400, 401, 403, 404, 415),
    openapi_extra=body.openapi(UPDATE),
)
async def update_request(request_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    request_id = web.path_id(request_id, "zone_transfer_request_id")
    document = await body.read_object(request)
    current = None
    if UPDATE.needs_current(document):
        found = await transfers.get_request(ctx, env, request_id)
        current = render_request(found, web.base_url(request), True)
    fields = body.check(document, UPDATE, current)
    updated = await transfers.update_request(ctx, env, request_id, fields)
    detailed = transfers.detailed(ctx, updated)
    return web.json_response(render_request(updated, web.base_url(request), detailed))


@router.delete(
    REQUESTS + "/{request_id}", status_code=204, responses=errors.doc(400, 401, 403, 404)
)
async def delete_request(request_id: web.PathId, request: Request) -> Response:
    ctx = auth.context_of(request)
    await transfers.delete_request(
        ctx, web.env_of(request), web.path_id(request_id, "zone_transfer_request_id")
    )
    return Response(status_code=204)


@router.post(
    ACCEPTS,
    status_code=201,
    response_model=TransferAccept,
    responses=errors.doc(400, 401, 403, 404, 413, 415),
    openapi_extra=body.openapi(ACCEPT),
)
async def create_accept(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    fields = body.check(await body.read_object(request), ACCEPT, None)
    fields["zone_transfer_request_id"] = web.path_id(
        str(fields["zone_transfer_request_id"]), "zone_transfer_request_id"
    )
    accepted = await transfers.accept(ctx, web.env_of(request), fields)
    rendered = render_accept(accepted, web.base_url(request))
    return web.json_response(rendered, 201, location=rendered["links"]["self"])


@router.get(
    ACCEPTS,
    response_model=TransferAcceptList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(ACCEPT_LIST),
)
async def list_accepts(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, ACCEPT_LIST, env.settings.api, ctx.all_projects)
    page = await transfers.list_accepts(ctx, env, query)
    base = web.base_url(request)
    items = [render_accept(accept, base) for accept in page.items]
    document = pagination.collection(
        request, ACCEPT_LIST.plural, items, query.limit, page.total_count
    )
    return web.json_response(document)


@router.get(
    ACCEPTS + "/{accept_id}",
    response_model=TransferAccept,
    responses=errors.doc(400, 401, 403, 404),
)
async def get_accept(accept_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    found = await transfers.get_accept(
        ctx, web.env_of(request), web.path_id(accept_id, "zone_transfer_accept_id")
    )
    return web.json_response(render_accept(found, web.base_url(request)))
