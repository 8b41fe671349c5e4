"""The fast paths of record and name validation against dnspython's: whatever text the fast path
answers for, dnspython (with Designate's rules) must accept with the very same canonical text
and wire; the common forms must take the fast path at all."""

from __future__ import annotations

import ipaddress

import dns.exception
import dns.name
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zonekeeper.domain import names, rdata, rdata_fast

OWNER = dns.name.from_text("www.example.org.")
# Few examples each (the suite's time is budgeted), drawn mostly from the forms the fast
# path takes, with near misses mixed in.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agrees(rtype: str, text: str) -> None:
    """The fast answer, when there is one, is dnspython's."""
    fast = rdata_fast.canonical(rtype, text)
    if fast is not None:
        assert fast == rdata._canonical(rtype, OWNER, text), (rtype, text)


def fast_or_not(rtype: str, text: str) -> bool:
    agrees(rtype, text)
    return rdata_fast.canonical(rtype, text) is not None


_good_octet = st.integers(0, 255).map(str)
_octet = st.one_of(st.integers(0, 300).map(str), st.integers(0, 255).map("{:03d}".format))
_ipv4 = st.one_of(
    st.lists(_good_octet, min_size=4, max_size=4).map(".".join),
    st.lists(st.one_of(_good_octet, _octet), min_size=3, max_size=5).map(".".join),
)
_noise = st.text(alphabet='0123456789abcdefABCDEF:. \t"\\;()-_xX*', max_size=50)
_ipv6_int = st.one_of(
    st.integers(0, 2**128 - 1),
    st.integers(0, 2**32 - 1).map(lambda low: (0xFFFF << 32) | low),  # IPv4-mapped
    st.integers(0, 2**32 - 1),  # IPv4-compatible and small
    st.integers(0, 2**16 - 1).map(lambda high: high << 112),
    st.integers(0, 2**16 - 1).map(lambda mid: (0x20010DB8 << 96) | (mid << 48)),
)


@st.composite
def _ipv6(draw: st.DrawFn) -> str:
    address = ipaddress.IPv6Address(draw(_ipv6_int))
    spelling = draw(st.sampled_from(["compressed", "exploded", "upper", "mapped"]))
    if spelling == "exploded":
        return address.exploded
    if spelling == "upper":
        return address.compressed.upper()
    if spelling == "mapped" and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed


_good_label = st.text(alphabet="abcXYZ019_", min_size=1, max_size=8)
_label = st.one_of(
    _good_label,
    _good_label,
    st.text(alphabet="abcXYZ019_-*", min_size=0, max_size=8),
    st.integers(60, 66).map(lambda n: "a" * n),
    st.sampled_from(["\u212a", "xn--bcher-kva", "-a", "a-", "_", "@", "a\\.b", "\\065"]),
)


@st.composite
def _name(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_label, min_size=0, max_size=6))
    if draw(st.booleans()):
        labels = labels + ["x" * 60] * draw(st.integers(0, 5))  # near the 255-octet limit
    return ".".join(labels) + draw(st.sampled_from([".", ".", "", ".."]))


_preference = st.one_of(
    st.integers(0, 70000).map(str), st.sampled_from(["00", "01", "-1", "+1", "1e2", " 1"])
)
_txt_char = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(['"', "\\", "\t", "\n", "é", "\x7f", ";", "(", ")"]),
)
_txt_string = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    st.text(alphabet=_txt_char, max_size=12),
    st.integers(250, 256).map(lambda n: "a" * n),
)


@st.composite
def _txt(draw: st.DrawFn) -> str:
    strings = draw(st.lists(_txt_string, min_size=1, max_size=4))
    quoted = draw(st.sampled_from([True, True, False]))
    parts = [f'"{text}"' if quoted else text for text in strings]
    return draw(st.sampled_from([" ", " ", "  ", "", "\t"])).join(parts)


@PROPERTY
@given(st.one_of(_ipv4, _noise))
def test_a(text: str) -> None:
    agrees("A", text)


