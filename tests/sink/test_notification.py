"""Message parsing (both oslo shapes) and name templates: no broker, no database."""

from __future__ import annotations

import json

import pytest

from zonekeeper.sink import naming, notification
from zonekeeper.sink.notification import Unhandleable

INNER = {
    "message_id": "m-1",
    "publisher_id": "network.host-1",
    "event_type": "port.delete.end",
    "priority": "INFO",
    "payload": {"port_id": "p-1"},
    "timestamp": "2026-05-01 12:00:00.250000",
    "_context_project_name": "demo",
}


def test_v2_envelope_and_v1_message_parse_alike() -> None:
    v2 = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(INNER)}).encode()
    v1 = json.dumps(INNER).encode()
    assert notification.parse(v2) == notification.parse(v1)
    note = notification.parse(v1)
    assert (note.event_type, note.priority, note.project_name) == (
        "port.delete.end",
        "info",
        "demo",
    )
    assert note.timestamp is not None and note.timestamp.microsecond == 250000


@pytest.mark.parametrize(
    "body",
    [
        b"\xff",
        b"[1]",
        json.dumps({"oslo.version": "3.0", "oslo.message": "{}"}).encode(),
        json.dumps({"oslo.version": "2.0", "oslo.message": "nope"}).encode(),
        json.dumps({"event_type": "x", "payload": []}).encode(),
        json.dumps({"payload": {}}).encode(),
    ],
)
def test_what_cannot_be_handled(body: bytes) -> None:
    with pytest.raises(Unhandleable):
        notification.parse(body)


def test_designate_fields() -> None:
    fields = {**naming.address_fields("192.0.2.7"), "zone": "cloud.example.", "hostname": "Web"}
    assert naming.render("%(hostname)s.%(zone)s", fields) == "web.cloud.example."
    assert naming.render("%(octet3)s-%(ip_address)s.%(zone)s", fields) == (
        "7-192-0-2-7.cloud.example."
    )
    v6 = naming.address_fields("2001:db8::1")
    assert v6["ip_address"] == "2001-db8--1"
    with pytest.raises(Unhandleable):
        naming.render("%(octet0)s.x.", v6)
    with pytest.raises(ValueError, match=r"%\(nope\)s cannot be filled"):
        naming.check_template("%(nope)s.%(zone)s")
