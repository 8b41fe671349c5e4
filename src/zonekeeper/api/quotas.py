"""``/v2/quotas``: a project's quotas as one flat map (Designate section 1.8), and the legacy
``/admin/quotas/{project_id}`` with the same map under ``quota``.

GET is the caller's (or, acting on all projects, any) project's; PATCH sets some quotas and
answers all of them; DELETE resets the project to the defaults (204). Setting and resetting
are for admins; another project needs all-projects besides, except on the admin API, where an
admin acts on all projects by definition (Designate's admin controller sets it).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Final

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, floatingips, web
from zonekeeper.service import policy, quotas
from zonekeeper.service.context import RequestContext

Limit = Annotated[int, Field(ge=-1, le=2147483647, description="-1: unlimited")]


@with_config(ConfigDict(extra="forbid", strict=True))
class QuotaUpdate(TypedDict, total=False):
    """The body of ``PATCH /v2/quotas/{project_id}``: only the quotas given change."""

    api_export_size: Limit
    recordset_records: Limit
    zone_records: Limit
    zone_recordsets: Limit
    zones: Limit


class Quota(BaseModel):
    api_export_size: int
    recordset_records: int
    zone_records: int
    zone_recordsets: int
    zones: int


@with_config(ConfigDict(extra="forbid", strict=True))
class AdminQuotaUpdate(TypedDict):
    quota: QuotaUpdate


class AdminQuota(BaseModel):
    quota: Quota


UPDATE: Final = body.BodyRules("quota", QuotaUpdate, frozenset())
ADMIN_UPDATE: Final = body.BodyRules("quota", AdminQuotaUpdate, frozenset())

router = APIRouter(tags=["quotas"])


@router.get("/v2/quotas", response_model=Quota, responses=errors.doc(401, 403))
async def get_own_quotas(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    return web.json_response(await quotas.get(ctx, web.env_of(request), ctx.project_id))


@router.get("/v2/quotas/{project_id}", response_model=Quota, responses=errors.doc(401, 403))
async def get_quotas(project_id: str, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    return web.json_response(await quotas.get(ctx, web.env_of(request), project_id))


@router.patch(
    "/v2/quotas/{project_id}",
    response_model=Quota,
    responses=errors.doc(400, 401, 403, 415),
    openapi_extra=body.openapi(UPDATE),
)
async def update_quotas(project_id: str, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    limits = body.check(await body.read_object(request), UPDATE, None)
    token = floatingips.token_of(request)
    updated = await quotas.set_limits(ctx, web.env_of(request), project_id, limits, token)
    return web.json_response(updated)


@router.delete("/v2/quotas/{project_id}", status_code=204, responses=errors.doc(401, 403))
async def reset_quotas(project_id: str, request: Request) -> Response:
    await quotas.reset(auth.context_of(request), web.env_of(request), project_id)
    return Response(status_code=204)


@router.get("/admin/quotas/{project_id}", response_model=AdminQuota, responses=errors.doc(401, 403))
async def admin_get_quotas(project_id: str, request: Request) -> web.JsonResponse:
    found = await quotas.get(_admin_context(request), web.env_of(request), project_id)
    return web.json_response({"quota": found})


@router.patch(
    "/admin/quotas/{project_id}",
    response_model=AdminQuota,
    responses=errors.doc(400, 401, 403, 415),
    openapi_extra=body.openapi(ADMIN_UPDATE),
)
async def admin_update_quotas(project_id: str, request: Request) -> web.JsonResponse:
    ctx = _admin_context(request)
    document: dict[str, Any] = body.check(await body.read_object(request), ADMIN_UPDATE, None)
    token = floatingips.token_of(request)
    env = web.env_of(request)
    updated = await quotas.set_limits(ctx, env, project_id, document["quota"], token)
    return web.json_response({"quota": updated})


@router.delete("/admin/quotas/{project_id}", status_code=204, responses=errors.doc(401, 403))
async def admin_reset_quotas(project_id: str, request: Request) -> Response:
    await quotas.reset(_admin_context(request), web.env_of(request), project_id)
    return Response(status_code=204)


def _admin_context(request: Request) -> RequestContext:
    """The caller, acting on all projects if it may (``all_tenants``: admins; a reader does
    not get to read other projects' quotas through this door)."""
    ctx = auth.context_of(request)
    return dataclasses.replace(
        ctx, all_projects=ctx.all_projects or policy.check(ctx, "all_tenants")
    )
