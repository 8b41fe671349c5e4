"""Zone ownership transfers: the owner makes a request (optionally for one project) and
hands its key over; a project that may see the request accepts it with the key, and the zone
with all its recordsets becomes that project's, in the same transaction that consumes the
request. Managed records stay managed (their resources are untouched).
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Mapping
from typing import Any

from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Page, TaskStatus
from zonekeeper.domain.models import TransferAccept as Accept
from zonekeeper.domain.models import TransferRequest as Request
from zonekeeper.service import policy, projects, quotas
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import transfers as transfer_rows
from zonekeeper.storage import zones as zone_rows

KEY_ALPHABET = string.ascii_uppercase + string.digits
KEY_LENGTH = 8


def new_key() -> str:
    """A transfer key: 8 characters of A-Z0-9, from the system's secure random source."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


async def create_request(
    ctx: RequestContext,
    env: ServiceEnv,
    zone_id: str,
    fields: Mapping[str, Any],
    token: str | None = None,
) -> Request:
    """Offer the zone: ACTIVE until accepted. Raises ZoneNotFound, Forbidden, BadRequest
    (zone being deleted), InvalidProject (Keystone, asked with ``token``, does not know the
    target), DuplicateZoneTransferRequest (one ACTIVE request per zone; the zone row is
    locked while this is checked)."""
    target = fields.get("target_project_id")
    if target is not None:
        await projects.check_exists(env, str(target), token)
    async with env.db.transaction() as conn:
        zone = await policy.zone_for_write(conn, ctx, zone_id, "create_zone_transfer_request")
        if zone.action.value == "DELETE":
            raise errors.BadRequest("Can not transfer a deleting zone")
        if await transfer_rows.active_request_of(conn, zone.id) is not None:
            raise errors.DuplicateZoneTransferRequest()
        values = {
            "id": str(uuid.uuid4()),
            "zone_id": zone.id,
            "project_id": zone.project_id,
            "target_project_id": target,
            "key": new_key(),
            "description": fields.get("description"),
            "status": TaskStatus.ACTIVE.value,
            "created_at": env.now(),
            "updated_at": None,
        }
        await transfer_rows.insert_request(conn, values)
        request = await transfer_rows.get_request(conn, str(values["id"]))
    assert request is not None
    return request


def _target(request: Request) -> dict[str, Any]:
    """The rule target of a request (new and legacy names of both projects)."""
    return {
        "project_id": request.project_id,
        "tenant_id": request.project_id,
        "target_project_id": request.target_project_id,
        "target_tenant_id": request.target_project_id,
    }


def _visible(ctx: RequestContext, request: Request | None) -> Request:
    """``request`` if the caller may see it; raises ZoneTransferRequestNotFound for none and
    Forbidden for one of another project meant for someone else."""
    if request is None:
        raise errors.ZoneTransferRequestNotFound()
    policy.enforce(ctx, "get_zone_transfer_request", _target(request))
    return request


def _involves(ctx: RequestContext, request: Request) -> bool:
    """Whether the caller made ``request`` or is its target (or acts on all projects): the
    requests Designate's storage finds for it (:func:`transfer_rows.requests_seen_by`)."""
    return ctx.all_projects or ctx.project_id in (request.project_id, request.target_project_id)


def detailed(ctx: RequestContext, request: Request) -> bool:
    """Whether the caller sees the key and the projects (the owner's readers and admins;
    never the target, which must be handed the key)."""
    return policy.check(ctx, "get_zone_transfer_request_detailed", _target(request))


async def get_request(ctx: RequestContext, env: ServiceEnv, request_id: str) -> Request:
    async with env.db.read() as conn:
        return _visible(ctx, await transfer_rows.get_request(conn, request_id))


