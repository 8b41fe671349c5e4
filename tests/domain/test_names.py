"""Zone, recordset and email name rules (reference §4.3)."""

from __future__ import annotations

import dns.name
import pytest

from zonekeeper.domain import errors, names

ZONE = dns.name.from_text("example.org.")
LABEL_63 = "a" * 63


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.org.", "example.org."),
        ("Example.ORG.", "example.org."),
        ("sub-zone.example.org.", "sub-zone.example.org."),
        ("_under.example.org.", "_under.example.org."),
        ("xn--bcher-kva.example.", "xn--bcher-kva.example."),
        ("1.0.10.in-addr.arpa.", "1.0.10.in-addr.arpa."),
        (f"{LABEL_63}.org.", f"{LABEL_63}.org."),
        # 3 * 63-char labels + a 61-char label: 253 characters, 255 wire octets.
        (
            f"{LABEL_63}.{LABEL_63}.{LABEL_63}.{'b' * 61}.",
            f"{LABEL_63}.{LABEL_63}.{LABEL_63}.{'b' * 61}.",
        ),
    ],
)
def test_zone_name_accepted_and_lowercased(text: str, expected: str) -> None:
    assert names.to_text(names.parse_zone_name(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "example.org",  # no trailing dot
        "*.example.org.",
        "-bad.example.org.",
        "bad-.example.org.",
        "exa mple.org.",
        "example..org.",
        ".",
        "",
        f"{'a' * 64}.org.",
        "bücher.example.",
        "a\\.b.example.",
        f"{LABEL_63}.{LABEL_63}.{LABEL_63}.{'b' * 62}.",  # 256 wire octets
    ],
)
def test_zone_name_refused_as_invalid_object(text: str) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        names.parse_zone_name(text)
    (reason,) = caught.value.errors
    assert reason.path == ("name",)
    assert reason.message == f"{text!r} is not a 'zonename'"
    assert (reason.validator, reason.validator_value) == ("format", "zonename")


def test_zone_name_over_configured_length() -> None:
    with pytest.raises(errors.InvalidObject):
        names.parse_zone_name("example.org.", max_length=11)
    assert names.to_text(names.parse_zone_name("example.org.", max_length=12)) == "example.org."


@pytest.mark.parametrize("text", ["com.", "ORG."])
def test_single_label_zone_refused(text: str) -> None:
    with pytest.raises(errors.InvalidZoneName, match="More than one label is required"):
        names.parse_zone_name(text)


@pytest.mark.parametrize(
    ("text", "rtype", "expected"),
    [
        ("example.org.", "A", "example.org."),
        ("WWW.Example.org.", "A", "www.example.org."),
        ("*.example.org.", "A", "*.example.org."),
        ("*.sub.example.org.", "TXT", "*.sub.example.org."),
        ("_sip._tcp.example.org.", "SRV", "_sip._tcp.example.org."),
        ("delegated.example.org.", "NS", "delegated.example.org."),
        ("xn--bcher-kva.example.org.", "A", "xn--bcher-kva.example.org."),
    ],
)
def test_recordset_name_accepted(text: str, rtype: str, expected: str) -> None:
    assert names.to_text(names.parse_recordset_name(text, ZONE, rtype)) == expected


@pytest.mark.parametrize(
    ("text", "rtype"),
    [
        ("www.example.org", "A"),
        ("www.*.example.org.", "A"),
        ("**.example.org.", "A"),
        ("*www.example.org.", "A"),
        ("-www.example.org.", "A"),
        ("www-.example.org.", "A"),
        ("*.example.org.", "NS"),
        ("w w.example.org.", "A"),
        (f"{'a' * 64}.example.org.", "A"),
    ],
)
def test_recordset_name_bad_syntax(text: str, rtype: str) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        names.parse_recordset_name(text, ZONE, rtype)
    assert [reason.path for reason in caught.value.errors] == [("name",)]


def test_recordset_name_over_max_length() -> None:
    with pytest.raises(errors.InvalidObject):
        names.parse_recordset_name("www.example.org.", ZONE, "A", max_length=15)


@pytest.mark.parametrize("text", ["example.com.", "org.", "badexample.org.", "www.example.net."])
def test_recordset_outside_zone(text: str) -> None:
    with pytest.raises(errors.InvalidRecordSetLocation) as caught:
        names.parse_recordset_name(text, ZONE, "A")
    assert caught.value.message == "RecordSet is not contained within it's parent zone"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("hostmaster@example.org", "hostmaster.example.org."),
        ("a.b@example.org", "a\\.b.example.org."),
        ("Admin@Example.ORG", "admin.example.org."),
        ("x_y-z@sub.example.org", "x_y-z.sub.example.org."),
    ],
)
def test_email_to_rname(email: str, expected: str) -> None:
    assert names.to_text(names.parse_email(email)) == expected


def test_email_local_part_is_one_label() -> None:
    rname = names.parse_email("a.b@example.org")
    assert rname.labels[0] == b"a.b"


@pytest.mark.parametrize(
    "email",
    [
        "example.org",
        "@example.org",
        "admin@",
        "a@b@example.org",
        "admin@example.org.",
        "admin@-bad.org",
        "ad min@example.org",
        "admin@exa_mple..org",
        f"{'a' * 64}@example.org",
        "",
    ],
)
def test_email_refused(email: str) -> None:
    with pytest.raises(errors.InvalidObject) as caught:
        names.parse_email(email)
    (reason,) = caught.value.errors
    assert reason.path == ("email",)
    assert reason.message == f"{email!r} is not a 'email'"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (dns.name.root, "."),
        (dns.name.from_text("WWW.Example.ORG."), "www.example.org."),
        (dns.name.from_text("www", None), "www."),
    ],
)
def test_to_text(name: dns.name.Name, expected: str) -> None:
    assert names.to_text(name) == expected
