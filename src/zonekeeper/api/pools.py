"""``/v2/pools``: list and get, admin only (Designate §1.8).

POST, PATCH and DELETE answer 405: Designate deprecated them, pools are owned by
``zonekeeper pool update`` (its ``designate-manage pool update``).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel

from zonekeeper.api import auth, errors, pagination, web
from zonekeeper.service import pools


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
        "project_id": None,
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
    pool = await pools.get(ctx, web.env_of(request), web.path_id(pool_id))
    return web.json_response(render(pool, web.base_url(request)))
