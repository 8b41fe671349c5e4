"""Recordsets: ``/v2/zones/{zone_id}/recordsets[/{id}]`` (list, create, get, PUT, delete)
and ``/v2/recordsets[/{id}]`` (every visible recordset; a single one redirects, 301).

PUT is a partial update and PATCH is not allowed (405), as in Designate. A write answers
202 while the recordset is PENDING, 201/200 when it is ACTIVE (an empty ``records``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.api.zones import MAX_TTL, Description
from zonekeeper.domain import errors as domain_errors
from zonekeeper.domain import models, names
from zonekeeper.service import recordsets

Records = Annotated[list[str], Field(description="Record data in presentation format")]
Ttl = Annotated[int, Field(ge=0, le=MAX_TTL)] | None
"""null: served with the zone's TTL."""


@with_config(
    ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"name": "www.example.org.", "type": "A", "records": ["192.0.2.1"]}]
        },
    )
)
class RecordSetCreate(TypedDict, total=False):
    """The body of ``POST /v2/zones/{zone_id}/recordsets``."""

    name: Required[
        Annotated[str, web.dns_name_field(names.RECORDSET_NAME_PATTERN, "FQDN inside the zone")]
    ]
    type: Required[Annotated[str, Field(max_length=16, description="A, AAAA, MX, ...")]]
    records: Records
    ttl: Ttl
    description: Description


@with_config(ConfigDict(extra="forbid", strict=True))
class RecordSetUpdate(TypedDict, total=False):
    """The body of ``PUT .../recordsets/{id}``: only the keys given change; ``records``
    replaces the whole set."""

    records: Records
    ttl: Ttl
    description: Description


class RecordSet(BaseModel):
    """A recordset as the API renders it."""

    id: str
    zone_id: str
    zone_name: str
    project_id: str
    name: str
    type: str
    records: list[str]
    ttl: int | None
    description: str | None
    status: models.Status
    action: models.Action
    version: int
    created_at: str
    updated_at: str | None
    links: web.SelfLink


class RecordSetList(BaseModel):
    recordsets: list[RecordSet]
    links: pagination.CollectionLinks
    metadata: pagination.ListMetadata


READ_ONLY: Final = frozenset(
    {"id", "zone_id", "zone_name", "project_id", "status", "action", "version"}
    | {"created_at", "updated_at", "links"}
)
CREATE: Final = body.BodyRules("recordset", RecordSetCreate, READ_ONLY)
UPDATE: Final = body.BodyRules("recordset", RecordSetUpdate, READ_ONLY | {"name", "type"})
FILTERS: Final = ("name", "type", "ttl", "data", "status", "description")
ZONE_LIST: Final = pagination.ListSpec(
    plural="recordsets",
    sort_keys=("created_at", "id", "updated_at", "zone_id", "tenant_id", "name", "type", "ttl"),
    filters=FILTERS,
)
ALL_LIST: Final = pagination.ListSpec(
    plural="recordsets",
    sort_keys=("created_at", "updated_at", "zone_id", "tenant_id", "name", "type", "ttl"),
    filters=FILTERS,
)
HIDE_COUNTS: Final = "openstack-dns-hide-counts"

router = APIRouter(tags=["recordsets"])
ZONE_RECORDSETS: Final = "/v2/zones/{zone_id}/recordsets"
ONE_RECORDSET: Final = ZONE_RECORDSETS + "/{recordset_id}"


def render(recordset: models.RecordSet, base: str) -> dict[str, Any]:
    """The wire form of ``recordset``; ``links.self`` is always under its zone."""
    return {
        "id": recordset.id,
        "zone_id": recordset.zone_id,
        "zone_name": recordset.zone_name,
        "project_id": recordset.project_id,
        "name": recordset.name,
        "type": recordset.type,
        "records": list(recordset.records),
        "ttl": recordset.ttl,
        "description": recordset.description,
        "status": recordset.status.value,
        "action": recordset.action.value,
        "version": recordset.version,
        "created_at": web.timestamp(recordset.created_at),
        "updated_at": web.timestamp(recordset.updated_at),
        "links": {"self": f"{base}/v2/zones/{recordset.zone_id}/recordsets/{recordset.id}"},
    }


