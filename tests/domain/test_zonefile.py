"""domain.zonefile: master-format parsing (statements, owners, TTLs, relative names) with
every problem collected, and the export lines."""

from __future__ import annotations

import dns.name
import pytest

from zonekeeper.domain import zonefile

HEAD = "$ORIGIN example.org.\n$TTL 600\n@ 3600 IN SOA ns.example.org. h.example.org. 1 2 3 4 5\n"


def test_statements_owners_and_ttls() -> None:
    text = HEAD + (
        "www 300 IN A 192.0.2.1 ; a comment\n"
        "    IN AAAA 2001:db8::1\n"
        "www.example.org. IN 300 A 192.0.2.2\n"
        'txt TXT "a ; not a comment" (\n  "second" )\n'
        "@ MX 10 mail\n"
    )
    zone = zonefile.parse(text)
    assert zone.problems == []
    assert zone.origin == dns.name.from_text("example.org.")
    assert zone.soa is not None and (zone.soa.ttl, zone.soa.refresh, zone.soa.minimum) == (
        3600,
        2,
        5,
    )
    www_a = zone.recordsets["www.example.org.", "A"]
    assert (www_a.records, www_a.lines, www_a.ttl) == (["192.0.2.1", "192.0.2.2"], [4, 6], 300)
    assert zone.recordsets["www.example.org.", "AAAA"].ttl == 600  # $TTL differs from zone TTL
    txt = zone.recordsets["txt.example.org.", "TXT"]
    assert txt.records == ['"a ; not a comment" "second"'] and txt.lines == [7]
    assert zone.recordsets["example.org.", "MX"].records == ["10 mail.example.org."]


def test_default_ttl_equal_to_the_zone_ttl_is_inherited() -> None:
    zone = zonefile.parse("$ORIGIN e.org.\n$TTL 300\n@ SOA a. b. 1 2 3 4 5\nx A 192.0.2.1\n")
    assert zone.recordsets["x.e.org.", "A"].ttl is None


@pytest.mark.parametrize(
    ("rtype", "data", "expected"),
    [
        ("CNAME", "www", "www.example.org."),
        ("MX", "10 @", "10 example.org."),
        ("SRV", "1 2 5060 sip", "1 2 5060 sip.example.org."),
        ("NS", "ns.other.", "ns.other."),
        (
            "NAPTR",
            '1 1 "s" "SIP+D2U"  ""  _sip._udp',
            '1 1 "s" "SIP+D2U" "" _sip._udp.example.org.',
        ),
        ("HTTPS", '1 svc alpn="h2,h3"', '1 svc.example.org. alpn="h2,h3"'),
        ("A", "192.0.2.1", "192.0.2.1"),
    ],
)
def test_relative_names_in_data_become_absolute(rtype: str, data: str, expected: str) -> None:
    zone = zonefile.parse(HEAD + f"x IN {rtype} {data}\n")
    assert zone.recordsets["x.example.org.", rtype].records == [expected]


def test_every_problem_is_collected_with_its_line() -> None:
    text = HEAD + "a IN BOGUS 1\nb IN CH A 1.2.3.4\nc 1x IN A 1.2.3.4\nd IN A 192.0.2.1\ne (\n"
    zone = zonefile.parse(text)
    assert [problem.line for problem in zone.problems] == [4, 5, 6, 8]
    assert "d.example.org." in {name for name, _ in zone.recordsets}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("www IN A 192.0.2.1\n", zonefile.ORIGIN_REQUIRED),
        ("$TTL 5\n$ORIGIN e.org.\n", zonefile.ORIGIN_REQUIRED),
        ("$ORIGIN e.org.\nwww IN A 192.0.2.1\n", zonefile.SOA_REQUIRED),
        ("", zonefile.ORIGIN_REQUIRED),
    ],
)
def test_origin_first_and_an_soa_are_required(text: str, message: str) -> None:
    assert zonefile.parse(text).problems[0].message == message


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    zonefile.parse(HEAD + "x IN A 192.0.2.1\n", lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)


def test_export_lines() -> None:
    assert zonefile.export_header("e.org.", 300) == "$ORIGIN e.org.\n$TTL 300\n\n"
    lines = list(
        zonefile.export_lines([("a.e.org.", "A", None, "1.2.3.4"), ("e.org.", "MX", 60, "1 m.")])
    )
    assert lines == ["a.e.org.  IN A 1.2.3.4\n", "e.org. 60 IN MX 1 m.\n"]


def test_names_compare_in_any_case() -> None:
    """Tempest's zone files name the zone in mixed case ($ORIGIN and owners alike)."""
    text = (
        "$ORIGIN Rand-Mixed.Test.\n"
        "Rand-Mixed.Test. 300 IN SOA ns.Rand-Mixed.Test. h.Rand-Mixed.Test. 1 2 3 4 5\n"
        "WWW 300 IN A 192.0.2.1\n"
    )
    zone = zonefile.parse(text)
    assert zone.problems == []
    assert zone.origin == dns.name.from_text("rand-mixed.test.")
    assert zone.recordsets["www.rand-mixed.test.", "A"].records == ["192.0.2.1"]
