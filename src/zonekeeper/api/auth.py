"""Who is calling: Designate's ``noauth`` strategy, turned into a RequestContext.

* project: ``X-Auth-Project-ID`` (default ``noauth-project``); user: ``X-Auth-User-ID``
  (default ``noauth-user``); roles: ``X-Roles``, a comma list (default ``admin``).
* all projects: ``X-Auth-All-Projects``, else ``?all_projects=``, else ``?all_tenants=``.
* sudo: ``X-Auth-Sudo-Tenant-ID``, else ``X-Auth-Sudo-Project-ID``.
* managed records: ``X-Designate-Edit-Managed-Records``, else ``?edit_managed_records=``.

Booleans follow oslo's ``bool_from_string``. The context builder refuses the admin headers
to non-admins (Forbidden, rendered as a JSON 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.requests import Request

from zonekeeper.api import errors, web
from zonekeeper.service import context

DEFAULT_PROJECT: Final = "noauth-project"
DEFAULT_USER: Final = "noauth-user"
DEFAULT_ROLES: Final = "admin"

QUERY_FLAGS: Final = frozenset({"all_projects", "all_tenants", "edit_managed_records"})
"""Query parameters that are auth flags, never list filters."""

_TRUE_STRINGS: Final = frozenset({"1", "t", "true", "on", "y", "yes"})


def bool_from_string(value: str | None) -> bool:
    """oslo.utils' ``bool_from_string``: true for 1/t/true/on/y/yes in any case, else false."""
    return value is not None and value.strip().lower() in _TRUE_STRINGS


def context_of(request: Request) -> context.RequestContext:
    """The caller of ``request``. Raises Forbidden (a non-admin using an admin header) and
    MissingProjectId (an empty project header)."""
    headers = request.headers
    query = request.query_params
    return context.build(
        project_id=headers.get("x-auth-project-id", DEFAULT_PROJECT),
        user_id=headers.get("x-auth-user-id", DEFAULT_USER),
        roles=parse_roles(headers.get("x-roles", DEFAULT_ROLES)),
        all_projects=_flag(
            headers.get("x-auth-all-projects"), query, "all_projects", "all_tenants"
        ),
        sudo_project_id=(
            headers.get("x-auth-sudo-tenant-id") or headers.get("x-auth-sudo-project-id") or None
        ),
        edit_managed=_flag(
            headers.get("x-designate-edit-managed-records"), query, "edit_managed_records"
        ),
        request_id=errors.request_id(request.scope),
        rules=web.env_of(request).policy if "app" in request.scope else None,
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
