"""``/v2/limits``: the caller's own quotas and the field limits (Designate section 1.8)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from zonekeeper.api import auth, errors, web
from zonekeeper.service import quotas


class Limits(BaseModel):
    max_zones: int
    max_zone_recordsets: int
    max_zone_records: int
    max_recordset_records: int
    min_ttl: int
    max_zone_name_length: int
    max_recordset_name_length: int
    max_page_limit: int


router = APIRouter(tags=["limits"])


@router.get("/v2/limits", response_model=Limits, responses=errors.doc(401, 403))
async def get_limits(request: Request) -> web.JsonResponse:
    env = web.env_of(request)
    own = await quotas.limits(auth.context_of(request), env)
    settings = env.settings
    return web.json_response(
        {
            "max_zones": own["zones"],
            "max_zone_recordsets": own["zone_recordsets"],
            "max_zone_records": own["zone_records"],
            "max_recordset_records": own["recordset_records"],
            "min_ttl": settings.zones.min_ttl,
            "max_zone_name_length": settings.zones.max_zone_name_length,
            "max_recordset_name_length": settings.zones.max_recordset_name_length,
            "max_page_limit": settings.api.max_limit,
        }
    )
