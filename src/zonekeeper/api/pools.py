"""``/v2/pools``: list, get, and Designate 23's deprecated writes (POST 201, PATCH 202,
DELETE 204), all admin only (Designate section 1.8).

The writes share ``zonekeeper pool update``'s plan (``service.pool_writes``): they see a pool's
name, description, attributes, ns_records and project_id; targets and nameservers stay
``pools.yaml``'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.api.zones import AttributeText, Description
from zonekeeper.domain import names
from zonekeeper.service import pool_writes, pools


class NsRecord(BaseModel):
    hostname: str
    priority: int


class Pool(BaseModel):
    """A pool as the API renders it."""

    id: str
    project_id: str | None
    name: str
    description: str | None
    attributes: dict[str, str]
    ns_records: list[NsRecord]
    created_at: str
    updated_at: str | None
    links: web.SelfLink


@with_config(ConfigDict(extra="forbid", strict=True))
class NsRecordBody(TypedDict):
    hostname: Annotated[str, web.dns_name_field(names.HOSTNAME_PATTERN, "FQDN, with final dot")]
    priority: Annotated[int, Field(ge=1, le=10000)]


# minLength documented only: the pool's own validation refuses '' with its message.
Name = Annotated[str, Field(max_length=50, json_schema_extra={"minLength": 1})]
Attributes = dict[AttributeText, AttributeText]
NsRecords = Annotated[
    list[NsRecordBody],
    Field(
        # JSON Schema can say "no equal items", not "no equal hostnames": the description
        # says the rest, and the pool's validation refuses a hostname listed twice.
        description="The apex NS of the pool's zones; each hostname once",
        json_schema_extra={"minItems": 1, "uniqueItems": True},
    ),
]
ProjectId = Annotated[str, Field(max_length=255)] | None


@with_config(ConfigDict(extra="forbid", strict=True))
class PoolCreate(TypedDict, total=False):
    name: Required[Name]
    description: Description
    attributes: Attributes
    ns_records: Required[NsRecords]
    project_id: ProjectId


@with_config(ConfigDict(extra="forbid", strict=True))
class PoolUpdate(TypedDict, total=False):
    name: Name
    description: Description
    attributes: Attributes
    ns_records: NsRecords
    project_id: ProjectId


READ_ONLY: Final = frozenset({"id", "created_at", "updated_at", "links"})
CREATE: Final = body.BodyRules("pool", PoolCreate, READ_ONLY)
UPDATE: Final = body.BodyRules("pool", PoolUpdate, READ_ONLY)


class PoolList(BaseModel):
    pools: list[Pool]
    links: pagination.CollectionLinks


LIST: Final = pagination.ListSpec(
    plural="pools", sort_keys=("created_at", "id", "updated_at", "name"), filters=("name",)
)

router = APIRouter(prefix="/v2/pools", tags=["pools"])


def render(pool: pools.Pool, base: str) -> dict[str, Any]:
    """The wire form of ``pool``; ``base`` is the API root URL."""
    return {
        "id": pool.id,
        "project_id": pool.project_id,
        "name": pool.name,
        "description": pool.description,
        "attributes": dict(pool.attributes),
        "ns_records": [
            {"hostname": ns["hostname"], "priority": ns["priority"]} for ns in pool.ns_records
        ],
        "created_at": web.timestamp(pool.created_at),
        "updated_at": web.timestamp(pool.updated_at),
        "links": {"self": f"{base}/v2/pools/{pool.id}"},
    }


@router.get(
    "",
    response_model=PoolList,
    responses=errors.doc(400, 401, 403),
    openapi_extra=pagination.openapi(LIST),
)
async def list_pools(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    env = web.env_of(request)
    query = pagination.parse(request, LIST, env.settings.api, ctx.all_projects)
    page = await pools.list(ctx, env, query)
    base = web.base_url(request)
    items = [render(pool, base) for pool in page.items]
    document = pagination.collection(request, LIST.plural, items, query.limit, None)
    del document["metadata"]  # Designate's pool list has none
    return web.json_response(document)


@router.get("/{pool_id}", response_model=Pool, responses=errors.doc(400, 401, 403, 404))
async def get_pool(pool_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    pool = await pools.get(ctx, web.env_of(request), web.path_id(pool_id, "pool_id"))
    return web.json_response(render(pool, web.base_url(request)))


@router.post(
    "",
    status_code=201,
    response_model=Pool,
    responses=errors.doc(400, 401, 403, 409, 415),
    openapi_extra=body.openapi(CREATE),
)
async def create_pool(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    fields = body.check(await body.read_object(request), CREATE, None)
    pool = await pool_writes.create(ctx, web.env_of(request), fields)
    document = render(pool, web.base_url(request))
    return web.json_response(document, 201, location=document["links"]["self"])


@router.patch(
    "/{pool_id}",
    status_code=202,
    response_model=Pool,
    responses=errors.doc(400, 401, 403, 404, 409, 415),
    openapi_extra=body.openapi(UPDATE),
)
async def update_pool(pool_id: web.PathId, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    pool_id = web.path_id(pool_id, "pool_id")
    env = web.env_of(request)
    base = web.base_url(request)
    document = await body.read_object(request)
    current = None
    if UPDATE.needs_current(document):
        current = render(await pools.get(ctx, env, pool_id), base)
    pool = await pool_writes.update(ctx, env, pool_id, body.check(document, UPDATE, current))
    return web.json_response(render(pool, base), 202)


@router.delete("/{pool_id}", status_code=204, responses=errors.doc(400, 401, 403, 404))
async def delete_pool(pool_id: web.PathId, request: Request) -> Response:
    ctx = auth.context_of(request)
    await pool_writes.delete(ctx, web.env_of(request), web.path_id(pool_id, "pool_id"))
    return Response(status_code=204)
