"""Request bodies: read the JSON, then check it against a resource's body rules.

The checks here are about the *shape* of a body (keys, JSON types, lengths, ranges), as
Designate's JSON schemas and object adapters do. DNS rules (names, rdata, quotas, policy)
belong to the service layer and are not repeated here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from starlette.requests import Request

from zonekeeper.domain import errors

JSON_TYPES: Final = frozenset({"application/json"})


@dataclass(frozen=True, slots=True)
class BodyRules:
    """How one operation treats the keys of its body.

    ``schema`` is a TypedDict (configured ``extra="forbid", strict=True``) of the keys the
    caller may write; it validates them. ``fixed`` keys (read-only or immutable) are
    tolerated only when their value equals the current object's, as Designate's adapters
    do; ``ignored`` keys are accepted and dropped. Any other key is refused.
    """

    resource: str
    schema: type[Mapping[str, Any]]
    fixed: frozenset[str]
    ignored: frozenset[str] = field(default_factory=frozenset)
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)
    writable: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.schema))
        object.__setattr__(self, "writable", frozenset(self.schema.__annotations__))

    def needs_current(self, document: Mapping[str, Any]) -> bool:
        """Whether checking ``document`` needs the current object (it names a fixed key)."""
        return any(key in self.fixed for key in document)


async def read_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body.

    Raises UnsupportedContentType (not JSON), EmptyRequestBody (also for ``null``), InvalidJson,
    InvalidObject
    (valid JSON, but not an object, or holding text no database can store).
    RequestTooLarge comes from the edge middleware while the body streams in.
    """
    content_type = request.headers.get("content-type")
    raw = await request.body()
    if content_type is not None and not _is_json(content_type):
        raise errors.UnsupportedContentType(f"Unsupported content type: {content_type}")
    if not raw.strip():
        raise errors.EmptyRequestBody()
    if content_type is None:
        raise errors.UnsupportedContentType("A body needs Content-Type: application/json")
    document = _decode(raw)
    if document is None:  # JSON ``null``: Designate counts it as no body at all
        raise errors.EmptyRequestBody()
    if not isinstance(document, dict):
        reasons = list(_unstorable_values(document, ()))
        raise errors.InvalidObject(reasons or [_type_error((), document, "object")])
    reasons = list(_unstorable_values(document, ()))
    if reasons:
        raise errors.InvalidObject(reasons)
    return document


async def read_optional_object(request: Request) -> dict[str, Any]:
    """Like :func:`read_object`, but no body (empty, or JSON ``null``) is ``{}``, for the
    operations whose every key is optional (Designate catches EmptyRequestBody there)."""
    try:
        return await read_object(request)
    except errors.EmptyRequestBody:
        return {}


def check(
    document: Mapping[str, Any], rules: BodyRules, current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The writable keys of ``document``, after every check; ``current`` is the rendered
    object being changed (None on create: then every fixed key is refused).

    Raises InvalidObject listing every reason at once; it carries Designate's message
    "Provided object does not match schema. ..." when a key itself is refused.
    """
    writable: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in document.items():
        if key in rules.writable:
            writable[key] = value
        elif key in rules.fixed and current is not None and current.get(key) == value:
            continue
        elif key not in rules.ignored:
            refused.append(key)
    reasons = [_refused_key(key, rules.fixed) for key in refused]
    reasons.extend(_schema_errors(writable, rules.adapter))
    if not reasons:
        return writable
    message = None
    if refused:
        message = (
            f"Provided object does not match schema. Keys {refused!r} are not valid "
            f"for {rules.resource}"
        )
    raise errors.InvalidObject(reasons, message)


def field_errors(details: Sequence[Any]) -> list[errors.FieldError]:
    """Pydantic's (or FastAPI's) error dicts as JSON-schema-style field errors."""
    return [_field_error(item) for item in details]


def openapi(rules: BodyRules) -> dict[str, Any]:
    """``openapi_extra`` documenting ``rules.schema`` as the required JSON request body."""
    schema = _inline_definitions(rules.adapter.json_schema())
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written in place of their ``$ref``: pydantic's refs
    (``#/$defs/X``) point at the root of the document they sit in, which in the OpenAPI
    document is not this schema, so clients could not resolve them. The bodies' models
    are not recursive."""
    definitions = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in JSON_TYPES


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_NonFinite, parse_float=_number)
    except RecursionError:
        raise errors.InvalidJson("JSON nests too deeply") from None
    except json.JSONDecodeError as exc:
        raise errors.InvalidJson(f"Invalid JSON: {exc.msg} at position {exc.pos}") from None
    except UnicodeDecodeError:
        raise errors.InvalidJson("Invalid JSON: not UTF-8 JSON text") from None
    except ValueError:  # Python's limit on the digits of an integer
        raise errors.InvalidJson("Invalid JSON: a number has too many digits") from None


