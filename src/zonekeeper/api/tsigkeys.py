"""``/v2/tsigkeys``: TSIG keys scoped to a pool or a zone, admin only (Designate section 1.8).
The secret is returned in clear, as Designate does: only admins see these."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Required

from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import admin_routes, body, pagination, web
from zonekeeper.domain.admin_resources import TsigKey as TsigKeyValue
from zonekeeper.service import tsigkeys

Name = Annotated[str, Field(min_length=1, max_length=160)]
# Designate's list. hmac-md5 is stored and listed, but the mini-DNS never signs or verifies
# with it (nor with a secret that is not base64): see storage/tsigkeys.py.
Algorithm = Literal[
    "hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"
]
# minLength documented only: the service refuses '' with Designate's message.
Secret = Annotated[str, Field(max_length=160, json_schema_extra={"minLength": 1})]
Scope = Literal["POOL", "ZONE"]
ResourceId = Annotated[str, Field(pattern=web.UUID_PATTERN.pattern, description="Pool or zone id")]


@with_config(ConfigDict(extra="forbid", strict=True))
class TsigKeyCreate(TypedDict):
    name: Required[Name]
    algorithm: Required[Algorithm]
    secret: Required[Secret]
    scope: Required[Scope]
    resource_id: Required[ResourceId]


@with_config(ConfigDict(extra="forbid", strict=True))
class TsigKeyUpdate(TypedDict, total=False):
    name: Name
    algorithm: Algorithm
    secret: Secret
    scope: Scope
    resource_id: ResourceId


class TsigKey(BaseModel):
    id: str
    name: str
    algorithm: str
    secret: str
    scope: str
    resource_id: str
    created_at: str
    updated_at: str | None
    links: web.SelfLink


class TsigKeyList(BaseModel):
    tsigkeys: list[TsigKey]
    links: pagination.CollectionLinks


READ_ONLY: Final = frozenset({"id", "created_at", "updated_at", "links"})


def render(key: TsigKeyValue, base: str) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "algorithm": key.algorithm,
        "secret": key.secret,
        "scope": key.scope,
        "resource_id": key.resource_id,
        "created_at": web.timestamp(key.created_at),
        "updated_at": web.timestamp(key.updated_at),
        "links": {"self": f"{base}/v2/tsigkeys/{key.id}"},
    }


RESOURCE: Final = admin_routes.Resource(
    path="/v2/tsigkeys",
    id_name="tsigkey_id",
    listing=pagination.ListSpec(
        plural="tsigkeys",
        sort_keys=("created_at", "id", "updated_at", "name"),
        filters=("name", "algorithm", "scope"),
    ),
    create_rules=body.BodyRules("tsigkey", TsigKeyCreate, READ_ONLY),
    update_rules=body.BodyRules("tsigkey", TsigKeyUpdate, READ_ONLY),
    model=TsigKey,
    list_model=TsigKeyList,
    render=render,
    service=tsigkeys.RESOURCE,
)
router = admin_routes.router(RESOURCE)
