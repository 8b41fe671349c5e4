"""``/ui/api/v2/...``: the browser's calls to the v2 API, forwarded in-process to the API
application with the session's credential added. The API authenticates, checks policy and
answers exactly as it does for any other client; its status and body come back unchanged."""

from __future__ import annotations

from typing import Final

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from zonekeeper.web import session

FORWARDED_HEADERS: Final = ("content-type", "accept")
RETURNED_HEADERS: Final = ("content-type", "location")
SAFE_METHODS: Final = frozenset({"GET", "HEAD"})


async def forward(request: Request, api: ASGIApp, max_body_bytes: int) -> Response:
    """The API's answer to ``request`` as the session's caller. Refuses (403) a state change
    without this browser's CSRF token, (401) any call without a session, and (413) a body
    past ``max_body_bytes`` before reading more of it (the API applies its own limits
    again)."""
    if request.method not in SAFE_METHODS and not session.csrf_ok(
        request, request.headers.get(session.CSRF_HEADER)
    ):
        return _refusal(403, "forbidden", "The page's CSRF token is missing or stale: reload it.")
    who = session.read(request)
    if who is None:
        return _refusal(401, "unauthorized", "Not logged in to the web UI.")
    headers = {k: v for k, v in request.headers.items() if k in FORWARDED_HEADERS}
    headers.update(who.api_headers())
    content = await read_body(request, max_body_bytes)
    if content is None:
        return _refusal(413, "request_too_large", "Request is too large.")
    async with _client(api, request) as client:
        answer = await client.request(
            request.method,
            "/v2/" + request.path_params["path"],
            params=str(request.query_params),
            headers=headers,
            content=content,
        )
    kept = {k: v for k, v in answer.headers.items() if k in RETURNED_HEADERS}
    return Response(answer.content, status_code=answer.status_code, headers=kept)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it is known to be longer than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def accepted(request: Request, api: ASGIApp, who: session.Session) -> bool:
    """Whether the API accepts ``who``'s credential (a pasted token checked at sign-in)."""
    async with _client(api, request) as client:
        answer = await client.get("/v2/zones", params={"limit": 1}, headers=who.api_headers())
    return answer.status_code != 401


async def noauth_projects(request: Request, api: ASGIApp, limit: int = 1000) -> list[str]:
    """The projects owning the first ``limit`` zones, for noauth's project picker: asked as
    noauth's default admin, as anyone who can reach a noauth API may."""
    admin = {"X-Auth-Project-ID": "noauth-project", "X-Roles": "admin"}
    params = {"all_projects": "true", "limit": str(limit)}
    async with _client(api, request) as client:
        answer = await client.get("/v2/zones", params=params, headers=admin)
    if answer.status_code != 200:
        return []
    return sorted({str(zone["project_id"]) for zone in answer.json().get("zones", [])})


def _client(api: ASGIApp, request: Request) -> httpx.AsyncClient:
    """A client calling ``api`` in-process, under the URL the browser used (so that the
    ``links`` of the API's answers point where the browser can follow them)."""
    transport = httpx.ASGITransport(app=api)
    return httpx.AsyncClient(transport=transport, base_url=str(request.base_url))


def _refusal(code: int, kind: str, message: str) -> Response:
    """A refusal in the API's error format (no request id: the API never saw it)."""
    body = {"code": code, "type": kind, "message": message, "request_id": ""}
    return JSONResponse(body, status_code=code)
