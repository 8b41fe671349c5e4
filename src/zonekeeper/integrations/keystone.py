"""Keystone's projects, asked whether one exists before a quota is set for it (Designate's
``quotas_verify_project_id``, ``designate/common/keystone.py``).

``GET <auth_url>/v3/projects/<id>`` with the caller's own token (an admin's: setting quotas is
for admins). As in Designate, only Keystone's 404 says "no such project"; no token, a 403 (the
caller may not look), any other answer and an unreachable Keystone all let the quota through,
with the reason logged: the check guards against typos, it is no authority.
"""

from __future__ import annotations

import logging
from typing import Final
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

TIMEOUT: Final = 10.0
"""Seconds to wait for Keystone's answer."""


class KeystoneProjects:
    """Implements ``service.env.ProjectDirectory``. Construction does no I/O; ``transport``
    replaces the network (tests)."""

    def __init__(
        self,
        auth_url: str,
        *,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._root = auth_url.rstrip("/").removesuffix("/v3")
        self._verify = verify
        self._transport = transport

    async def exists(self, project_id: str, token: str | None) -> bool:
        """False only when Keystone answers 404 for the project."""
        if token is None:
            log.info("no token to ask Keystone about project %s: taking it as valid", project_id)
            return True
        url = f"{self._root}/v3/projects/{quote(project_id, safe='')}"
        try:
            async with httpx.AsyncClient(
                timeout=TIMEOUT, verify=self._verify, transport=self._transport
            ) as client:
                response = await client.get(url, headers={"X-Auth-Token": token})
        except httpx.HTTPError as exc:
            log.warning("Keystone unreachable verifying project %s: %s", project_id, exc)
            return True
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            log.info("Keystone answered %s verifying project %s", response.status_code, project_id)
        return True
