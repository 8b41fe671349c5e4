"""The server-rendered pages: each is a Jinja2 template (web/templates/) filled with who is
logged in and the CSRF token; the data itself is loaded by web/static/ui.js from the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zonekeeper.web import session

TEMPLATES: Final = Path(__file__).with_name("templates")

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

SECURITY_HEADERS: Final = {
    # Everything is served from here: no CDN, no inline script, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """``template`` rendered with ``values``, the session and this browser's CSRF token
    (set as its cookie when new)."""
    csrf = session.csrf_token(request)
    html = _environment.get_template(template).render(
        session=session.read(request), csrf=csrf, **values
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    session.keep_csrf(response, request, csrf)
    return response
