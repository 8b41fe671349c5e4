"""Record data: Designate's per-type rules, canonical text and wire, dedupe, size limits."""

from __future__ import annotations

from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from zonekeeper.domain import errors, rdata

OWNER = dns.name.from_text("www.example.org.")
DOH_OWNER = dns.name.from_text("_dns.resolver.example.org.")
HEX40 = "AB" * 20
HEX64 = "ab" * 32
SHA256 = "0D" * 32
SHA512 = "e1" * 64
B64 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"

GOOD = [
    ("A", "192.0.2.1", "192.0.2.1"),
    ("A", "10.0.0.255", "10.0.0.255"),
    ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
    ("AAAA", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("AAAA", "::1", "::1"),
    ("AAAA", "::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
    ("CNAME", "Target.Example.COM.", "target.example.com."),
    ("CNAME", "_acme.example.com.", "_acme.example.com."),
    ("PTR", "Host.Example.org.", "host.example.org."),
    ("NS", "NS1.example.net.", "ns1.example.net."),
    ("MX", "10 MAIL.Example.COM.", "10 mail.example.com."),
    ("MX", "0 mail.example.com.", "0 mail.example.com."),
    ("MX", "65535 mx.example.com.", "65535 mx.example.com."),
    ("MX", "0 .", "0 ."),
    ("SRV", "10 20 5060 Sip.Example.com.", "10 20 5060 sip.example.com."),
    ("SRV", "0 0 0 .", "0 0 0 ."),
    ("TXT", "abc", '"abc"'),
    ("TXT", '"hello world"', '"hello world"'),
    ("TXT", '"a"   "b"', '"a" "b"'),
    ("TXT", '"say \\"hi\\""', '"say \\"hi\\""'),
    ("TXT", '"semi;colon (paren)"', '"semi;colon (paren)"'),
    ("TXT", '"ends with escaped backslash\\\\"', '"ends with escaped backslash\\\\"'),
    ("TXT", '""', '""'),
    ("TXT", '"tab\tinside"', '"tab\\009inside"'),
    ("TXT", f'"{"x" * 253}"', f'"{"x" * 253}"'),
    ("TXT", f'"{"x" * 253}" "{"y" * 253}"', f'"{"x" * 253}" "{"y" * 253}"'),
    ("SPF", '"v=spf1 -all"', '"v=spf1 -all"'),
    ("SPF", "v=spf1", '"v=spf1"'),
    ("SSHFP", f"1 1 {HEX40}", f"1 1 {HEX40.lower()}"),
    ("SSHFP", f"4 2 {HEX64}", f"4 2 {HEX64}"),
    ("SSHFP", "0 0 0123456789", "0 0 0123456789"),
    (
        "NAPTR",
        '100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _Sip._udp.Example.com.',
        '100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp.example.com.',
    ),
    ("NAPTR", '10 100 "u" "E2U+sip" "!^.*$!sip:a@example.com!" .', None),
    ("NAPTR", '0 0 "" "" "" next.example.com.', None),
    ("CAA", "0 issue letsencrypt.org", '0 issue "letsencrypt.org"'),
    ("CAA", "0 ISSUE ca.example.net; account=230123", '0 issue "ca.example.net; account=230123"'),
    ("CAA", '0 issuewild "ca.example.net"', '0 issuewild "ca.example.net"'),
    ("CAA", "0 issue ;", '0 issue ";"'),
    ("CAA", "128 issue ca.example.net", '128 issue "ca.example.net"'),
    ("CAA", "0 iodef mailto:security@example.com", '0 iodef "mailto:security@example.com"'),
    (
        "CAA",
        "1 iodef https://iodef.example.com/report",
        '1 iodef "https://iodef.example.com/report"',
    ),
    ("CERT", f"PKIX 1 RSASHA256 {B64}", f"PKIX 1 RSASHA256 {B64}"),
    ("CERT", f"1 65535 8 {B64}", f"PKIX 65535 RSASHA256 {B64}"),
    ("CERT", "PGP 0 0 QUFB QUFB", "PGP 0 0 QUFBQUFB"),
    ("HTTPS", "1 . alpn=h2", '1 . alpn="h2"'),
    ("HTTPS", "1 . alpn=h3,h2 no-default-alpn", '1 . alpn="h3,h2" no-default-alpn'),
    ("HTTPS", "0 Pool.Example.com.", "0 pool.example.com."),
    (
        "HTTPS",
        "2 svc.example.com. port=8443 ipv4hint=192.0.2.1 ipv6hint=2001:DB8::0:1 mandatory=port",
        '2 svc.example.com. mandatory="port" port="8443" ipv4hint="192.0.2.1" '
        'ipv6hint="2001:db8::1"',
    ),
    ("SVCB", "1 . alpn=http/1.1,h2c", '1 . alpn="http/1.1,h2c"'),
    (
        "SVCB",
        '1 doh.example. alpn=h2 dohpath="/q{?dns}"',
        '1 doh.example. alpn="h2" dohpath="/q{?dns}"',
    ),
    # TLSA is kept as submitted (Designate 23 does); the wire rdata is canonical.
    ("TLSA", f"3 1 1 {SHA256}", f"3 1 1 {SHA256}"),
    ("TLSA", f"2 0 2 {SHA512}", f"2 0 2 {SHA512}"),
    ("TLSA", "3 1 0 30820122", "3 1 0 30820122"),
    # Designate takes every usage, selector and matching type 0-255, hex spaced or multi-line.
    ("TLSA", f"255 255 255 {SHA256}", f"255 255 255 {SHA256}"),
    ("TLSA", f"4 2 3 {SHA256}", f"4 2 3 {SHA256}"),
    ("TLSA", "0 0 0 0102 00 FF", "0 0 0 0102 00 FF"),
    ("TLSA", f"3 1 1 (\n    {SHA256[:32]}\n    {SHA256[32:]}\n)", None),
]

BAD = [
    (
        "A",
        [
            "192.0.2",
            "256.0.0.1",
            "01.2.3.4",
            " 192.0.2.1",
            "192.0.2.1 ; comment",
            "::1",
            "\\# 4 c0000201",
            "host",
        ],
    ),
    ("AAAA", ["2001:db8::g", "192.0.2.1", "2001:db8:::1", "fe80::1%eth0", "2001:db8::1\n"]),
    (
        "CNAME",
        [
            "target.example.com",
            "*.example.com.",
            "-bad.example.com.",
            ".",
            "a b.example.com.",
            "( target.example.com. )",
        ],
    ),
    ("PTR", ["host.example.org", "."]),
    ("NS", ["ns1.example.net", ".", "ns_1.exam ple.net."]),
    (
        "MX",
        [
            "10 mail.example.com",
            "10  mail.example.com.",
            "010 mail.example.com.",
            "65536 mx.example.com.",
            "mail.example.com.",
            "10\tmail.example.com.",
            "-1 mx.example.com.",
        ],
    ),
    (
        "SRV",
        [
            "10 20 5060 sip.example.com",
            "10 20 sip.example.com.",
            "10 20 65536 sip.example.com.",
            "a b c d.",
        ],
    ),
    (
        "TXT",
        [
            "hello world",
            '"a"b"',
            '"abc\\"',
            "abc\\",
            "\\",
            "\\\\",  # an escaped backslash at the end: still refused, as Designate does
            '"line\nbreak"',
            f'"{"x" * 254}"',
            f'"{"x" * 255}"',
            "a;b",
            "x" * 254,
            '"unterminated',
        ],
    ),
    ("SPF", ["v=spf1 -all", '"a\nb"', f'"{"x" * 254}"']),
    (
        "SSHFP",
        [
            f"5 1 {HEX40}",
            f"1 3 {HEX40}",
            "1 1 abc",
            "1 1 " + "ab" * 4,
            "1 1 " + "ab" * 21,
            "1 1 " + "ab" * 33,
            f"1 1 {'zz' * 20}",
            f"1 1 {HEX40[:20]} {HEX40[20:]}",
        ],
    ),
    (
        "NAPTR",
        [
            '100 10 "S" "SIP+D2U" "!^.*$!sip:a@example.com!"',
            '100 10 "X" "SIP+D2U" "" next.example.com.',
            '100 10 S SIP+D2U "" next.example.com.',
            '100 10 "S" "SIP" "" next.example.com',
        ],
    ),
    (
        "CAA",
        [
            "0 issue",
            "2 issue ca.example.net",
            "0 foo bar",
            "0 issue -bad-.example",
            "0 issue ca.example.net; bad param",
            "0 iodef ftp://example.com",
            "0 iodef mailto:nobody",
            "0 iodef https://",
            "0 issue ca.example.net.",
            "256 issue ca.example.net",
        ],
    ),
    (
        "CERT",
        [
            "PKIX 1 RSASHA256",
            "BOGUS 1 8 QUFB",
            "PKIX 65536 8 QUFB",
            "PKIX 1 256 QUFB",
            "PKIX 1 8 QUF!",
            "PKIX 1 8 QUF",
        ],
    ),
    (
        "HTTPS",
        [
            "1 . alpn=h4",
            "1 . no-default-alpn",
            "1 . key65000=x",
            "1 . dohpath=/q{?dns}",
            "1 svc.example.com alpn=h2",
            "0 . alpn=h2",
            "1 . mandatory=alpn",
            "65536 . alpn=h2",
        ],
    ),
    ("SVCB", ["1 . alpn=spdy/3", "1 -bad.example. alpn=h2"]),
    (
        "TLSA",
        [
            "3 1 1 " + "ab" * 31,
            "3 1 1 " + "ab" * 33,
            "3 1 2 " + "ab" * 32,
            "3 1 1 abc",
            "256 1 1 " + SHA256,
            "3 1 1 (" + "ab" * 16,
            "3 1 1 " + "zz" * 32,
        ],
    ),
]


@pytest.mark.parametrize(("rtype", "text", "expected"), GOOD)
def test_good_record_is_canonicalised(rtype: str, text: str, expected: str | None) -> None:
    (record,) = rdata.canonical_records(rtype, OWNER, [text])
    if expected is not None:
        assert record.data == expected
    reparsed = dns.rdata.from_text(dns.rdataclass.IN, rtype, record.data)
    assert reparsed.to_digestable() == record.rdata


@pytest.mark.parametrize(("rtype", "texts"), BAD)
def test_every_bad_record_is_listed(rtype: str, texts: list[str]) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        rdata.canonical_records(rtype, OWNER, texts)
    found = list(caught.value.errors)
    assert [(item.path, item.validator, item.validator_value) for item in found] == [
        (("records", index), "format", rtype) for index in range(len(texts))
    ]
    for item, text in zip(found, texts, strict=True):
        # Designate's message, then (for some types) what exactly is wrong.
        assert item.message.startswith(f"'{text}' is not a '{rtype}' Record")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f'"{"x" * 254}"', "Any TXT record string exceeding 255 characters has to be split"),
        ('"a" "' + "b" * 300 + '"', "Any TXT record string exceeding 255 characters"),
        ("x" * 300, "TXT record strings over 255 characters have to be split into multiple"),
        ("hello world", "Empty spaces are not allowed in TXT record, unless wrapped in double"),
        ('say"hi', "Quotation marks should be escaped with backslash."),
        ('"say "hi""', "Quotation marks should be escaped with backslash."),
        ('"open', "TXT record is missing a double quote at its end."),
        ('"ends\\"', "must not end with a backslash"),
        ('"two\nlines"'.replace("\\n", "\n"), "must be one line"),
    ],
)
def test_a_refused_txt_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        rdata.canonical_records("TXT", OWNER, [text])
    (error,) = caught.value.errors
    assert error.message.startswith(f"'{text}' is not a 'TXT' Record: ")
    assert reason in error.message


