"""``/v2/zones``: list, create, get, update (PATCH), delete, and a zone's nameservers.

Writes answer 202 while the zone is PENDING (always, after a change) and 201/200 otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Required

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.domain import models, names
from zonekeeper.service import pool_moves, propagation, secondary, zones

MAX_TTL: Final = 2147483647
DELETE_SHARES: Final = "x-designate-delete-shares"

Ttl = Annotated[int, Field(ge=0, le=MAX_TTL, description="Seconds, 0..2147483647")]
Description = Annotated[str, Field(max_length=160, pattern=body.STORABLE_TEXT)] | None
Email = Annotated[
    str,
    Field(
        max_length=255,
        description="Hostmaster address (its local part at most 63 characters)",
        # 253: the SOA RNAME it becomes takes two octets more, and is at most 255.
        json_schema_extra={"pattern": names.EMAIL_PATTERN, "maxLength": 253},
    ),
]
Masters = Annotated[
    list[Annotated[str, Field(pattern=body.STORABLE_TEXT)]],
    Field(
        description='A SECONDARY zone\'s masters, "host" or "host:port" (IPv6: "[::1]:5353"); '
        "empty for a PRIMARY zone"
    ),
]
ZoneTypeName = Literal["PRIMARY", "SECONDARY"]
AttributeText = Annotated[str, Field(max_length=50, pattern=body.STORABLE_TEXT)]


@with_config(
    ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"name": "example.org.", "email": "admin@example.org"}]},
    )
)
class ZoneCreate(TypedDict, total=False):
    """The body of ``POST /v2/zones`` (``pool_id`` is also accepted, and ignored)."""

    name: Required[
        Annotated[str, web.dns_name_field(names.ZONE_NAME_PATTERN, "FQDN, with final dot")]
    ]
    email: Annotated[Email, Field(description="Required for PRIMARY; not allowed for SECONDARY")]
    ttl: Annotated[Ttl, Field(description="Not allowed for SECONDARY (its masters' SOA)")]
    description: Description
    type: ZoneTypeName
    masters: Masters
    attributes: Annotated[dict[AttributeText, AttributeText], Field(description="Pool hints")]


@with_config(ConfigDict(extra="forbid", strict=True))
class ZoneUpdate(TypedDict, total=False):
    """The body of ``PATCH /v2/zones/{id}``: only the keys given change."""

    email: Email
    ttl: Ttl
    description: Description
    masters: Masters


class Zone(BaseModel):
    """A zone as the API renders it."""

    id: str
    pool_id: str
    project_id: str
    name: str
    email: str
    ttl: int
    serial: int
    status: models.Status
    action: models.Action
    description: str | None
    masters: list[str]
    type: models.ZoneType
    transferred_at: str | None
    version: int
    created_at: str
    updated_at: str | None
    attributes: dict[str, str]
    shared: bool
    links: web.SelfLink


class ZoneList(BaseModel):
    zones: list[Zone]
    links: pagination.CollectionLinks
    metadata: pagination.ListMetadata


class Nameserver(BaseModel):
    hostname: str
    priority: int


class Nameservers(BaseModel):
    nameservers: list[Nameserver]


READ_ONLY: Final = frozenset(
    {"id", "project_id", "serial", "status", "action", "shared", "version", "created_at"}
    | {"updated_at", "transferred_at", "links"}
)
CREATE: Final = body.BodyRules("zone", ZoneCreate, READ_ONLY, frozenset({"pool_id"}))
UPDATE: Final = body.BodyRules(
    "zone", ZoneUpdate, READ_ONLY | {"name", "type", "attributes"}, frozenset({"pool_id"})
)
LIST: Final = pagination.ListSpec(
    plural="zones",
    sort_keys=("created_at", "id", "updated_at", "name", "serial", "ttl", "status"),
    filters=("name", "type", "email", "status", "description", "ttl"),
    project_sort_keys=("tenant_id",),
)

router = APIRouter(prefix="/v2/zones", tags=["zones"])


def render(zone: models.Zone, base: str) -> dict[str, Any]:
    """The wire form of ``zone``; ``base`` is the API root URL (see ``web.base_url``)."""
    return {
        "id": zone.id,
        "pool_id": zone.pool_id,
        "project_id": zone.project_id,
        "name": zone.name,
        "email": zone.email,
        "ttl": zone.ttl,
        "serial": zone.serial,
        "status": zone.status.value,
        "action": zone.action.value,
        "description": zone.description,
        "masters": list(zone.masters),
        "type": zone.type.value,
        "transferred_at": web.timestamp(zone.transferred_at),
        "version": zone.version,
        "created_at": web.timestamp(zone.created_at),
        "updated_at": web.timestamp(zone.updated_at),
        "attributes": dict(zone.attributes),
        "shared": zone.shared,
        "links": {"self": f"{base}/v2/zones/{zone.id}"},
    }


@router.get(
    "",
    response_model=ZoneList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(LIST),
)
async def list_zones(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    page = await zones.list(ctx, env, query)
    base = web.base_url(request)
    items = [render(zone, base) for zone in page.items]
    document = pagination.collection(request, LIST.plural, items, query.limit, page.total_count)
    return web.json_response(document)


@router.post(
    "",
    status_code=202,
    response_model=Zone,
    responses={
        **errors.doc(400, 401, 403, 404, 409, 413, 415),
        201: {"model": Zone, "description": "Created, already ACTIVE"},
    },
    openapi_extra=body.openapi(CREATE),
)
async def create_zone(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    fields = body.check(await body.read_object(request), CREATE, None)
    zone = await zones.create(ctx, web.env_of(request), fields)
    document = render(zone, web.base_url(request))
    status = 202 if zone.status is models.Status.PENDING else 201
    return web.json_response(document, status, location=document["links"]["self"])


@router.get("/{zone_id}", response_model=Zone, responses=errors.doc(400, 401, 403, 404))
async def get_zone(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone = await zones.get(ctx, web.env_of(request), web.path_id(zone_id, "zone_id"))
    return web.json_response(render(zone, web.base_url(request)))


@router.patch(
    "/{zone_id}",
    status_code=202,
    response_model=Zone,
    responses={
        **errors.doc(400, 401, 403, 404, 409, 413, 415),
        200: {"model": Zone, "description": "Updated, still ACTIVE"},
    },
    openapi_extra=body.openapi(UPDATE),
)
async def update_zone(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    env = web.env_of(request)
    base = web.base_url(request)
    document = await body.read_object(request)
    current = None
    if UPDATE.needs_current(document):
        current = render(await zones.get(ctx, env, zone_id), base)
    zone = await zones.update(ctx, env, zone_id, body.check(document, UPDATE, current))
    status = 202 if zone.status is models.Status.PENDING else 200
    return web.json_response(render(zone, base), status)


@router.delete(
    "/{zone_id}", status_code=202, response_model=Zone, responses=errors.doc(400, 401, 403, 404)
)
async def delete_zone(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    """A shared zone needs ``X-Designate-Delete-Shares: true`` (its shares go with it)."""
    ctx = auth.context_of(request)
    delete_shares = _delete_shares(request)
    zone_id = web.path_id(zone_id, "zone_id")
    zone = await zones.delete(ctx, web.env_of(request), zone_id, delete_shares)
    return web.json_response(render(zone, web.base_url(request)), 202)


def _delete_shares(request: Request) -> bool:
    return auth.bool_from_string(request.headers.get(DELETE_SHARES))


@router.post("/{zone_id}/tasks/abandon", status_code=204, responses=errors.doc(400, 401, 403, 404))
async def abandon_zone(zone_id: web.PathId, request: Request) -> Response:
    """Forget the zone without removing it from the nameservers (admins; 204, no body)."""
    ctx = auth.context_of(request)
    env = web.env_of(request)
    await zones.abandon(ctx, env, web.path_id(zone_id, "zone_id"), _delete_shares(request))
    return Response(status_code=204)


@with_config(ConfigDict(extra="forbid", strict=True))
class PoolMove(TypedDict, total=False):
    """The body of ``POST /v2/zones/{id}/tasks/pool_move`` (optional)."""

    pool_id: Annotated[str, Field(pattern=f"^{web.UUID_REGEX}$")] | None


POOL_MOVE: Final = body.BodyRules("pool_move", PoolMove, frozenset())


@router.post(
    "/{zone_id}/tasks/pool_move",
    status_code=202,
    responses=errors.doc(400, 401, 403, 404, 409, 415),
    openapi_extra=body.openapi(POOL_MOVE),
)
async def pool_move_zone(zone_id: web.PathId, request: Request) -> Response:
    """Move the zone to ``pool_id`` (absent: the default pool) without it going unserved:
    admins; 202, no body. The zone is PENDING until the old pool no longer holds it."""
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    raw = await request.body()
    document = await body.read_object(request) if raw.strip() else {}
    fields = body.check(document, POOL_MOVE, None)
    await pool_moves.move(ctx, web.env_of(request), zone_id, fields.get("pool_id"))
    return Response(status_code=202)


@router.get(
    "/{zone_id}/nameservers", response_model=Nameservers, responses=errors.doc(400, 401, 403, 404)
)
async def get_nameservers(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    pairs = await zones.nameservers(ctx, web.env_of(request), web.path_id(zone_id, "zone_id"))
    servers = [{"hostname": hostname, "priority": priority} for hostname, priority in pairs]
    return web.json_response({"nameservers": servers})


class NameserverSync(BaseModel):
    host: str
    port: int
    served_serial: int | None
    status: str
    reason: str | None
    last_error: str | None
    checked_at: str | None


class TargetSync(BaseModel):
    target: str
    status: str
    reason: str | None
    last_error: str | None
    checked_at: str | None


class TransferSync(BaseModel):
    """A SECONDARY zone's refreshes from its masters."""

    masters: list[str]
    status: str | None
    reason: str | None
    last_error: str | None
    transferred_at: str | None
    refreshed_at: str | None
    next_transfer_at: str | None


