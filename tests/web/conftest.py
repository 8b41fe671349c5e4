"""The web UI in-process: ``web.app.create`` over ``create_app`` on a temp SQLite database,
driven through httpx's ASGI transport like tests/api/."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.api.conftest import BASE_URL
from zonekeeper.api.app import create_app
from zonekeeper.service.env import ServiceEnv
from zonekeeper.web import app as web_app

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def ui_client(env: ServiceEnv) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web_app.create(create_app(env), env.settings))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60)


async def csrf_of(client: httpx.AsyncClient) -> str:
    """The CSRF token the login page gives this client (its cookie is set by the same GET)."""
    page = await client.get("/ui/login")
    assert page.status_code == 200
    found = _CSRF.search(page.text)
    assert found
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post("/ui/login", data={**form, "csrf_token": token})


async def api_call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """A call through the UI's proxy, with the page's CSRF token as ui.js sends it."""
    sent = {"X-CSRF-Token": await csrf_of(client), **(headers or {})}
    return await client.request(method, f"/ui/api/v2/{path}", headers=sent, **kwargs)
