"""Who is asking: the request context every service call receives."""

from __future__ import annotations

from dataclasses import dataclass, replace

from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.service import policy
from zonekeeper.service.policy import Policy


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The caller as the service layer sees it, after sudo has been applied.

    Build it with :func:`build`, which checks the admin headers against the policy.
    ``policy`` decides every permission (None: Designate's defaults, see service/policy.py).
    """

    project_id: str
    user_id: str
    roles: frozenset[str]
    all_projects: bool = False
    edit_managed: bool = False
    request_id: str = ""
    policy: Policy | None = None
    hard_delete: bool = False
    """``X-Designate-Hard-Delete``: the caller passed the ``hard_delete`` rule and asks that a
    zone it deletes leave nothing behind on the nameservers (Designate: BIND's zone file)."""


def build(
    *,
    project_id: str | None,
    user_id: str,
    roles: frozenset[str],
    all_projects: bool = False,
    sudo_project_id: str | None = None,
    edit_managed: bool = False,
    hard_delete: bool = False,
    request_id: str = "",
    rules: Policy | None = None,
) -> RequestContext:
    """The context for a request. Raises MissingProjectId without a project, Forbidden when
    the caller does not pass Designate's rule for a header it sent (``use_sudo``,
    ``all_tenants``, ``edit_managed_records``, ``hard_delete``), checked as the caller's own
    project, on any request (Designate checks them when it builds the context)."""
    if not project_id:
        raise errors.MissingProjectId("A project ID must be supplied")
    own = RequestContext(
        project_id=project_id,
        user_id=user_id,
        roles=roles,
        request_id=request_id,
        policy=rules,
    )
    for wanted, rule in (
        (sudo_project_id, "use_sudo"),
        (all_projects, "all_tenants"),
        (edit_managed, "edit_managed_records"),
        (hard_delete, "hard_delete"),
    ):
        if wanted:
            policy.enforce(own, rule)
    return replace(
        own,
        project_id=sudo_project_id or project_id,
        all_projects=all_projects,
        edit_managed=edit_managed,
        hard_delete=hard_delete,
    )


def managed_resources(settings: Settings, request_id: str = "") -> RequestContext:
    """The system's context for managed records and the reverse zones of floating-IP PTRs:
    admin in every project, acting as the managed-resource project
    (``network_api.managed_resource_project_id``), which owns what it creates."""
    return internal(settings.network_api.managed_resource_project_id, request_id)


def internal(project_id: str = "zonekeeper", request_id: str = "") -> RequestContext:
    """An admin context for the system's own calls (CLI, periodic tasks)."""
    return RequestContext(
        project_id=project_id,
        user_id="zonekeeper",
        roles=frozenset({"admin"}),
        all_projects=True,
        edit_managed=True,
        request_id=request_id,
    )
