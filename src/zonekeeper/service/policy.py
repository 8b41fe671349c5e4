"""Who may do what (Designate's default policy, §5 of the reference), and reading request
fields so that every reason a body is refused is reported at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, Zone
from zonekeeper.service.context import RequestContext
from zonekeeper.storage import zones as zone_rows

T = TypeVar("T")


# -- enforce: a minimal stand-in ----------------------------------------------------------------
# The keystone-auth branch replaces these checks with oslo.policy behind the same
# ``enforce(ctx, rule_name, target)``; at that merge, take theirs and drop this block.

_KINDS = ("tld", "blacklist", "tsigkey")
ADMIN_RULES = frozenset(
    {f"{verb}_{kind}" for verb in ("create", "get", "update", "delete") for kind in _KINDS}
    | {f"find_{kind}s" for kind in _KINDS}
    | {"find_service_status", "find_service_statuses", "set_quota", "reset_quotas"}
    | {"create_pool", "update_pool", "delete_pool", "use_blacklisted_zone"}
)
"""Designate's rules whose default is ``role:admin``."""


def enforce(ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None) -> None:
    """Raises Forbidden unless Designate's default policy lets ``ctx`` do ``rule`` on
    ``target`` (a mapping with ``project_id`` where the rule looks at the project)."""
    if not allowed(ctx, rule, target):
        raise errors.Forbidden()


def allowed(ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None) -> bool:
    """Whether :func:`enforce` lets ``ctx`` do ``rule``. Raises ValueError for a rule this
    stand-in does not know (a programming error, never a client's)."""
    if rule in ADMIN_RULES:
        return ctx.is_admin
    if rule == "get_quotas":  # ADMIN_OR_PROJECT_READER_OR_ALL_TENANTS_READER
        own = target is not None and target.get("project_id") == ctx.project_id
        return ctx.is_admin or (ctx.can_read and (own or ctx.all_projects))
    raise ValueError(f"unknown policy rule {rule!r}")


def require_read(ctx: RequestContext) -> None:
    """Raises Forbidden unless the caller may read (admin, reader or member)."""
    if not ctx.can_read:
        raise errors.Forbidden()


def require_write(ctx: RequestContext) -> None:
    """Raises Forbidden unless the caller may write (admin or member)."""
    if not ctx.can_write:
        raise errors.Forbidden()


def visible(ctx: RequestContext, zone: Zone | None) -> Zone:
    """``zone`` if the caller may see it: it is theirs, or they act on all projects.

    Raises ZoneNotFound otherwise (404, not 403: other projects' zones don't exist to them).
    """
    if zone is None or not (ctx.all_projects or zone.project_id == ctx.project_id):
        raise errors.ZoneNotFound()
    return zone


async def zone_for_read(conn: AsyncConnection, ctx: RequestContext, zone_id: str) -> Zone:
    """The zone, for a caller who may read it; raises Forbidden or ZoneNotFound."""
    require_read(ctx)
    return visible(ctx, await zone_rows.get(conn, zone_id))


async def zone_for_write(conn: AsyncConnection, ctx: RequestContext, zone_id: str) -> Zone:
    """The zone, locked for this transaction, for a caller who may change it.

    Raises Forbidden or ZoneNotFound; does not look at the zone's action (see
    :func:`refuse_deleting`).
    """
    require_write(ctx)
    return visible(ctx, await zone_rows.lock(conn, zone_id))


def refuse_deleting(zone: Zone) -> None:
    """Raises BadRequest when ``zone`` is being deleted: nothing in it may change any more."""
    if zone.action is Action.DELETE:
        raise errors.BadRequest("Can not update a deleting zone")


def check_ttl(ctx: RequestContext, settings: Settings, ttl: int | None) -> None:
    """Raises InvalidTTL for a TTL below ``zones.min_ttl``, unless the caller is an admin
    (Designate's ``use_low_ttl``)."""
    minimum = settings.zones.min_ttl
    if ttl is not None and ttl < minimum and not ctx.is_admin:
        raise errors.InvalidTTL(f"TTL is below the minimum: {minimum}")


class Reasons:
    """Collects the field errors of one request body, to raise them together."""

    def __init__(self) -> None:
        self.errors: list[errors.FieldError] = []

    def required(self, fields: Mapping[str, Any], key: str) -> Any:
        """``fields[key]``, or None after noting that the key is required."""
        if fields.get(key) is None:
            self.errors.append(
                errors.FieldError((key,), f"'{key}' is a required property", "required")
            )
            return None
        return fields[key]

    def invalid(self, key: str, message: str) -> None:
        """Note that ``key`` holds a value that is not allowed."""
        self.errors.append(errors.FieldError((key,), message))

    def check(self, parse: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``parse(*args, **kwargs)``, or None after noting the InvalidObject it raised."""
        try:
            return parse(*args, **kwargs)
        except errors.InvalidObject as invalid:
            self.errors.extend(invalid.errors)
            return None

    def raise_any(self) -> None:
        """Raises InvalidObject with every reason noted, if there is one."""
        if self.errors:
            raise errors.InvalidObject(self.errors)