def _number(text: str) -> int | float:
    """A JSON number written with a fraction or exponent: an int when its value is whole
    (``300.0``, ``3e2``), as JSON Schema's ``integer`` counts it, so integer fields take it."""
    value = float(text)
    return int(value) if value.is_integer() else value


STORABLE_TEXT: Final = r"^[^\x00]*$"
"""What the documents declare of free text (descriptions): no NUL, which no database stores
(lone surrogates, refused too, cannot be sent in UTF-8 JSON text)."""


@dataclass(frozen=True, slots=True)
class _NonFinite:
    """A NaN, Infinity or -Infinity in the body. They are not JSON (RFC 8259), but Python's
    decoder reads them; kept as this marker, they are refused with the path where they stand."""

    name: str


def _unstorable_values(value: Any, path: tuple[str | int, ...]) -> Any:
    """Field errors for values no database can store: strings holding NUL or lone
    surrogates, and the non-numbers NaN and Infinity."""
    if isinstance(value, _NonFinite):
        message = f"{value.name} is not a JSON number: numbers must be finite"
        yield errors.FieldError(path, message, "type", "number")
    elif isinstance(value, str):
        if "\x00" in value or (not value.isascii() and not _encodable(value)):
            yield errors.FieldError(path, "Text must be valid Unicode without NUL", "format")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_values(key, path)
            yield from _unstorable_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_values(item, (*path, index))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _schema_errors(writable: dict[str, Any], adapter: TypeAdapter[Any]) -> list[errors.FieldError]:
    try:
        adapter.validate_python(writable, strict=True)
    except ValidationError as exc:
        return field_errors(exc.errors())
    return []


def _refused_key(key: str, fixed: frozenset[str]) -> errors.FieldError:
    reason = "is read-only" if key in fixed else "is not a valid key"
    return errors.FieldError((key,), f"'{key}' {reason}", "additionalProperties", False)


def _type_error(path: tuple[str | int, ...], value: Any, expected: str) -> errors.FieldError:
    return errors.FieldError(path, f"{value!r:.80} is not of type '{expected}'", "type", expected)


def _field_error(item: ErrorDetails | Mapping[str, Any]) -> errors.FieldError:
    loc = tuple(part for part in item["loc"] if part not in _LOCATIONS)
    kind = str(item["type"])
    context = item.get("ctx") or {}
    if kind == "missing":
        name = loc[-1] if loc else "body"
        return errors.FieldError(loc[:-1], f"'{name}' is a required property", "required")
    if kind in _TYPES:
        return errors.FieldError(loc, str(item["msg"]), "type", _TYPES[kind])
    validator, context_key = _VALIDATORS.get(kind, ("format", ""))
    return errors.FieldError(loc, str(item["msg"]), validator, context.get(context_key))


_LOCATIONS: Final = frozenset({"body", "query", "path", "header"})
"""FastAPI's first ``loc`` element: where a value came from, not part of its path."""

_TYPES: Final[Mapping[str, str]] = {
    "string_type": "string",
    "int_type": "integer",
    "bool_type": "boolean",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}
"""Pydantic type-error kinds -> the JSON type that was expected."""

_VALIDATORS: Final[Mapping[str, tuple[str, str]]] = {
    "string_too_long": ("maxLength", "max_length"),
    "string_too_short": ("minLength", "min_length"),
    "too_long": ("maxItems", "max_length"),
    "greater_than_equal": ("minimum", "ge"),
    "less_than_equal": ("maximum", "le"),
    "literal_error": ("enum", "expected"),
    "enum": ("enum", "expected"),
    "string_pattern_mismatch": ("pattern", "pattern"),
    "extra_forbidden": ("additionalProperties", ""),
}
"""Pydantic error type -> (JSON-schema validator name, ctx key holding its value)."""