@PROPERTY
@given(st.one_of(_ipv6(), _noise))
def test_aaaa(text: str) -> None:
    agrees("AAAA", text)


@PROPERTY
@given(st.sampled_from(["CNAME", "NS", "PTR"]), _name())
def test_names(rtype: str, text: str) -> None:
    agrees(rtype, text)


@PROPERTY
@given(_preference, st.sampled_from([" ", "  ", "\t"]), _name())
def test_mx(preference: str, space: str, name: str) -> None:
    agrees("MX", preference + space + name)


@PROPERTY
@given(st.sampled_from(["TXT", "SPF"]), _txt())
def test_txt(rtype: str, text: str) -> None:
    agrees(rtype, text)


@pytest.mark.parametrize(
    ("rtype", "text"),
    [
        ("A", "192.0.2.1"),
        ("A", "0.0.0.0"),
        ("AAAA", "2001:db8::1"),
        ("AAAA", "::ffff:192.0.2.1"),
        ("AAAA", "2001:DB8:0:0:0:0:0:1"),
        ("CNAME", "www.example.org."),
        ("CNAME", "Mixed.Case.Example."),
        ("NS", "ns1.example.net."),
        ("PTR", "host-1.example.org."),
        ("MX", "10 mail.example.org."),
        ("MX", "65535 mx.example.org."),
        ("TXT", '"v=spf1 -all"'),
        ("TXT", '"record 7" "v=bench"'),
        ("SPF", '""'),
    ],
)
def test_common_forms_take_the_fast_path(rtype: str, text: str) -> None:
    assert fast_or_not(rtype, text)


@pytest.mark.parametrize(
    ("rtype", "text"),
    [
        ("A", "192.0.2.01"),  # dnspython refuses leading zeros
        ("AAAA", "2001:db8::g"),
        ("CNAME", "relative.example"),
        ("CNAME", "."),
        ("MX", "0 ."),
        ("MX", "65536 mx.example.org."),
        ("TXT", "unquoted"),
        ("TXT", '"a"  "b"'),
        ("TXT", '"tab\there"'),
        ("SRV", "0 0 0 ."),
    ],
)
def test_other_forms_go_to_dnspython(rtype: str, text: str) -> None:
    assert not fast_or_not(rtype, text)


def test_canonical_records_answer_as_before() -> None:
    """Fast and slow texts mixed in one recordset collapse to one record per rdata."""
    records = rdata.canonical_records("MX", OWNER, ["10 Mail.Example.org.", "10 mail.example.org."])
    assert [(r.data, r.rdata) for r in records] == [
        ("10 mail.example.org.", b"\x00\x0a\x04mail\x07example\x03org\x00")
    ]


def _dnspython_name(text: str) -> dns.name.Name | None:
    try:
        return dns.name.from_text(text)
    except dns.exception.DNSException:
        return None


@PROPERTY
@given(_name(), st.booleans())
def test_owner_names_read_and_written_as_dnspython_does(text: str, upper: bool) -> None:
    text = text.upper() if upper else text
    parsed = names._parse_absolute(text, names._RECORDSET_NAME_RE, 255)
    if parsed is not None:
        expected = _dnspython_name(text)
        assert expected is not None and parsed == expected.canonicalize()
        assert parsed.labels == expected.canonicalize().labels
    name = _dnspython_name(text)
    if name is not None:
        assert names.to_text(name) == name.derelativize(dns.name.root).canonicalize().to_text()


@pytest.mark.parametrize(
    "labels", [(b"a.b", b""), (b"A", b"b", b""), (b"*", b"x", b""), (b"",), (b"a", b"b"), (b"\\",)]
)
def test_to_text_of_odd_labels(labels: tuple[bytes, ...]) -> None:
    name = dns.name.Name(labels)
    assert names.to_text(name) == name.derelativize(dns.name.root).canonicalize().to_text()
