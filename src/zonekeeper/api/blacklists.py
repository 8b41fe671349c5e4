"""``/v2/blacklists``: patterns refusing zone names, admin only (Designate section 1.8)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Required

from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from zonekeeper.api import admin_routes, body, pagination, web
from zonekeeper.api.zones import Description
from zonekeeper.domain.admin_resources import Blacklist as BlacklistValue
from zonekeeper.service import blacklists

Pattern = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=body.STORABLE_TEXT,
        description="Python regular expression",
    ),
]


@with_config(ConfigDict(extra="forbid", strict=True))
class BlacklistCreate(TypedDict, total=False):
    pattern: Required[Pattern]
    description: Description


@with_config(ConfigDict(extra="forbid", strict=True))
class BlacklistUpdate(TypedDict, total=False):
    pattern: Pattern
    description: Description


class Blacklist(BaseModel):
    id: str
    pattern: str
    description: str | None
    created_at: str
    updated_at: str | None
    links: web.SelfLink


class BlacklistList(BaseModel):
    blacklists: list[Blacklist]
    links: pagination.CollectionLinks


READ_ONLY: Final = frozenset({"id", "created_at", "updated_at", "links"})


def render(blacklist: BlacklistValue, base: str) -> dict[str, Any]:
    return {
        "id": blacklist.id,
        "pattern": blacklist.pattern,
        "description": blacklist.description,
        "created_at": web.timestamp(blacklist.created_at),
        "updated_at": web.timestamp(blacklist.updated_at),
        "links": {"self": f"{base}/v2/blacklists/{blacklist.id}"},
    }


RESOURCE: Final = admin_routes.Resource(
    path="/v2/blacklists",
    id_name="blacklist_id",
    listing=pagination.ListSpec(
        plural="blacklists",
        sort_keys=("created_at", "id", "updated_at", "pattern"),
        filters=("pattern",),
    ),
    create_rules=body.BodyRules("blacklist", BlacklistCreate, READ_ONLY),
    update_rules=body.BodyRules("blacklist", BlacklistUpdate, READ_ONLY),
    model=Blacklist,
    list_model=BlacklistList,
    render=render,
    service=blacklists.RESOURCE,
)
router = admin_routes.router(RESOURCE)
