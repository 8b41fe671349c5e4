"""Shared zones (API 2.1): the owner shares a zone with another project, which then sees it
(``shared: true``) and may create recordsets in it and change its own (the rules say so,
with ``zone_shared`` in their target); it may not change the zone nor create zones below it.
A share is removed only while the target owns no recordsets or zones in or under the zone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Page, Share
from zonekeeper.service import policy, projects
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import shares as share_rows

MAX_PROJECT_ID = 36


async def create(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    fields: Mapping[str, Any],
    token: str | None = None,
) -> Share:
    """Share the zone with ``fields["target_project_id"]``. Raises ZoneNotFound, Forbidden,
    InvalidObject (no target), BadRequest (the owner itself), InvalidProject (Keystone, asked
    with the caller's ``token``, does not know it), DuplicateSharedZone."""
    target = _target(fields)
    await projects.check_exists(env, target, token)
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "share_zone")
        if zone.project_id == target:
            raise errors.BadRequest("Cannot share the zone with the zone owner.")
        now = env.now()
        share = Share(str(uuid.uuid4()), zone.id, ctx.project_id, target, now, None)
        await share_rows.insert_share(conn, share)
    return share


def _target(fields: Mapping[str, Any]) -> str:
    reasons = policy.Reasons()
    target = reasons.required(fields, "target_project_id")
    reasons.raise_any()
    return str(target)


async def get(ctx: RequestContext, env: ServiceEnv, zone_id: str, share_id: str) -> Share:
    """One share of a zone the caller sees. Raises ZoneNotFound, SharedZoneNotFound,
    Forbidden."""
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id)
        share = await share_rows.get(conn, zone.id, share_id)
    if share is None or not _sees(ctx, zone.project_id, share):
        raise errors.SharedZoneNotFound()
    # The target may read its own share too (designate-tempest-plugin's test_show_shared_zone).
    mine = share.target_project_id if ctx.project_id == share.target_project_id else None
    policy.enforce(ctx, "get_zone_share", policy.project_target(ctx, mine or share.project_id))
    return share


def _sees(ctx: RequestContext, owner: str, share: Share) -> bool:
    """The owner sees every share of its zone; a target only its own."""
    return ctx.all_projects or ctx.project_id in (owner, share.target_project_id)


async def list(ctx: RequestContext, env: ServiceEnv, zone_id: str, query: ListQuery) -> Page[Share]:
    """The shares of a zone the caller sees (a project it is shared with sees its own)."""
    policy.enforce(ctx, "find_zone_shares")
    async with env.db.read() as conn:
        zone = await policy.zone_for_read(conn, ctx, zone_id)
        items, _ = await share_rows.page(conn, zone.id, query)
    return Page(items=[s for s in items if _sees(ctx, zone.project_id, s)], total_count=None)


async def delete(ctx: RequestContext, env: ServiceEnv, zone_id: str, share_id: str) -> None:
    """Stop sharing. Raises ZoneNotFound, SharedZoneNotFound, Forbidden,
    SharedZoneHasRecordSets / SharedZoneHasSubZone while the target owns some (checked
    with the zone locked, so a recordset the target creates meanwhile waits for this)."""
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "unshare_zone")
        share = await share_rows.get(conn, zone.id, share_id)
        if share is None:
            raise errors.SharedZoneNotFound()
        target = share.target_project_id
        in_zone, below = await share_rows.owned_by_target(conn, zone.id, zone.name, target)
        if below:
            raise errors.SharedZoneHasSubZone(
                f"Please delete all subzones owned by project {target} before unsharing this zone"
            )
        if in_zone:
            raise errors.SharedZoneHasRecordSets(
                f"Please delete all recordsets owned by project {target} before unsharing "
                "this zone."
            )
        await share_rows.delete_share(conn, share.id)