@pytest.mark.parametrize(("rtype", "text", "expected"), GOOD)
def test_canonical_text_is_a_fixed_point(rtype: str, text: str, expected: str | None) -> None:
    (first,) = rdata.canonical_records(rtype, OWNER, [text])
    (second,) = rdata.canonical_records(rtype, OWNER, [first.data])
    assert second == first


def test_invalid_object_lists_only_the_bad_indexes() -> None:
    texts = ["192.0.2.1", "bad", "192.0.2.2", "999.1.1.1", "192.0.2.3"]
    with pytest.raises(errors.InvalidObject) as caught:
        rdata.canonical_records("A", OWNER, texts)
    assert [reason.path for reason in caught.value.errors] == [("records", 1), ("records", 3)]


def test_duplicates_collapse_keeping_first_order() -> None:
    texts = ["192.0.2.2", "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3"]
    records = rdata.canonical_records("A", OWNER, texts)
    assert [record.data for record in records] == ["192.0.2.2", "192.0.2.1", "192.0.2.3"]


@pytest.mark.parametrize(
    ("rtype", "texts", "expected"),
    [
        ("AAAA", ["2001:DB8::1", "2001:db8:0:0:0:0:0:1"], ["2001:db8::1"]),
        ("MX", ["10 MX.example.com.", "10 mx.EXAMPLE.com."], ["10 mx.example.com."]),
        ("TXT", ["abc", '"abc"'], ['"abc"']),
        ("CAA", ["0 ISSUE ca.example", '0 issue "ca.example"'], ['0 issue "ca.example"']),
        ("TLSA", [f"3 1 1 {SHA256}", f"3 1 1 {SHA256.lower()}"], [f"3 1 1 {SHA256}"]),
    ],
)
def test_equivalent_spellings_are_duplicates(
    rtype: str, texts: list[str], expected: list[str]
) -> None:
    assert [record.data for record in rdata.canonical_records(rtype, OWNER, texts)] == expected


