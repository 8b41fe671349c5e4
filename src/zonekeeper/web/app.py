"""``create(api, settings)``: the API application with the web UI in front of ``/ui``.

Every other path goes to ``api`` untouched (its own middleware, auth and errors). The UI's
routes sit outside the API's token check on purpose: the login page must load without a
token; what needs one goes through web/proxy.py, and so through that check.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from zonekeeper.config import Settings
from zonekeeper.domain import rdata
from zonekeeper.web import checks, keystone_login, pages, proxy, session

PREFIX: Final = "/ui"
STATIC: Final = Path(__file__).with_name("static")
NOAUTH_ROLES: Final = ("member,reader", "admin", "reader")
"""The roles the noauth picker offers, least powerful first (admin acts on every project)."""

FORM_BYTES: Final = 16384
"""Largest sign-in or sign-out form read; a longer one is read as empty (and so refused)."""

Endpoint = Callable[[Request], Awaitable[Response]]


def create(api: ASGIApp, settings: Settings) -> ASGIApp:
    """An ASGI app answering ``/ui...`` itself and everything else with ``api``."""
    ui = Starlette(routes=_routes(api, settings))

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        inside = scope["type"] == "http" and (path == PREFIX or path.startswith(PREFIX + "/"))
        await (ui if inside else api)(scope, receive, send)

    return dispatch


def _routes(api: ASGIApp, settings: Settings) -> list[Route | Mount]:
    strategy = settings.api.auth.strategy

    async def forward(request: Request) -> Response:
        # The largest body the API takes anywhere (zone files); it checks its own per path.
        limit = max(settings.api.max_body_bytes, settings.api.max_import_bytes)
        return await proxy.forward(request, api, limit)

    async def login_form(request: Request) -> Response:
        projects = await proxy.noauth_projects(request, api) if strategy == "noauth" else []
        return pages.render(
            request,
            "login.html",
            strategy=strategy,
            roles=NOAUTH_ROLES,
            projects=projects,
            error="",
        )

    async def login(request: Request) -> Response:
        return await _login(request, api, settings)

    return [
        Route(PREFIX, lambda _: RedirectResponse(PREFIX + "/", 308)),
        Route(PREFIX + "/", _page("zones.html")),
        Route(PREFIX + "/zones/{zone_id}", _page("zone.html")),
        Route(PREFIX + "/floatingips", _page("floatingips.html")),
        Route(PREFIX + "/login", login_form, methods=["GET"]),
        Route(PREFIX + "/login", login, methods=["POST"]),
        Route(PREFIX + "/logout", _logout, methods=["POST"]),
        Route(PREFIX + "/check/recordset", _check_recordset, methods=["POST"]),
        Route(
            PREFIX + "/api/v2/{path:path}",
            forward,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        ),
        Mount(PREFIX + "/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _page(template: str) -> Endpoint:
    async def page(request: Request) -> Response:
        if session.read(request) is None:
            return RedirectResponse(PREFIX + "/login", 303)
        zone_id = request.path_params.get("zone_id", "")
        types = sorted(rdata.SUPPORTED_TYPES)
        return pages.render(request, template, zone_id=zone_id, types=types)

    return page


async def _login(request: Request, api: ASGIApp, settings: Settings) -> Response:
    """Signs the browser in as the form says, in the way ``api.auth.strategy`` asks (a new
    session cookie, then the zones page), or renders the form again with the reason."""
    form = await _form(request)
    strategy = settings.api.auth.strategy
    if not session.csrf_ok(request, form.get(session.CSRF_FIELD)):
        who: session.Session | _Refusal = _Refusal("The form had expired: please try again.", 403)
    elif strategy == "noauth":
        who = _noauth(form)
    elif strategy == "token":
        who = await _token(request, api, form)
    else:
        who = await _keystone(settings, form)
    if isinstance(who, _Refusal):
        return pages.render(
            request,
            "login.html",
            who.status,
            strategy=strategy,
            roles=NOAUTH_ROLES,
            projects=[],
            error=who.why,
        )
    response = RedirectResponse(PREFIX + "/", 303)
    session.store(response, request, who)
    return response


@dataclass(frozen=True, slots=True)
class _Refusal:
    why: str
    status: int


def _noauth(form: dict[str, str]) -> session.Session | _Refusal:
    project, roles = form.get("project_id", "").strip(), form.get("roles", "")
    if not project or roles not in NOAUTH_ROLES:
        return _Refusal("Choose a project and roles.", 400)
    return session.Session("noauth", f"{project} ({roles})", project, roles)


async def _token(
    request: Request, api: ASGIApp, form: dict[str, str]
) -> session.Session | _Refusal:
    token = form.get("token", "").strip()
    if not token:
        return _Refusal("Paste a token made by `zonekeeper token create`.", 400)
    who = session.Session("token", "token", token=token)
    if not await proxy.accepted(request, api, who):
        return _Refusal("This token is not valid (unknown, expired or revoked).", 401)
    return who


async def _keystone(settings: Settings, form: dict[str, str]) -> session.Session | _Refusal:
    credentials = keystone_login.Credentials(
        form.get("username", "").strip(),
        form.get("password", ""),
        form.get("project", "").strip(),
        form.get("domain", "").strip() or "Default",
    )
    try:
        token = await keystone_login.token(settings.keystone_authtoken, credentials)
    except keystone_login.LoginRefused as refused:
        return _Refusal(str(refused), 401)
    label = f"{credentials.username} @ {credentials.project}"
    return session.Session("keystone", label, token=token)


async def _logout(request: Request) -> Response:
    form = await _form(request)
    response = RedirectResponse(PREFIX + "/login", 303)
    if session.csrf_ok(request, form.get(session.CSRF_FIELD)):
        session.forget(response)
    return response


async def _form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the pages post no files: python-multipart, which
    Starlette's ``request.form()`` needs, would be a dependency for nothing)."""
    raw = await proxy.read_body(request, FORM_BYTES)
    body = (raw or b"").decode("utf-8", "replace")
    try:
        return dict(parse_qsl(body, max_num_fields=20))
    except ValueError:  # more fields than any of our forms has: not one of them
        return {}


async def _check_recordset(request: Request) -> Response:
    if not session.csrf_ok(request, request.headers.get(session.CSRF_HEADER)):
        return JSONResponse({"errors": [{"path": [], "message": "stale page: reload"}]}, 403)
    raw = await proxy.read_body(request, FORM_BYTES)
    try:
        body = json.loads(raw or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"errors": [{"path": [], "message": "a JSON object is needed"}]}, 400)
    return JSONResponse({"errors": checks.recordset(body)})
