"""``/v2/tlds``: top-level domains, admin only (Designate section 1.8)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import admin_routes, body, pagination, web
from zonekeeper.api.zones import Description
from zonekeeper.domain import names
from zonekeeper.domain.admin_resources import Tld as TldValue
from zonekeeper.service import tlds

Name = Annotated[
    str,
    Field(
        description="No trailing dot: org, co.uk",
        # Documented only: the service refuses other names with Designate's message.
        json_schema_extra={"pattern": names.TLD_NAME_PATTERN, "maxLength": 254},
    ),
]


@with_config(ConfigDict(extra="forbid", strict=True))
class TldCreate(TypedDict, total=False):
    name: Required[Name]
    description: Description


@with_config(ConfigDict(extra="forbid", strict=True))
class TldUpdate(TypedDict, total=False):
    name: Name
    description: Description


class Tld(BaseModel):
    id: str
    name: str
    description: str | None
    created_at: str
    updated_at: str | None
    links: web.SelfLink


class TldList(BaseModel):
    tlds: list[Tld]
    links: pagination.CollectionLinks


READ_ONLY: Final = frozenset({"id", "created_at", "updated_at", "links"})


def render(tld: TldValue, base: str) -> dict[str, Any]:
    return {
        "id": tld.id,
        "name": tld.name,
        "description": tld.description,
        "created_at": web.timestamp(tld.created_at),
        "updated_at": web.timestamp(tld.updated_at),
        "links": {"self": f"{base}/v2/tlds/{tld.id}"},
    }


RESOURCE: Final = admin_routes.Resource(
    path="/v2/tlds",
    id_name="tld_id",
    listing=pagination.ListSpec(
        plural="tlds", sort_keys=("created_at", "id", "updated_at", "name"), filters=("name",)
    ),
    create_rules=body.BodyRules("tld", TldCreate, READ_ONLY),
    update_rules=body.BodyRules("tld", TldUpdate, READ_ONLY),
    model=Tld,
    list_model=TldList,
    render=render,
    service=tlds.RESOURCE,
)
router = admin_routes.router(RESOURCE)
