"""List requests: ``limit``, ``marker``, ``sort_key``, ``sort_dir`` and filters in, and the
collection document (items, ``links``, ``metadata``) out.

Designate's rules, except one: a ``limit`` above ``max_limit`` is served as ``max_limit``
(Designate serves any size), so no request can ask for an unbounded page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from pydantic import BaseModel
from starlette.requests import Request

from zonekeeper.api import auth, body, web
from zonekeeper.config import ApiSettings
from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery

PAGING_KEYS: Final = frozenset({"limit", "marker", "sort_key", "sort_dir"})
SORT_DIRS: Final = ("asc", "desc")


@dataclass(frozen=True, slots=True)
class ListSpec:
    """What one list endpoint accepts.

    ``project_sort_keys`` are allowed only when the caller lists across all projects
    (Designate's ``tenant_id``).
    """

    plural: str
    sort_keys: tuple[str, ...]
    filters: tuple[str, ...]
    project_sort_keys: tuple[str, ...] = ()
    integer_filters: tuple[str, ...] = ("ttl",)
    """Filters on a number: their value is digits, or a pattern holding ``*``."""


class CollectionLinks(BaseModel):
    self: str
    next: str | None = None


class ListMetadata(BaseModel):
    total_count: int | None = None


def parse(request: Request, spec: ListSpec, settings: ApiSettings, all_projects: bool) -> ListQuery:
    """The ListQuery of ``request``. Raises InvalidLimit, InvalidMarker, InvalidSortKey,
    InvalidSortDir, or BadRequest ("Invalid filters k", "Duplicate filters k")."""
    params = request.query_params
    limit = _limit(_single(params.getlist("limit"), errors.InvalidLimit), settings)
    marker = _marker(_single(params.getlist("marker"), errors.InvalidMarker))
    sort_key = _sort_key(
        _single(params.getlist("sort_key"), errors.InvalidSortKey), spec, all_projects
    )
    sort_dir = _sort_dir(_single(params.getlist("sort_dir"), errors.InvalidSortDir))
    return ListQuery(
        limit=limit,
        marker=marker,
        sort_key=sort_key,
        sort_dir=sort_dir,
        filters=_filters(params.multi_items(), spec),
    )


def collection(
    request: Request, plural: str, items: list[dict[str, Any]], limit: int, total: int | None
) -> dict[str, Any]:
    """The collection document. ``links.next`` appears whenever the page is full, so the
    last page may point at an empty one (clients stop there); ``metadata`` is ``{}`` when
    the total was not counted."""
    url = str(request.url)
    links = {"self": url}
    if items and len(items) >= limit:
        links["next"] = _with_marker(url, request.scope["query_string"], items[-1]["id"])
    metadata = {} if total is None else {"total_count": total}
    return {plural: items, "links": links, "metadata": metadata}


def _with_marker(url: str, query_string: bytes, marker: str) -> str:
    """``url`` with its ``marker`` parameter set to ``marker`` (others kept, in order).

    Built by hand: Starlette's ``URL.include_query_params`` costs more than the page render.
    """
    pairs = [
        (key, value)
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        if key != "marker"
    ]
    pairs.append(("marker", marker))
    return f"{url.partition('?')[0]}?{urlencode(pairs)}"


def openapi(spec: ListSpec) -> dict[str, Any]:
    """``openapi_extra`` documenting the query parameters of a list endpoint."""
    # The project sort keys are left out: they are refused unless listing all projects.
    sort_keys = list(spec.sort_keys)
    parameters = [
        # Digits, as the server reads them: JSON Schema's "integer" also admits 2.0.
        _param("limit", {"type": "string", "pattern": "^(0*[1-9][0-9]*|max)$"}),
        _param("marker", {"type": "string", "format": "uuid"}),
        _param("sort_key", {"type": "string", "enum": sort_keys}),
        _param("sort_dir", {"type": "string", "enum": list(SORT_DIRS)}),
        *(_param(name, _filter_schema(name, spec)) for name in spec.filters),
    ]
    return {"parameters": parameters}


def _filter_schema(name: str, spec: ListSpec) -> dict[str, Any]:
    if name in spec.integer_filters:
        # What storage's integer filters take: 1-10 digits, or anything with a `*`.
        return {"type": "string", "pattern": r"^([0-9]{1,10}|.*\*.*)$"}
    return {"type": "string", "pattern": body.STORABLE_TEXT}


def _param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _single(values: Sequence[str], error: type[errors.ZonekeeperError]) -> str | None:
    if len(values) > 1:
        raise error(f"{error.type.removeprefix('invalid_')} given more than once")
    return values[0] if values else None


def _limit(value: str | None, settings: ApiSettings) -> int:
    if value is None:
        return min(settings.default_limit, settings.max_limit)
    if value == "max":
        return settings.max_limit
    try:
        limit = int(value)
    except ValueError:
        raise errors.InvalidLimit("limit should be an integer or 'max'") from None
    if limit <= 0:
        raise errors.InvalidLimit("limit should be a positive integer")
    return min(limit, settings.max_limit)


def _marker(value: str | None) -> str | None:
    if value is None:
        return None
    if not web.UUID_PATTERN.fullmatch(value):
        raise errors.InvalidMarker()
    return value.lower()


def _sort_key(value: str | None, spec: ListSpec, all_projects: bool) -> str:
    if value is None:
        return "created_at"
    allowed = spec.sort_keys + (spec.project_sort_keys if all_projects else ())
    if value not in allowed:
        raise errors.InvalidSortKey(f"sort key must be one of {list(allowed)!r}")
    return value


def _sort_dir(value: str | None) -> str:
    if value is None:
        return "asc"
    if value not in SORT_DIRS:
        raise errors.InvalidSortDir("sort direction must be either asc or desc")
    return value


def _filters(items: Sequence[tuple[str, str]], spec: ListSpec) -> dict[str, str]:
    filters: dict[str, str] = {}
    invalid: list[str] = []
    for key, value in items:
        if key in PAGING_KEYS or key in auth.QUERY_FLAGS:
            continue
        if key not in spec.filters:
            invalid.append(key)
        elif key in filters:
            raise errors.BadRequest(f"Duplicate filters {key}")
        elif "\x00" in value:
            raise errors.BadRequest(f"Invalid filter value for {key}")
        else:
            filters[key] = value
    if invalid:
        raise errors.BadRequest(f"Invalid filters {', '.join(dict.fromkeys(invalid))}")
    return filters
