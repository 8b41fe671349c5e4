"""Who may do what: every permission is decided here, by :func:`enforce`, with oslo.policy and
Designate 23's rule names and defaults (``policy_defaults``), so an operator's Designate
``policy.yaml`` overrides work unchanged. Also: reading request fields so that every reason a
body is refused is reported at once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from oslo_config import cfg
from oslo_policy import policy as oslo_policy
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.domain.models import Action, Zone, ZoneType
from zonekeeper.service import policy_defaults
from zonekeeper.storage import shares
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.listing import Condition

if TYPE_CHECKING:  # context imports this module to check the admin headers
    from zonekeeper.service.context import RequestContext

T = TypeVar("T")

Target = Mapping[str, Any]


MAX_DECISIONS = 4096
"""Policy decisions remembered (the cache is emptied when full)."""


def _decision_key(rule: str, target: Target, creds: Mapping[str, Any]) -> Hashable | None:
    """What a decision depends on, or None when a value cannot be hashed (then not cached)."""
    try:
        items = (rule, frozenset(target.items()), frozenset(_hashable(creds).items()))
        hash(items)
    except TypeError:
        return None
    return items


def _hashable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: tuple(v) if isinstance(v, list) else v for key, v in values.items()}


class _Enforcer(oslo_policy.Enforcer):
    """oslo's Enforcer reading the one file it is given, if any: oslo's own looks for
    ``policy.yaml`` and ``policy.d`` in config directories and the working directory, where
    a file nobody configured could change who may do what."""

    def __init__(self, conf: cfg.ConfigOpts, policy_file: Path | None) -> None:
        self._only_file = policy_file
        super().__init__(conf, policy_file=str(policy_file or "policy.yaml"))

    def _get_policy_path(self, path: str) -> str:
        if self._only_file is None or path != str(self._only_file):
            raise cfg.ConfigFilesNotFoundError([path])
        return path


class Policy:
    """Designate's default rules, overridden by the operator's policy file when there is one
    (re-read when it changes, as oslo.policy does). Not thread-safe: the API calls it from its
    event loop only."""

    def __init__(self, policy_file: Path | None = None, enforce_new_defaults: bool = True) -> None:
        # A private oslo.config object: nothing else in the process shares these options.
        conf = cfg.ConfigOpts()
        conf(args=[], project="zonekeeper", default_config_files=[], default_config_dirs=[])
        if policy_file is not None and not policy_file.is_file():
            raise ValueError(f"policy file not found: {policy_file}")
        self._file = policy_file.resolve() if policy_file else None
        self._enforcer = _Enforcer(conf, self._file)
        conf.set_override("enforce_new_defaults", enforce_new_defaults, group="oslo_policy")
        # oslo.policy reports deprecated defaults through the warnings module, once per rule
        # and process: not a channel a server's operator reads, and an error under pytest.
        self._enforcer.suppress_deprecation_warnings = True
        self._enforcer.suppress_default_change_warnings = True
        self._enforcer.register_defaults(policy_defaults.rules())
        # Decisions by (rule, target, creds): oslo.policy spends ~0.5 ms per decision (it
        # inspects each check's signature), as much as the rest of a recordset create. They
        # are valid while the rules are; the file's stamp tells when it changed.
        self._decisions: dict[Hashable, bool | None] = {}
        self._stamp: tuple[int, int] | None = self._file_stamp()

    def allows(self, rule: str, target: Target, creds: Mapping[str, Any]) -> bool:
        """Whether ``creds`` pass ``rule`` on ``target``. Raises InvalidTokenScope for a token
        of a scope the rule does not accept; an unregistered rule is a programming error
        (oslo's PolicyNotRegistered)."""
        key = _decision_key(rule, target, creds)
        stamp = self._file_stamp()
        if stamp != self._stamp or len(self._decisions) >= MAX_DECISIONS:
            self._decisions.clear()
            self._stamp = stamp
        if key is None or (decision := self._decisions.get(key, False)) is False:
            decision = self._decide(rule, target, creds)
            if key is not None:
                self._decisions[key] = decision
        if decision is None:
            raise errors.InvalidTokenScope()
        return decision

    def _decide(self, rule: str, target: Target, creds: Mapping[str, Any]) -> bool | None:
        """oslo.policy's decision; None for a token of the wrong scope."""
        try:
            return bool(self._enforcer.authorize(rule, dict(target), dict(creds), do_raise=True))
        except oslo_policy.InvalidScope:
            return None
        except oslo_policy.PolicyNotAuthorized:
            return False

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._file is None:
            return None
        try:
            found = self._file.stat()
        except OSError:
            return None
        return (found.st_mtime_ns, found.st_size)


def load(settings: Settings) -> Policy:
    """The policy ``settings.oslo_policy`` describes. Raises ValueError for a missing file."""
    options = settings.oslo_policy
    return Policy(options.policy_file, options.enforce_new_defaults)


@functools.cache
def defaults() -> Policy:
    """Designate's defaults with no file: the policy of contexts built without one."""
    return Policy()


def creds(ctx: RequestContext) -> dict[str, Any]:
    """The caller as oslo.policy sees it (oslo.context's ``to_policy_values`` keys). Every
    context is project-scoped: Designate 23 accepts no other scope."""
    return {
        "user_id": ctx.user_id,
        "project_id": ctx.project_id,
        "roles": sorted(ctx.roles),
        "system_scope": None,
        "domain_id": None,
    }


def project_target(ctx: RequestContext, project_id: str | None = None, **extra: Any) -> Target:
    """The target Designate passes for a project's resources: ``project_id`` and its legacy
    name ``tenant_id`` (the caller's project by default), plus ``extra``."""
    project = ctx.project_id if project_id is None else project_id
    return {"project_id": project, "tenant_id": project, **extra}


def zone_target(
    ctx: RequestContext, zone: Zone, shared: bool | None = None, **extra: Any
) -> Target:
    """The target of a rule about ``zone`` (and its recordsets); ``shared``: the zone is shared
    with the caller's project (Designate's ``zone_shared``). None: as :func:`readable` let the
    caller see the zone, a zone not theirs, seen without all-projects, is shared with them."""
    if shared is None:
        shared = not ctx.all_projects and zone.project_id != ctx.project_id
    return project_target(
        ctx, zone.project_id, zone_type=zone.type.value, zone_shared=shared, **extra
    )


def check(ctx: RequestContext, rule: str, target: Target | None = None) -> bool:
    """Whether the caller passes Designate's ``rule`` on ``target`` (``{}`` when None, as
    Designate's admin-only checks pass; ``all_tenants`` is added from the context)."""
    values = {"all_tenants": ctx.all_projects, **(target or {})}
    return (ctx.policy or defaults()).allows(rule, values, creds(ctx))


def enforce(ctx: RequestContext, rule: str, target: Target | None = None) -> None:
    """Raises Forbidden unless the caller passes Designate's ``rule`` on ``target`` (see
    :func:`check`); InvalidTokenScope for a token of the wrong scope."""
    if not check(ctx, rule, target):
        raise errors.Forbidden()


async def readable(conn: AsyncConnection, ctx: RequestContext, zone: Zone | None) -> Zone:
    """``zone`` if the caller may see it: it is theirs, it is shared with their project, or
    they act on all projects. The one place that decides who sees a zone (the list query
    mirrors it in ``zones.list``).

    Raises ZoneNotFound otherwise (404, not 403: other projects' zones don't exist to them);
    what the caller may do with a zone it sees is for the rules (``zone_target``).
    """
    if zone is not None and (ctx.all_projects or zone.project_id == ctx.project_id):
        return zone
    if zone is not None and await shares.is_shared_with(conn, zone.id, ctx.project_id):
        return zone
    raise errors.ZoneNotFound()


def readable_zones(project_id: str) -> Condition:
    """:func:`readable` as a list scope over ``zones``: the project's own zones and those
    shared with it (callers with all-projects list without a scope)."""
    return or_(zone_rows.of_project(project_id), shares.shared_with(project_id))


async def zone_for_read(
    conn: AsyncConnection, ctx: RequestContext, zone_id: str, rule: str = "get_zone"
) -> Zone:
    """The zone, for a caller who passes ``rule`` on it; raises ZoneNotFound (not theirs,
    as Designate looks it up first) or Forbidden."""
    zone = await readable(conn, ctx, await zone_rows.get(conn, zone_id))
    enforce(ctx, rule, zone_target(ctx, zone))
    return zone


async def zone_for_write(
    conn: AsyncConnection, ctx: RequestContext, zone_id: str, rule: str = "update_zone"
) -> Zone:
    """The zone, locked for this transaction, for a caller who passes ``rule`` on it.

    Raises ZoneNotFound or Forbidden; does not look at the zone's action (see
    :func:`refuse_deleting`).
    """
    zone = await readable(conn, ctx, await zone_rows.lock(conn, zone_id))
    enforce(ctx, rule, zone_target(ctx, zone))
    return zone


def refuse_secondary(zone: Zone) -> None:
    """Raises Forbidden for a SECONDARY zone: its recordsets are what its masters serve, and
    change only by transfer. (Designate's policy refuses members with this Forbidden and lets
    admins write, which the next transfer would silently undo.)"""
    if zone.type is ZoneType.SECONDARY:
        raise errors.Forbidden(
            "The recordsets of a SECONDARY zone are transferred from its masters and cannot "
            "be changed here"
        )


def refuse_deleting(zone: Zone) -> None:
    """Raises BadRequest when ``zone`` is being deleted: nothing in it may change any more."""
    if zone.action is Action.DELETE:
        raise errors.BadRequest("Can not update a deleting zone")


def check_ttl(ctx: RequestContext, settings: Settings, ttl: int | None) -> None:
    """Raises InvalidTTL for a TTL below ``zones.min_ttl``, unless the caller passes
    (Designate's ``use_low_ttl`` rule)."""
    minimum = settings.zones.min_ttl
    if ttl is not None and ttl < minimum and not check(ctx, "use_low_ttl"):
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
