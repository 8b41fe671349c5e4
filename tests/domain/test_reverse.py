"""Reverse zones of floating-IP ranges, and the zone names a range reserves."""

from __future__ import annotations

import ipaddress

import dns.name
import pytest

from zonekeeper.domain import reverse


@pytest.mark.parametrize(
    ("network", "domains"),
    [
        ("203.0.113.0/24", ["113.0.203.in-addr.arpa."]),
        ("203.0.113.128/25", ["113.0.203.in-addr.arpa."]),  # the /24 zone around it
        ("10.0.0.0/8", ["10.in-addr.arpa."]),
        ("203.0.112.0/23", ["112.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa."]),
        ("2001:db8::/48", ["0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."]),
        ("2001:db8::/120", ["0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."[8:]]),
    ],
)
def test_domains(network: str, domains: list[str]) -> None:
    found = reverse.domains(ipaddress.ip_network(network))
    assert [name.to_text() for name in found] == domains


def test_a_22_has_four_zones_and_a_12_sixteen_domains() -> None:
    assert len(reverse.domains(ipaddress.ip_network("203.0.112.0/22"))) == 4
    assert len(reverse.domains(ipaddress.ip_network("10.0.0.0/12"))) == 16


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        ("113.0.203.in-addr.arpa.", True),
        ("7.113.0.203.in-addr.arpa.", True),
        ("0.203.in-addr.arpa.", True),
        ("arpa.", True),
        ("114.0.203.in-addr.arpa.", False),
        ("example.org.", False),
        ("ip6.arpa.", False),
    ],
)
def test_reserving(name: str, reserved: bool) -> None:
    ranges = [ipaddress.ip_network("203.0.113.0/24")]
    found = reverse.reserving(dns.name.from_text(name), ranges)
    assert (found is not None) == reserved
