"""The UI's two cookies: the credential (noauth project and roles, or a token) and the CSRF
token that every state-changing request must echo.

Both are HttpOnly (the page gets the CSRF value rendered into it, never from ``document.cookie``)
and ``SameSite=Strict``, so another site can neither read them nor make a browser send them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Final, Literal

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE: Final = "zk_session"
CSRF_COOKIE: Final = "zk_csrf"
CSRF_HEADER: Final = "x-csrf-token"
CSRF_FIELD: Final = "csrf_token"
PATH: Final = "/ui"
MAX_AGE: Final = 12 * 3600
"""Seconds a login lasts in the browser (a Keystone token usually expires first)."""

Kind = Literal["noauth", "token", "keystone"]
KINDS: Final = frozenset({"noauth", "token", "keystone"})


@dataclass(frozen=True, slots=True)
class Session:
    """Who the browser acts as: ``token`` is empty for noauth, where project and roles are
    sent as the noauth headers; ``label`` is what the page header shows."""

    kind: Kind
    label: str
    project_id: str = ""
    roles: str = ""
    token: str = ""

    def api_headers(self) -> dict[str, str]:
        """The headers that make the API see this caller, as any other client would."""
        if self.kind == "noauth":
            return {"X-Auth-Project-ID": self.project_id, "X-Roles": self.roles}
        return {"X-Auth-Token": self.token}


def read(request: Request) -> Session | None:
    """The session of ``request``; None when there is none or its cookie is not one of ours."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        found = Session(**data)
    except (ValueError, TypeError, binascii.Error):
        return None
    fields = asdict(found).values()
    if found.kind not in KINDS or not all(isinstance(value, str) for value in fields):
        return None
    return found


def store(response: Response, request: Request, session: Session) -> None:
    raw = base64.urlsafe_b64encode(json.dumps(asdict(session)).encode()).decode()
    _set(response, request, SESSION_COOKIE, raw)


def forget(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH)


def csrf_token(request: Request) -> str:
    """The browser's CSRF token, or a new one (the caller sets it with :func:`keep_csrf`)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def keep_csrf(response: Response, request: Request, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        _set(response, request, CSRF_COOKIE, token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` (header or form field) is the token of this browser's cookie."""
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


def _set(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
