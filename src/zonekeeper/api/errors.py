"""The one ``error type -> HTTP status`` table, and every error body the API renders.

Bodies are Designate's FaultWrapper shape::

    {"code": 404, "type": "zone_not_found", "message": "Could not find Zone",
     "request_id": "req-..."}

``message`` is left out when the error has none; ``invalid_object`` carries
``errors: {"errors": [{path, message, validator, validator_value}, ...]}`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from zonekeeper.api import body, web
from zonekeeper.domain import errors

log = logging.getLogger(__name__)

REQUEST_ID: Final = "zonekeeper.request_id"
"""The ASGI scope key under which the edge middleware stores the request id."""

STATUS: Final[Mapping[str, int]] = {
    "bad_request": 400,
    "unauthorized": 401,
    "missing_project_id": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "request_timeout": 408,
    "duplicate": 409,
    "over_quota": 413,
    "request_too_large": 413,
    "unsupported_content_type": 415,
    "request_headers_too_large": 431,
    "unknown": 500,
    "no_servers_configured": 500,
    "service_unavailable": 503,
    "communication_failure": 504,
}
"""HTTP status per wire type. A type not listed takes the status of its nearest listed base
class (``zone_not_found`` is a ``not_found``, so 404); an unknown lineage is a 500."""


class FieldErrorBody(BaseModel):
    path: list[str | int]
    message: str
    validator: str
    validator_value: Any = None


class FieldErrors(BaseModel):
    errors: list[FieldErrorBody]


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: int
    type: str
    message: str | None = None
    errors: FieldErrors | None = None
    request_id: str


def status_of(error: errors.ZonekeeperError) -> int:
    """The HTTP status for ``error``, found by walking its class lineage through STATUS."""
    for cls in type(error).__mro__:
        wire_type = getattr(cls, "type", None)
        if isinstance(wire_type, str) and wire_type in STATUS:
            return STATUS[wire_type]
    return 500


def request_id(scope: Mapping[str, Any]) -> str:
    """The ``req-<uuid>`` the edge middleware gave this request ("" outside of it)."""
    value = scope.get(REQUEST_ID, "")
    return value if isinstance(value, str) else ""


def render(error: errors.ZonekeeperError, rid: str) -> dict[str, Any]:
    """The JSON body for ``error``."""
    document: dict[str, Any] = {"code": status_of(error), "type": error.type}
    if error.message is not None:
        document["message"] = error.message
    if isinstance(error, errors.InvalidObject):
        document["errors"] = {"errors": [_field_error(item) for item in error.errors]}
    document["request_id"] = rid
    return document


def response(
    error: errors.ZonekeeperError, rid: str, headers: Mapping[str, str] | None = None
) -> web.JsonResponse:
    """A complete error response for ``error``."""
    return web.JsonResponse(render(error, rid), status_code=status_of(error), headers=headers)


def unexpected(rid: str) -> web.JsonResponse:
    """The 500 for a failure no client should be able to cause (the caller logs it)."""
    return response(errors.ZonekeeperError("An unknown error occurred"), rid)


def doc(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries saying that ``codes`` answer with an ErrorBody."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    """Route the framework's own failures and our typed errors through :func:`response`."""
    app.add_exception_handler(errors.ZonekeeperError, _on_zonekeeper_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)


async def _on_zonekeeper_error(request: Request, exc: Exception) -> web.JsonResponse:
    assert isinstance(exc, errors.ZonekeeperError)
    return response(exc, request_id(request.scope))


async def _on_http_error(request: Request, exc: Exception) -> web.JsonResponse:
    """Starlette's routing failures: unknown paths (404) and wrong methods (405)."""
    assert isinstance(exc, StarletteHTTPException)
    # Nothing of ours raises other statuses; an unexpected one says as little as possible.
    fallback = errors.BadRequest if exc.status_code < 500 else errors.ZonekeeperError
    error = _HTTP_ERRORS.get(exc.status_code, fallback)
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names only the first route that matched the path; the path may have others.
        allow = allowed_methods(request, (headers or {}).get("Allow", ""))
        headers = {**(headers or {}), "Allow": ", ".join(allow)}
    return response(error(), request_id(request.scope), headers)


def allowed_methods(request: Request, named: str) -> list[str]:
    """Every method the request's path supports, sorted: those of each documented operation
    whose path template matches it, with ``named`` (Starlette's ``Allow``, which lists only
    the first route that matched, and covers the undocumented routes such as /openapi.json)."""
    methods = {method.strip() for method in named.split(",") if method.strip()}
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        if compile_path(template)[0].fullmatch(request.scope["path"]):
            methods.update(method.upper() for method in operations)
    return sorted(methods)


async def _on_validation_error(request: Request, exc: Exception) -> web.JsonResponse:
    assert isinstance(exc, RequestValidationError)
    invalid = errors.InvalidObject(body.field_errors(exc.errors()))
    return response(invalid, request_id(request.scope))


def _field_error(item: errors.FieldError) -> dict[str, Any]:
    return {
        "path": list(item.path),
        "message": item.message,
        "validator": item.validator,
        "validator_value": _json_safe(item.validator_value),
    }


def _json_safe(value: Any) -> Any:
    """``value`` if JSON can carry it as is, else its text (pydantic puts odd things in ctx)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [_json_safe(item) for item in value]
    return str(value)


_HTTP_ERRORS: Final[Mapping[int, type[errors.ZonekeeperError]]] = {
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
}

_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Invalid request (bad body, query or path id)",
    401: "No valid token, or no project in the request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "The Accept header allows no type this resource has",
    409: "Conflict with an existing resource",
    413: "Body too large, or quota exceeded",
    415: "Body is not JSON",
    500: "Unexpected failure",
    503: "Keystone could not be asked about the token",
    504: "A service Zonekeeper calls (Neutron) failed or did not answer",
}
