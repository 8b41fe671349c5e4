"""``POST /ui/check/recordset``: the form's check before it sends, with the very functions the
service runs on ``POST .../recordsets`` for the name, the records and the type's DNS rules
(domain/names.py, domain/rdata.py, domain/rules.py). What needs the database or the caller
(quotas, TTL policy, a duplicate name) is left to the API, whose refusal the page shows the
same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dns.exception
import dns.name

from zonekeeper.domain import errors, names, rdata, rules

FieldErrors = list[dict[str, Any]]


def recordset(body: dict[str, Any]) -> FieldErrors:
    """Every reason the recordset in ``body`` (``zone``, ``name``, ``type``, ``records``) would be
    refused for, as the API's ``errors.errors`` items (``path``, ``message``); [] when none."""
    found: FieldErrors = []
    zone = _zone(body.get("zone"))
    rtype = str(body.get("type") or "").upper()
    texts = [str(text) for text in body.get("records") or []]
    if rtype not in rdata.SUPPORTED_TYPES:
        return [_item(("type",), f"'{rtype}' is not a supported record type")]
    if not texts:
        found.append(_item(("records",), "at least one record is needed"))
    owner = _run(found, names.parse_recordset_name, str(body.get("name") or ""), zone, rtype)
    if owner is None:
        return found
    _run(found, rdata.canonical_records, rtype, owner, texts)
    if not found:
        _run(found, rules.check_recordset, owner, zone, rtype, len(texts))
    return found


def _zone(text: Any) -> dns.name.Name:
    try:
        return dns.name.from_text(str(text or "."))
    except dns.exception.DNSException:
        return dns.name.root


def _run(found: FieldErrors, check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``, or None after adding each reason it gave to ``found`` (an error
    without field, such as a CNAME at the apex, is put on ``name``)."""
    try:
        return check(*args)
    except errors.InvalidObject as invalid:
        found.extend(_item(item.path, item.message) for item in invalid.errors)
    except errors.ZonekeeperError as refusal:
        found.append(_item(("name",), refusal.message or refusal.type))
    return None


def _item(path: Sequence[str | int], message: str) -> dict[str, Any]:
    return {"path": list(path), "message": message}
