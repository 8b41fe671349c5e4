"""Who is calling, as one RequestContext whatever the strategy (``api.auth.strategy``):

* ``keystone``: a Keystone token in X-Auth-Token, validated by keystonemiddleware
  (api/keystone.py); ``token``: a built-in API token (service/tokens.py). Both run in
  :class:`AuthMiddleware`, which answers 401 on every path but the version root ``/`` and
  the probes (``OPEN_PATHS``) when the token is missing or not valid, and leaves the caller
  (project, user, roles) in the scope.
* ``noauth``, Designate's: trusted headers, no token needed.

With every strategy the admin headers below apply (checked by their policy rules).

noauth's headers:

* project: ``X-Auth-Project-ID`` (default ``noauth-project``); user: ``X-Auth-User-ID``
  (default ``noauth-user``); roles: ``X-Roles``, a comma list (default ``admin``).
* all projects: ``X-Auth-All-Projects``, else ``?all_projects=``, else ``?all_tenants=``.
* sudo: ``X-Auth-Sudo-Tenant-ID``, else ``X-Auth-Sudo-Project-ID``.
* managed records: ``X-Designate-Edit-Managed-Records``, else ``?edit_managed_records=``.
* hard delete: ``X-Designate-Hard-Delete`` (a header only, as in Designate).

Booleans follow oslo's ``bool_from_string``. The context builder refuses the admin headers
to callers their rules refuse (Forbidden, rendered as a JSON 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from starlette.datastructures import Headers
from starlette.requests import Request

from zonekeeper.api import errors, web
from zonekeeper.api.middleware import ASGIApp, Receive, Scope, Send
from zonekeeper.domain import errors as domain_errors
from zonekeeper.service import context, tokens
from zonekeeper.service.env import ServiceEnv

DEFAULT_PROJECT: Final = "noauth-project"
DEFAULT_USER: Final = "noauth-user"
DEFAULT_ROLES: Final = "admin"

QUERY_FLAGS: Final = frozenset({"all_projects", "all_tenants", "edit_managed_records"})
"""Query parameters that are auth flags, never list filters."""

_TRUE_STRINGS: Final = frozenset({"1", "t", "true", "on", "y", "yes"})

CALLER: Final = "zonekeeper.caller"
"""The ASGI scope key under which :class:`AuthMiddleware` leaves the authenticated Caller."""
OPEN_PATHS: Final = frozenset({"/", "/healthz", "/readyz", "/metrics"})
"""Paths served without a token: the version document, as in Designate, and the probes
(``/healthz``, ``/readyz``, ``/metrics``: api/probes.py)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a token says the caller is."""

    project_id: str
    user_id: str
    roles: frozenset[str]


class Authenticator(Protocol):
    """A token strategy: the caller of a request, or Unauthorized."""

    @property
    def challenge(self) -> Mapping[str, str]:
        """Headers every 401 carries (Keystone's ``WWW-Authenticate``)."""
        ...

    async def __call__(self, scope: Scope) -> Caller: ...


class BuiltinTokens:
    """The ``token`` strategy: X-Auth-Token is one made by ``zonekeeper token create``."""

    challenge: Mapping[str, str] = {}

    def __init__(self, env: ServiceEnv) -> None:
        self._env = env

    async def __call__(self, scope: Scope) -> Caller:
        """Raises Unauthorized for a missing, unknown, expired or revoked token."""
        token = Headers(scope=scope).get("x-auth-token")
        found = await tokens.authenticate(self._env, token)
        return Caller(found.project_id, found.user_id, found.roles)


def authenticator(env: ServiceEnv) -> Authenticator | None:
    """The token strategy ``api.auth.strategy`` names; None for noauth."""
    strategy = env.settings.api.auth.strategy
    if strategy == "token":
        return BuiltinTokens(env)
    if strategy == "keystone":
        # keystonemiddleware comes with the `keystone` extra: imported only when chosen.
        from zonekeeper.api import keystone

        return keystone.KeystoneAuthenticator(env.settings.keystone_authtoken)
    return None


class AuthMiddleware:
    """Runs ``authenticate`` on every HTTP request but those of OPEN_PATHS; its refusals are
    answered in Designate's error format, a 401 with the authenticator's challenge."""

    def __init__(self, app: ASGIApp, authenticate: Authenticator) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        try:
            scope[CALLER] = await self.authenticate(scope)
        except domain_errors.ZonekeeperError as refusal:
            unauthorized = isinstance(refusal, domain_errors.Unauthorized)
            headers = self.authenticate.challenge if unauthorized else None
            response = errors.response(refusal, errors.request_id(scope), headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def bool_from_string(value: str | None) -> bool:
    """oslo.utils' ``bool_from_string``: true for 1/t/true/on/y/yes in any case, else false."""
    return value is not None and value.strip().lower() in _TRUE_STRINGS


def context_of(request: Request) -> context.RequestContext:
    """The caller of ``request``: the one AuthMiddleware authenticated, else (noauth) the one
    its headers name. Raises Forbidden (an admin header the caller's rules refuse) and
    MissingProjectId (an empty project header)."""
    headers = request.headers
    query = request.query_params
    caller = request.scope.get(CALLER) or _noauth_caller(headers)
    return context.build(
        project_id=caller.project_id,
        user_id=caller.user_id,
        roles=caller.roles,
        all_projects=_flag(
            headers.get("x-auth-all-projects"), query, "all_projects", "all_tenants"
        ),
        sudo_project_id=(
            headers.get("x-auth-sudo-tenant-id") or headers.get("x-auth-sudo-project-id") or None
        ),
        edit_managed=_flag(
            headers.get("x-designate-edit-managed-records"), query, "edit_managed_records"
        ),
        hard_delete=bool_from_string(headers.get("x-designate-hard-delete")),
        request_id=errors.request_id(request.scope),
        rules=web.env_of(request).policy if "app" in request.scope else None,
    )


def _noauth_caller(headers: Mapping[str, str]) -> Caller:
    return Caller(
        project_id=headers.get("x-auth-project-id", DEFAULT_PROJECT),
        user_id=headers.get("x-auth-user-id", DEFAULT_USER),
        roles=parse_roles(headers.get("x-roles", DEFAULT_ROLES)),
    )


def parse_roles(value: str) -> frozenset[str]:
    """``X-Roles`` as a set: split on commas, blanks dropped."""
    return frozenset(role for part in value.split(",") if (role := part.strip()))


def _flag(header: str | None, query: Mapping[str, str], *params: str) -> bool:
    """A boolean from its header when that is non-empty, else from the first query parameter
    present (Designate's precedence)."""
    if header:
        return bool_from_string(header)
    for param in params:
        if param in query:
            return bool_from_string(query[param])
    return False