def test_empty_recordset_is_allowed() -> None:
    assert rdata.canonical_records("A", OWNER, []) == ()


def test_wire_form_has_lowercase_names() -> None:
    (record,) = rdata.canonical_records("MX", OWNER, ["10 MAIL.Example.COM."])
    assert record.rdata == b"\x00\x0a\x04mail\x07example\x03com\x00"


@pytest.mark.parametrize(
    "texts",
    [
        # Many records that each fit, but not together in one message.
        [f'"{index:03d}{"x" * 250}"' for index in range(300)],
        # One record whose rdata alone passes the 65535-octet rdlength limit.
        [" ".join([f'"{"a" * 253}"'] * 300)],
    ],
)
def test_rrset_too_large_to_serve_is_refused(texts: list[str]) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        rdata.canonical_records("TXT", OWNER, texts)
    (reason,) = caught.value.errors
    assert reason.path == ("records",)
    assert reason.validator_value == rdata.MAX_MESSAGE_SIZE


def test_large_rrset_that_fits_is_accepted() -> None:
    texts = [f'"{index:03d}{"x" * 200}"' for index in range(250)]
    assert len(rdata.canonical_records("TXT", OWNER, texts)) == 250


@pytest.mark.parametrize("rtype", ["FOO", "a", "DNSKEY", "", "ANY"])
def test_unsupported_type(rtype: str) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        rdata.canonical_records(rtype, OWNER, ["192.0.2.1"])
    (reason,) = caught.value.errors
    assert (reason.path, reason.validator) == (("type",), "enum")


