"""``/v2/reverse/floatingips``: the PTRs of the caller's floating IPs (list, get, set, unset).

Floating IPs are addressed as ``<region>:<uuid>``. The caller's ``X-Auth-Token`` goes to
Neutron with each request (``network_api.use_caller_token``). Lists have ``links.self``
only: no paging, no ``metadata``. ``PATCH`` answers 202: with the floating IP after a set,
with no body after an unset (``{"ptrdname": null}``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Required

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import auth, body, errors, web
from zonekeeper.domain import errors as domain_errors
from zonekeeper.domain import names
from zonekeeper.service import floatingips

MAX_TTL: Final = 2147483647
KEY_PATTERN: Final = re.compile(rf"(?P<region>[A-Za-z0-9.\-_]{{1,100}}):(?P<id>{web.UUID_REGEX})")
Key = Annotated[str, Path(json_schema_extra={"pattern": f"^{KEY_PATTERN.pattern}$"})]
"""``<region>:<uuid>`` as documented (checked by :func:`parse_key`, which answers 400)."""
"""Designate's ``FIP_REGEX``: ``<region>:<uuid>``."""


@with_config(
    ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"ptrdname": "host.example.org.", "ttl": 300}]},
    )
)
class FloatingIpUpdate(TypedDict, total=False):
    """The body of ``PATCH /v2/reverse/floatingips/{region}:{id}``: set the PTR, or unset it
    with ``"ptrdname": null``."""

    ptrdname: Required[
        Annotated[str, web.dns_name_field(names.HOSTNAME_PATTERN, "FQDN, final dot")] | None
    ]
    ttl: Annotated[int, Field(ge=1, le=MAX_TTL)] | None
    description: Annotated[str, Field(max_length=160, pattern=body.STORABLE_TEXT)] | None


class FloatingIp(BaseModel):
    """A floating IP and its PTR as the API renders it."""

    id: str
    address: str
    ptrdname: str | None
    description: str | None
    ttl: int | None
    action: str
    status: str
    links: web.SelfLink


class FloatingIpList(BaseModel):
    """Every floating IP of the project: ``links.self`` only, no paging, no ``metadata``."""

    floatingips: list[FloatingIp]
    links: web.SelfLink


READ_ONLY: Final = frozenset({"id", "address", "action", "status", "links"})
UPDATE: Final = body.BodyRules("floatingip", FloatingIpUpdate, READ_ONLY)

router = APIRouter(prefix="/v2/reverse/floatingips", tags=["floatingips"])


def render(fip: floatingips.FloatingIpPtr, base: str) -> dict[str, Any]:
    """The wire form of ``fip``; ``base`` is the API root URL (see ``web.base_url``)."""
    return {
        "id": fip.key,
        "address": fip.address,
        "ptrdname": fip.ptrdname,
        "description": fip.description,
        "ttl": fip.ttl,
        "action": fip.action,
        "status": fip.status,
        "links": {"self": f"{base}/v2/reverse/floatingips/{fip.key}"},
    }


def parse_key(key: str) -> tuple[str, str]:
    """(region, lower-cased uuid) of a ``<region>:<uuid>`` key; raises BadRequest (400)
    otherwise, before Neutron is asked."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        raise domain_errors.BadRequest(
            f"Floating IP {key:.200} is not in the format of <region>:<uuid>"
        )
    return match["region"], match["id"].lower()


def token_of(request: Request) -> str | None:
    """The caller's ``X-Auth-Token`` (None when absent or blank)."""
    return request.headers.get("x-auth-token", "").strip() or None


@router.get("", response_model=FloatingIpList, responses=errors.doc(401, 403, 504))
async def list_floatingips(request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    found = await floatingips.list(ctx, web.env_of(request), token_of(request))
    base = web.base_url(request)
    items = [render(fip, base) for fip in found]
    return web.json_response({"floatingips": items, "links": {"self": str(request.url)}})


@router.get("/{key}", response_model=FloatingIp, responses=errors.doc(400, 401, 403, 404, 504))
async def get_floatingip(key: Key, request: Request) -> web.JsonResponse:
    ctx = auth.context_of(request)
    region, fip_id = parse_key(key)
    fip = await floatingips.get(ctx, web.env_of(request), token_of(request), region, fip_id)
    return web.json_response(render(fip, web.base_url(request)))


@router.patch(
    "/{key}",
    status_code=202,
    response_model=FloatingIp,
    responses={
        **errors.doc(400, 401, 403, 404, 409, 413, 415, 504),
        202: {"model": FloatingIp, "description": "PTR set (no body when unset)"},
    },
    openapi_extra=body.openapi(UPDATE),
)
async def update_floatingip(key: Key, request: Request) -> Response:
    ctx = auth.context_of(request)
    region, fip_id = parse_key(key)
    env = web.env_of(request)
    token = token_of(request)
    base = web.base_url(request)
    document = await body.read_object(request)
    current = None
    if UPDATE.needs_current(document):
        current = render(await floatingips.get(ctx, env, token, region, fip_id), base)
    fields = body.check(document, UPDATE, current)
    if fields.get("ptrdname") is None:
        await floatingips.unset_ptr(ctx, env, token, region, fip_id)
        return Response(status_code=202)
    wanted = floatingips.validate(ctx, env, fields)
    fip = await floatingips.set_ptr(ctx, env, token, region, fip_id, wanted)
    return web.json_response(render(fip, base), 202)