async def list_requests(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[Request]:
    """The requests the caller made or is the target of (every one with all-projects)."""
    policy.enforce(ctx, "find_zone_transfer_requests")
    scope = [] if ctx.all_projects else [transfer_rows.requests_seen_by(ctx.project_id)]
    async with env.db.read() as conn:
        items = await transfer_rows.request_page(conn, scope, query)
    return Page(items=items, total_count=None)


async def update_request(
    ctx: RequestContext, env: ServiceEnv, request_id: str, fields: Mapping[str, Any]
) -> Request:
    """Change the description. Raises ZoneTransferRequestNotFound, Forbidden,
    InvalidOperation (zone_id changed)."""
    async with env.db.transaction() as conn:
        request = _visible(ctx, await transfer_rows.get_request(conn, request_id, lock=True))
        if "zone_id" in fields and fields["zone_id"] != request.zone_id:
            raise errors.InvalidOperation("Zone cannot be changed")
        policy.enforce(ctx, "update_zone_transfer_request", _target(request))
        values = {key: fields[key] for key in ("description",) if key in fields}
        await transfer_rows.update_request(conn, request.id, {**values, "updated_at": env.now()})
        updated = await transfer_rows.get_request(conn, request.id)
    assert updated is not None
    return updated


async def delete_request(ctx: RequestContext, env: ServiceEnv, request_id: str) -> None:
    """Withdraw the request. Raises ZoneTransferRequestNotFound (also for a request the
    caller neither made nor is the target of: Designate looks it up in the caller's project,
    where reads and updates look it up everywhere and answer 403), Forbidden."""
    async with env.db.transaction() as conn:
        request = await transfer_rows.get_request(conn, request_id, lock=True)
        if request is not None and not _involves(ctx, request):
            request = None
        request = _visible(ctx, request)
        policy.enforce(ctx, "delete_zone_transfer_request", _target(request))
        await transfer_rows.delete_request(conn, request.id)


async def accept(ctx: RequestContext, env: ServiceEnv, fields: Mapping[str, Any]) -> Accept:
    """Accept a request with its key: the zone and its recordsets move to the caller's
    project and the request is COMPLETE, in one transaction (request and zone rows locked,
    so a request is consumed once). Raises ZoneTransferRequestNotFound, Forbidden (another
    project's target), InvalidZoneTransferRequest (used), InvalidKey, BadRequest (zone
    being deleted), OverQuota (the caller's zone quota)."""
    reasons = policy.Reasons()
    request_id = reasons.required(fields, "zone_transfer_request_id")
    key = reasons.required(fields, "key")
    reasons.raise_any()
    async with env.db.transaction() as conn:
        request = _visible(ctx, await transfer_rows.get_request(conn, str(request_id), True))
        if request.status != TaskStatus.ACTIVE.value:
            raise errors.InvalidZoneTransferRequest("Zone Transfer Request has been used")
        if not secrets.compare_digest(str(key), request.key):
            raise errors.InvalidKey("Key does not match stored key for request")
        policy.enforce(ctx, "create_zone_transfer_accept", _target(request))
        zone = await zone_rows.lock(conn, request.zone_id)
        if zone is None:
            raise errors.ZoneNotFound()
        if zone.action.value == "DELETE":
            raise errors.BadRequest("Can not transfer a deleting zone")
        await quotas.check_zones(conn, env.settings, ctx.project_id)
        now = env.now()
        await transfer_rows.move_zone(conn, zone.id, ctx.project_id, now)
        complete = {"status": TaskStatus.COMPLETE.value, "updated_at": now}
        await transfer_rows.update_request(conn, request.id, complete)
        accepted = Accept(
            id=str(uuid.uuid4()),
            zone_transfer_request_id=request.id,
            zone_id=zone.id,
            project_id=ctx.project_id,
            key=request.key,
            status=TaskStatus.COMPLETE.value,
            created_at=now,
            updated_at=None,
        )
        await transfer_rows.insert_accept(conn, _accept_row(accepted))
    return accepted


def _accept_row(accepted: Accept) -> dict[str, Any]:
    return {
        "id": accepted.id,
        "zone_transfer_request_id": accepted.zone_transfer_request_id,
        "zone_id": accepted.zone_id,
        "project_id": accepted.project_id,
        "key": accepted.key,
        "status": accepted.status,
        "created_at": accepted.created_at,
        "updated_at": accepted.updated_at,
    }


async def get_accept(ctx: RequestContext, env: ServiceEnv, accept_id: str) -> Accept:
    """Raises ZoneTransferAcceptNotFound (also another project's, unless all-projects)."""
    async with env.db.read() as conn:
        found = await transfer_rows.get_accept(conn, accept_id)
    if found is None or not (ctx.all_projects or found.project_id == ctx.project_id):
        raise errors.ZoneTransferAcceptNotFound()
    policy.enforce(ctx, "get_zone_transfer_accept", policy.project_target(ctx, found.project_id))
    return found


async def list_accepts(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[Accept]:
    """Every accept (admins: Designate's ``find_zone_transfer_accepts``)."""
    policy.enforce(ctx, "find_zone_transfer_accepts")
    scope = [] if ctx.all_projects else [transfer_rows.accepts_of(ctx.project_id)]
    async with env.db.read() as conn:
        items, total = await transfer_rows.accept_page(conn, scope, query)
    return Page(items=items, total_count=total)
