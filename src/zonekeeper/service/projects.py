"""Checking a project id a caller names (a share's target, a transfer's target)."""

from __future__ import annotations

from zonekeeper.domain import errors
from zonekeeper.service.env import ServiceEnv


async def check_exists(env: ServiceEnv, project_id: str, token: str | None) -> None:
    """Raises InvalidProject when Keystone says ``project_id`` does not exist (asked with the
    caller's ``token``); without a Keystone lookup (``env.projects``) every id passes."""
    if env.projects is not None and not await env.projects.exists(project_id, token):
        raise errors.InvalidProject(f"Project {project_id} does not exist")
