"""Recordset rules that need no database: CNAME, SOA, SRV/TLSA owners, CNAME exclusivity."""

from __future__ import annotations

import dns.name
import pytest

from zonekeeper.domain import errors, rules

ZONE = dns.name.from_text("example.org.")


def _name(text: str) -> dns.name.Name:
    return dns.name.from_text(text)


@pytest.mark.parametrize(
    ("owner", "rtype", "count"),
    [
        ("www.example.org.", "CNAME", 1),
        ("www.example.org.", "CNAME", 0),
        ("example.org.", "A", 3),
        ("example.org.", "NS", 2),
        ("example.org.", "MX", 1),
        ("_sip._tcp.example.org.", "SRV", 2),
        ("_sip._udp.voice.example.org.", "SRV", 1),
        ("_443._tcp.www.example.org.", "TLSA", 1),
        ("_0._udp.example.org.", "TLSA", 1),
        ("_65535._sctp.example.org.", "TLSA", 1),
        ("*.example.org.", "TXT", 4),
        ("deleg.example.org.", "NS", 2),
    ],
)
def test_recordset_allowed(owner: str, rtype: str, count: int) -> None:
    rules.check_recordset(_name(owner), ZONE, rtype, count)  # raises when refused


@pytest.mark.parametrize(
    ("owner", "rtype", "count", "error", "message"),
    [
        (
            "example.org.",
            "CNAME",
            1,
            errors.InvalidRecordSetLocation,
            "CNAME recordsets may not be created at the zone apex",
        ),
        (
            "www.example.org.",
            "CNAME",
            2,
            errors.BadRequest,
            "CNAME recordsets may not have more than 1 record",
        ),
        ("example.org.", "SOA", 1, errors.BadRequest, "Creating a SOA recordset is not allowed"),
        (
            "www.example.org.",
            "SOA",
            1,
            errors.BadRequest,
            "Creating a SOA recordset is not allowed",
        ),
    ],
)
def test_recordset_refused_with_message(
    owner: str, rtype: str, count: int, error: type[errors.ZonekeeperError], message: str
) -> None:
    with pytest.raises(error) as caught:
        rules.check_recordset(_name(owner), ZONE, rtype, count)
    assert type(caught.value) is error
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("owner", "rtype"),
    [
        ("example.org.", "SRV"),
        ("sip.tcp.example.org.", "SRV"),
        ("_sip.example.org.", "SRV"),
        ("_sip.tcp.example.org.", "SRV"),
        ("sip._tcp.example.org.", "SRV"),
        ("_._tcp.example.org.", "SRV"),
        ("_sip._tcp.", "SRV"),
        ("www.example.org.", "TLSA"),
        ("_https._tcp.example.org.", "TLSA"),
        ("_65536._tcp.example.org.", "TLSA"),
        ("_0443._tcp.example.org.", "TLSA"),
        ("_443.tcp.example.org.", "TLSA"),
        ("443._tcp.example.org.", "TLSA"),
        ("_443._tcp.", "TLSA"),
        ("_-1._tcp.example.org.", "TLSA"),
    ],
)
def test_service_owner_shape_refused(owner: str, rtype: str) -> None:
    with pytest.raises(errors.BadRequest) as refused:
        rules.check_recordset(_name(owner), ZONE, rtype, 1)
    # Designate's types: SRV's invalid_recordset_name, TLSA's plain bad_request.
    expected = "invalid_recordset_name" if rtype == "SRV" else "bad_request"
    assert refused.value.type == expected


@pytest.mark.parametrize(
    ("rtype", "others", "conflict"),
    [
        ("CNAME", [], False),
        ("CNAME", ["A"], True),
        ("CNAME", ["TXT", "MX"], True),
        ("CNAME", ["CNAME"], False),  # the same recordset, not a second type
        ("A", ["CNAME"], True),
        ("NS", ["CNAME"], True),
        ("A", ["AAAA", "TXT"], False),
        ("A", [], False),
        ("TXT", ["A", "CNAME"], True),
        ("MX", {"A", "MX"}, False),
    ],
)
def test_cname_conflict(rtype: str, others: list[str] | set[str], conflict: bool) -> None:
    assert rules.cname_conflict(rtype, others) is conflict
