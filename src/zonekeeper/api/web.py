"""Small per-request helpers the resource modules share: the service env, URLs, path ids,
timestamps and JSON responses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import pydantic_core
from fastapi import Path
from fastapi.responses import Response
from pydantic import BaseModel, Field
from pydantic.config import JsonDict
from starlette.requests import Request

from zonekeeper.domain import errors
from zonekeeper.service.env import ServiceEnv

UUID_REGEX: Final = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
UUID_PATTERN: Final = re.compile(UUID_REGEX)

PathId = Annotated[str, Path(json_schema_extra={"pattern": f"^{UUID_REGEX}$"})]
"""A path id: documented as a UUID, checked by :func:`path_id` (so that anything else gets
Designate's ``invalid_uuid``, not the framework's validation error)."""


class SelfLink(BaseModel):
    """``links`` of one object: its absolute URL."""

    self: str


def dns_name_field(pattern: str, description: str) -> Any:
    """The ``Field`` of a body key holding a DNS name: at most 255 characters, as the service
    checks; documented with ``pattern`` and 254 characters, the longest text that fits a name's
    255 wire octets (so that the document promises nothing the service refuses)."""
    extra: JsonDict = {"pattern": pattern, "maxLength": 254}
    return Field(max_length=255, description=description, json_schema_extra=extra)


def env_of(request: Request) -> ServiceEnv:
    """The ServiceEnv that ``create_app`` put on the application."""
    env = request.app.state.env
    assert isinstance(env, ServiceEnv)
    return env


def base_url(request: Request) -> str:
    """The root URL of the API as the client addressed it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def path_id(value: str, name: str) -> str:
    """The path parameter ``name`` (``zone_id``, ``pool_id``, ...), lower-cased; raises
    InvalidUUID (400, "Invalid UUID pool_id: foo" as Designate words it) for anything but a
    UUID, before any lookup is made."""
    if not UUID_PATTERN.fullmatch(value):
        raise errors.InvalidUUID(f"Invalid UUID {name}: {value}")
    return value.lower()


def timestamp(moment: datetime | None) -> str | None:
    """Designate's wire time: ``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC, no ``Z``; None stays."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


class JsonResponse(Response):
    """A JSON response serialised by pydantic-core (about 3x faster than ``json.dumps``
    for our documents); non-ASCII text is sent as UTF-8."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content)


def json_response(
    content: dict[str, Any], status_code: int = 200, location: str | None = None
) -> JsonResponse:
    """A JSON response, with a ``Location`` header when ``location`` is given."""
    headers = None if location is None else {"Location": location}
    return JsonResponse(content, status_code=status_code, headers=headers)
