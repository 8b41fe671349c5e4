"""Masters as the API takes them: parsed, normalised, rendered without port 53."""

from __future__ import annotations

import pytest

from zonekeeper.domain import errors
from zonekeeper.domain.masters import Master, parse_masters


@pytest.mark.parametrize(
    ("text", "host", "port", "rendered"),
    [
        ("192.0.2.1", "192.0.2.1", 53, "192.0.2.1"),
        ("192.0.2.1:53", "192.0.2.1", 53, "192.0.2.1"),
        ("192.0.2.1:5353", "192.0.2.1", 5353, "192.0.2.1:5353"),
        ("2001:DB8::1", "2001:db8::1", 53, "2001:db8::1"),
        ("[2001:db8::1]:5353", "2001:db8::1", 5353, "[2001:db8::1]:5353"),
        ("NS1.Example.org.", "ns1.example.org.", 53, "ns1.example.org."),
    ],
)
def test_parse_and_render(text: str, host: str, port: int, rendered: str) -> None:
    master = Master.from_text(text)
    assert (master.host, master.port, master.to_text()) == (host, port, rendered)
    assert Master.from_text(rendered) == master


@pytest.mark.parametrize("text", ["", "a b", "192.0.2.1:0", "192.0.2.1:65536", "h:x", "[::1]x"])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Master.from_text(text)


def test_every_bad_master_is_named_at_once() -> None:
    with pytest.raises(errors.InvalidObject) as raised:
        parse_masters(["192.0.2.1", "bad host", "192.0.2.2:99999"])
    assert [error.path for error in raised.value.errors] == [("masters", 1), ("masters", 2)]
    assert parse_masters(["192.0.2.1", "192.0.2.1:53"]) == (Master("192.0.2.1"),)