def test_supported_types_match_designate_defaults() -> None:
    designate = "A AAAA CNAME MX SRV TXT SPF NS PTR SSHFP NAPTR CAA CERT HTTPS SVCB TLSA"
    assert frozenset(designate.split()) == rdata.SUPPORTED_TYPES
    assert "SOA" not in rdata.SUPPORTED_TYPES


@pytest.mark.parametrize(
    ("owner", "text", "ok"),
    [
        (DOH_OWNER, "1 doh.example. alpn=h2", False),
        (DOH_OWNER, "1 doh.example. alpn=h3", False),
        (DOH_OWNER, '1 doh.example. alpn=h2 dohpath="/dns-query{?dns}"', True),
        (DOH_OWNER, "1 dot.example. alpn=http/1.1", True),
        (dns.name.from_text("_853._dns.resolver.example.org."), "1 x.example. alpn=h3", False),
        (OWNER, "1 doh.example. alpn=h2", True),
    ],
)
def test_svcb_dns_owner_needs_dohpath(owner: dns.name.Name, text: str, ok: bool) -> None:
    if ok:
        assert len(rdata.canonical_records("SVCB", owner, [text])) == 1
    else:
        with pytest.raises(errors.InvalidObject):
            rdata.canonical_records("SVCB", owner, [text])


