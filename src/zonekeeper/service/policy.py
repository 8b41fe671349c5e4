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
from zonekeeper.storage import shares
from zonekeeper.storage import zones as zone_rows

T = TypeVar("T")


def require_read(ctx: RequestContext) -> None:
    """Raises Forbidden unless the caller may read (admin, reader or member)."""
    if not ctx.can_read:
        raise errors.Forbidden()


def require_write(ctx: RequestContext) -> None:
    """Raises Forbidden unless the caller may write (admin or member)."""
    if not ctx.can_write:
        raise errors.Forbidden()


async def readable(conn: AsyncConnection, ctx: RequestContext, zone: Zone | None) -> Zone:
    """``zone`` if the caller may see it: it is theirs, it is shared with their project, or
    they act on all projects. The one place that decides who sees a zone (the list query
    mirrors it in ``zones.list``).

    Raises ZoneNotFound otherwise (404, not 403: other projects' zones don't exist to them).
    """
    if zone is not None and (ctx.all_projects or zone.project_id == ctx.project_id):
        return zone
    if zone is not None and await shares.is_shared_with(conn, zone.id, ctx.project_id):
        return zone
    raise errors.ZoneNotFound()


async def owned(conn: AsyncConnection, ctx: RequestContext, zone: Zone | None) -> Zone:
    """``zone`` if the caller may change the zone itself (update, delete, share, transfer,
    export): theirs, or they act on all projects. Raises ZoneNotFound for a zone they cannot
    see, Forbidden for one only shared with them."""
    zone = await readable(conn, ctx, zone)
    if not (ctx.all_projects or zone.project_id == ctx.project_id):
        raise errors.Forbidden()
    return zone


def owns_recordset(ctx: RequestContext, zone: Zone, recordset_project_id: str) -> None:
    """Raises Forbidden when a project the zone is only shared with changes a recordset it
    did not create (the zone's owner may change every recordset, as in Designate)."""
    mine = recordset_project_id == ctx.project_id
    if not (ctx.all_projects or zone.project_id == ctx.project_id or mine):
        raise errors.Forbidden()


async def zone_for_read(conn: AsyncConnection, ctx: RequestContext, zone_id: str) -> Zone:
    """The zone, for a caller who may read it; raises Forbidden or ZoneNotFound."""
    require_read(ctx)
    return await readable(conn, ctx, await zone_rows.get(conn, zone_id))


async def zone_for_write(conn: AsyncConnection, ctx: RequestContext, zone_id: str) -> Zone:
    """The zone, locked for this transaction, for a caller who may change it.

    Raises Forbidden (also for a zone only shared with the caller) or ZoneNotFound; does not
    look at the zone's action (see :func:`refuse_deleting`).
    """
    require_write(ctx)
    return await owned(conn, ctx, await zone_rows.lock(conn, zone_id))


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
