"""Who is asking: the request context every service call receives."""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.domain import errors


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The caller as the service layer sees it, after sudo has been applied.

    Build it with :func:`build`, which enforces that only admins use the admin headers.
    """

    project_id: str
    user_id: str
    roles: frozenset[str]
    all_projects: bool = False
    edit_managed: bool = False
    request_id: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def can_read(self) -> bool:
        """Designate's READER rule: admin, or reader/member of the project."""
        return bool(self.roles & {"admin", "reader", "member"})

    @property
    def can_write(self) -> bool:
        """Designate's MEMBER rule: admin, or member of the project."""
        return bool(self.roles & {"admin", "member"})


def build(
    *,
    project_id: str | None,
    user_id: str,
    roles: frozenset[str],
    all_projects: bool = False,
    sudo_project_id: str | None = None,
    edit_managed: bool = False,
    request_id: str = "",
) -> RequestContext:
    """The context for a request. Raises MissingProjectId without a project, Forbidden when a
    non-admin asks for all-projects, sudo or edit-managed."""
    if not project_id:
        raise errors.MissingProjectId("A project ID must be supplied")
    is_admin = "admin" in roles
    if (all_projects or sudo_project_id or edit_managed) and not is_admin:
        raise errors.Forbidden()
    return RequestContext(
        project_id=sudo_project_id or project_id,
        user_id=user_id,
        roles=roles,
        all_projects=all_projects,
        edit_managed=edit_managed,
        request_id=request_id,
    )


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
