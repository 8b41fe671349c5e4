"""Username/password login to Keystone for the ``keystone`` strategy: the UI server asks
Keystone's ``POST /v3/auth/tokens`` for a project-scoped token (the browser never talks to
Keystone), and the API validates that token like any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from zonekeeper.config import KeystoneAuthtokenSettings


class LoginRefused(Exception):
    """Keystone refused the credentials, or could not be asked; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str
    project: str
    domain: str = "Default"


async def token(settings: KeystoneAuthtokenSettings, credentials: Credentials) -> str:
    """A token scoped to ``credentials.project``; raises LoginRefused."""
    url = (settings.www_authenticate_uri or settings.auth_url).rstrip("/")
    if not url:
        raise LoginRefused("no Keystone URL is configured (keystone_authtoken.auth_url)")
    if not url.endswith("/v3"):
        url += "/v3"
    timeout = settings.http_connect_timeout or 10.0
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=settings.cafile or True) as client:
            answer = await client.post(f"{url}/auth/tokens", json=_body(credentials))
    except httpx.HTTPError as error:
        raise LoginRefused(f"Keystone could not be reached: {error}") from error
    subject = answer.headers.get("x-subject-token")
    if answer.status_code != 201 or not subject:
        raise LoginRefused("Keystone refused these credentials")
    return str(subject)


def _body(credentials: Credentials) -> dict[str, Any]:
    domain = {"name": credentials.domain}
    user = {"name": credentials.username, "domain": domain, "password": credentials.password}
    return {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"name": credentials.project, "domain": domain}},
        }
    }
