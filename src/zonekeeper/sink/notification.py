"""The oslo.messaging notification format Nova and Neutron emit, parsed.

Two shapes arrive: the ``messagingv2`` envelope ``{"oslo.version": "2.0", "oslo.message":
"<JSON text>"}``, and unwrapped v1 messages (the inner dict itself). Either way the message
holds ``event_type``, ``payload``, ``publisher_id``, ``message_id``, ``priority``,
``timestamp`` and the caller's context flattened as ``_context_<key>`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class Unhandleable(Exception):
    """A message that no retry can handle (bad JSON, missing fields, bad data): it goes to
    the dead-letter queue with ``reason``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Notification:
    event_type: str
    payload: Mapping[str, Any]
    publisher_id: str
    message_id: str
    priority: str
    timestamp: datetime | None
    """When the publisher sent it (naive UTC), if it said."""
    context: Mapping[str, Any]
    """The publisher's request context, ``_context_`` prefixes stripped."""

    @property
    def project_name(self) -> str | None:
        name = self.context.get("project_name")
        return name if isinstance(name, str) and name else None


def parse(body: bytes) -> Notification:
    """The notification in ``body``. Raises Unhandleable for anything but a JSON object in
    either shape with a string ``event_type`` and an object ``payload``."""
    message = _unwrap(_json_object(body, "message"))
    event_type = message.get("event_type")
    payload = message.get("payload")
    if not isinstance(event_type, str) or not event_type:
        raise Unhandleable("the message has no event_type")
    if not isinstance(payload, dict):
        raise Unhandleable(f"{event_type}: the payload is not an object")
    return Notification(
        event_type=event_type,
        payload=payload,
        publisher_id=str(message.get("publisher_id") or ""),
        message_id=str(message.get("message_id") or ""),
        priority=str(message.get("priority") or "").lower(),
        timestamp=_timestamp(message.get("timestamp")),
        context={k[len("_context_") :]: v for k, v in message.items() if k.startswith("_context_")},
    )


def _json_object(text: bytes | str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise Unhandleable(f"the {what} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise Unhandleable(f"the {what} is not a JSON object")
    return value


def _unwrap(message: dict[str, Any]) -> dict[str, Any]:
    """The inner message of a v2 envelope; a v1 message as it is."""
    if "oslo.message" not in message:
        return message
    version = str(message.get("oslo.version", ""))
    if version.split(".")[0] != "2":
        raise Unhandleable(f"unsupported oslo.version {version!r}")
    inner = message["oslo.message"]
    if not isinstance(inner, str):
        raise Unhandleable("oslo.message is not a JSON string")
    return _json_object(inner, "oslo.message")


def _timestamp(value: Any) -> datetime | None:
    """oslo's ``2024-05-01 12:00:00.123456`` (UTC), or None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else _naive_utc(moment)


def _naive_utc(moment: datetime) -> datetime:
    offset = moment.utcoffset()
    return (moment - offset if offset else moment).replace(tzinfo=None)