@router.get(
    ZONE_RECORDSETS,
    response_model=RecordSetList,
    responses=errors.doc(400, 401, 403, 404),
    openapi_extra=pagination.openapi(ZONE_LIST),
)
async def list_zone_recordsets(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    return await _list(request, zone_id, ZONE_LIST)


@router.get(
    "/v2/recordsets",
    response_model=RecordSetList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(ALL_LIST),
)
async def list_all_recordsets(request: Request) -> web.JsonResponse:
    return await _list(request, None, ALL_LIST)


async def _list(
    request: Request, zone_id: str | None, spec: pagination.ListSpec
) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone_id = None if zone_id is None else web.path_id(zone_id, "zone_id")
    env = web.env_of(request)
    query = pagination.parse(request, spec, env.settings.api, ctx.all_projects)
    count = not auth.bool_from_string(request.headers.get(HIDE_COUNTS))
    page = await recordsets.list(ctx, env, zone_id, query, count=count)
    base = web.base_url(request)
    items = [render(recordset, base) for recordset in page.items]
    total = page.total_count if count else None
    document = pagination.collection(request, spec.plural, items, query.limit, total)
    return web.json_response(document)


@router.post(
    ZONE_RECORDSETS,
    status_code=202,
    response_model=RecordSet,
    responses={
        **errors.doc(400, 401, 403, 404, 409, 413, 415),
        201: {"model": RecordSet, "description": "Created with no records: ACTIVE"},
    },
    openapi_extra=body.openapi(CREATE),
)
async def create_recordset(zone_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    zone_id = web.path_id(zone_id, "zone_id")
    fields = body.check(await body.read_object(request), CREATE, None)
    recordset = await recordsets.create(ctx, web.env_of(request), zone_id, fields)
    document = render(recordset, web.base_url(request))
    status = 201 if recordset.status is models.Status.ACTIVE else 202
    return web.json_response(document, status, location=document["links"]["self"])


@router.get(ONE_RECORDSET, response_model=RecordSet, responses=errors.doc(400, 401, 403, 404))
async def get_recordset(
    zone_id: web.PathId, recordset_id: web.PathId, request: Request
) -> web.JsonResponse:
    ctx = auth.context_of(request)
    ids = web.path_id(zone_id, "zone_id"), web.path_id(recordset_id, "recordset_id")
    recordset = await recordsets.get(ctx, web.env_of(request), *ids)
    return web.json_response(render(recordset, web.base_url(request)))


@router.put(
    ONE_RECORDSET,
    status_code=202,
    response_model=RecordSet,
    responses={
        **errors.doc(400, 401, 403, 404, 409, 413, 415),
        200: {"model": RecordSet, "description": "Updated to no records: ACTIVE"},
    },
    openapi_extra=body.openapi(UPDATE),
)
async def update_recordset(
    zone_id: web.PathId, recordset_id: web.PathId, request: Request
) -> web.JsonResponse:
    ctx = auth.context_of(request)
    ids = web.path_id(zone_id, "zone_id"), web.path_id(recordset_id, "recordset_id")
    env = web.env_of(request)
    base = web.base_url(request)
    try:
        document = await body.read_object(request)
        current = None
        if UPDATE.needs_current(document):
            current = render(await recordsets.get(ctx, env, *ids), base)
        fields = body.check(document, UPDATE, current)
    except domain_errors.InvalidObject:
        # Designate refuses an SOA, managed or apex NS recordset before it reads the body
        # (tempest sends such updates with a list as the body); only then the body's faults.
        await recordsets.check_updatable(ctx, env, *ids)
        raise
    recordset = await recordsets.update(ctx, env, *ids, fields)
    status = 200 if recordset.status is models.Status.ACTIVE else 202
    return web.json_response(render(recordset, base), status)


@router.delete(
    ONE_RECORDSET,
    status_code=202,
    response_model=RecordSet,
    responses=errors.doc(400, 401, 403, 404),
)
async def delete_recordset(
    zone_id: web.PathId, recordset_id: web.PathId, request: Request
) -> web.JsonResponse:
    ctx = auth.context_of(request)
    ids = web.path_id(zone_id, "zone_id"), web.path_id(recordset_id, "recordset_id")
    recordset = await recordsets.delete(ctx, web.env_of(request), *ids)
    return web.json_response(render(recordset, web.base_url(request)), 202)


@router.get(
    "/v2/recordsets/{recordset_id}",
    status_code=301,
    response_model=RecordSet,
    responses=errors.doc(400, 401, 403, 404),
)
async def find_recordset(recordset_id: web.PathId, request: Request) -> web.JsonResponse:
    """Redirects to the recordset under its zone (clients follow ``Location``)."""
    ctx = auth.context_of(request)
    recordset = await recordsets.find(
        ctx, web.env_of(request), web.path_id(recordset_id, "recordset_id")
    )
    document = render(recordset, web.base_url(request))
    return web.json_response(document, 301, location=document["links"]["self"])