class ZoneSync(BaseModel):
    """Zonekeeper's extension: where the zone's propagation stands (Designate clients ignore it)."""

    zone_id: str
    serial: int
    status: models.Status
    action: models.Action
    pool_id: str
    moving_from_pool_id: str | None
    """While a pool move is under way: the pool the zone leaves (its targets are listed
    too, until the zone is removed from them)."""
    attempts: int
    last_error: str | None
    nameservers: list[NameserverSync]
    targets: list[TargetSync]
    transfer: TransferSync | None
    links: web.SelfLink


@router.get("/{zone_id}/sync", response_model=ZoneSync, responses=errors.doc(400, 401, 403, 404))
async def get_sync(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    state = await propagation.sync(ctx, web.env_of(request), web.path_id(zone_id, "zone_id"))
    zone = state.zone
    return web.json_response(
        {
            "zone_id": zone.id,
            "serial": zone.serial,
            "status": zone.status.value,
            "action": zone.action.value,
            "pool_id": zone.pool_id,
            "moving_from_pool_id": zone.moving_from,
            "attempts": zone.attempts,
            "last_error": zone.last_error,
            "nameservers": [_nameserver(ns) for ns in state.nameservers],
            "targets": [_target(target) for target in state.targets],
            "transfer": _transfer(zone, state.transfer),
            "links": {"self": f"{web.base_url(request)}/v2/zones/{zone.id}/sync"},
        }
    )


def _nameserver(state: models.NameserverState) -> dict[str, Any]:
    return {
        "host": state.host,
        "port": state.port,
        "served_serial": state.served_serial,
        "status": state.status,
        "reason": state.reason,
        "last_error": state.last_error,
        "checked_at": web.timestamp(state.checked_at),
    }


def _target(state: models.TargetState) -> dict[str, Any]:
    return {
        "target": state.target,
        "status": state.status,
        "reason": state.reason,
        "last_error": state.last_error,
        "checked_at": web.timestamp(state.checked_at),
    }


def _transfer(zone: models.Zone, state: models.TransferState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "masters": list(zone.masters),
        "status": state.status,
        "reason": state.reason,
        "last_error": state.last_error,
        "transferred_at": web.timestamp(state.transferred_at),
        "refreshed_at": web.timestamp(state.refreshed_at),
        "next_transfer_at": web.timestamp(state.next_transfer_at),
    }


@router.post("/{zone_id}/tasks/xfr", status_code=202, responses=errors.doc(400, 401, 403, 404))
async def xfr_zone(zone_id: web.PathId, request: Request) -> Response:
    """Ask a SECONDARY zone's masters now; a transfer follows when they are ahead of us
    (202, no body; 400 for a PRIMARY zone)."""
    ctx = auth.context_of(request)
    await secondary.request_transfer(ctx, web.env_of(request), web.path_id(zone_id, "zone_id"))
    return Response(status_code=202)