def test_soa_is_parsed_for_imports() -> None:
    text = "NS1.Example.org. A\\.B.example.org. 2024010101 3600 600 86400 3600"
    (record,) = rdata.canonical_records("SOA", OWNER, [text])
    assert record.data == "ns1.example.org. a\\.b.example.org. 2024010101 3600 600 86400 3600"


def test_soa_record() -> None:
    record = rdata.soa_record(
        dns.name.from_text("NS1.Example.net."),
        dns.name.from_text("a\\.b.example.org."),
        4294967295,
        3500,
        600,
        86400,
        3600,
    )
    assert record.data == "ns1.example.net. a\\.b.example.org. 4294967295 3500 600 86400 3600"
    parsed = dns.rdata.from_wire(
        dns.rdataclass.IN, dns.rdatatype.SOA, record.rdata, 0, len(record.rdata)
    )
    assert parsed.to_text() == record.data


def test_soa_record_refuses_out_of_range_serial() -> None:
    with pytest.raises(ValueError):
        rdata.soa_record(
            dns.name.from_text("ns1.example."), dns.name.from_text("h.example."), 2**32, 1, 1, 1, 1
        )


@pytest.mark.parametrize(
    ("mname", "rname"),
    [("ns1.example.org.", "hostmaster.example.org."), ("NS.Example.", "a\\.b.example.")],
)
def test_soa_restamped_equals_a_rebuilt_soa(mname: str, rname: str) -> None:
    old = rdata.soa_record(dns.name.from_text(mname), dns.name.from_text(rname), 1, 2, 3, 4, 5)
    rebuilt = rdata.soa_record(
        dns.name.from_text(mname), dns.name.from_text(rname), 4294967295, 60, 70, 80, 90
    )
    assert rdata.soa_restamped(old.data, 4294967295, 60, 70, 80, 90) == rebuilt


def test_soa_restamped_refuses_numbers_out_of_range() -> None:
    old = rdata.soa_record(dns.name.from_text("a."), dns.name.from_text("b."), 1, 2, 3, 4, 5)
    with pytest.raises(ValueError):
        rdata.soa_restamped(old.data, 2**32, 1, 1, 1, 1)


@pytest.mark.parametrize(
    "texts",
    [
        ["192.0.2.1"],
        ["0.0.0.0", "255.255.255.255", "10.0.0.1", "10.0.0.1", "1.2.3.4"],
        ["192.0.2.01"],  # leading zero: not canonical, dnspython's parse decides
        ["192.0.2.256", "192.0.2.1"],
        [" 192.0.2.1"],
    ],
)
def test_canonical_a_records_are_those_dnspython_gives(texts: list[str]) -> None:
    owner = dns.name.from_text("www.example.org.")
    fast = _outcome(lambda: rdata.canonical_records("A", owner, texts))
    slow = _outcome(lambda: tuple(_dnspython_a(owner, texts)))
    assert fast == slow


def _dnspython_a(owner: dns.name.Name, texts: list[str]) -> list[rdata.CanonicalRecord]:
    found: dict[bytes, str] = {}
    reasons = []
    for index, text in enumerate(texts):
        parsed = rdata.parse_record("A", owner, text)
        if parsed is None:
            reasons.append(index)
        else:
            found.setdefault(parsed.to_digestable(), parsed.to_text())
    if reasons:
        raise errors.InvalidObject([errors.FieldError(("records", i), "bad") for i in reasons])
    return [rdata.CanonicalRecord(text, wire) for wire, text in found.items()]


def _outcome(call: Any) -> Any:
    try:
        return call()
    except errors.InvalidObject as invalid:
        return [error.path for error in invalid.errors]
