"""Reverse zones of floating-IP ranges: where a floating IP's PTR lives, and which zone names
a range reserves for the system that writes those PTRs."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import dns.name
import dns.reversename

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ZONE_PREFIX = {4: 24, 6: 64}
"""The reverse zone of a floating IP covers its /24 (IPv4) or /64 (IPv6)."""
LABEL_BITS = {4: 8, 6: 4}
"""Address bits per reverse-name label: an octet, a nibble."""


def zone_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> dns.name.Name:
    """The reverse zone holding ``address``'s PTR (``c.b.a.in-addr.arpa.`` for a.b.c.d)."""
    return _domain(address, ZONE_PREFIX[address.version])


def domains(network: Network) -> list[dns.name.Name]:
    """The reverse domains that together hold exactly the floating IPs' reverse zones of
    ``network``: its own domain when its prefix falls on a label boundary above the zone
    size, else one per subnet at the next boundary (a /22 has four /24 zones), and for a
    network smaller than a zone, the zone around it."""
    version, bits = network.version, LABEL_BITS[network.version]
    prefix = min(-(-network.prefixlen // bits) * bits, ZONE_PREFIX[version])
    if prefix < network.prefixlen:
        network = network.supernet(new_prefix=prefix)
    return [
        _domain(subnet.network_address, prefix) for subnet in network.subnets(new_prefix=prefix)
    ]


def reserving(name: dns.name.Name, ranges: Iterable[Network]) -> Network | None:
    """The first of ``ranges`` that reserves the zone name ``name``, or None.

    A range reserves its reverse domains, every name below them (a tenant's zone there would
    receive other projects' PTRs) and every name above them (``in-addr.arpa.``: the system's
    reverse zones would become a tenant's subzones, which the subzone rule forbids).
    """
    for network in ranges:
        for domain in domains(network):
            if name.is_subdomain(domain) or domain.is_subdomain(name):
                return network
    return None


def _domain(address: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: int) -> dns.name.Name:
    full = dns.reversename.from_address(str(address))
    kept = prefix // LABEL_BITS[address.version] + 3  # the labels, "in-addr"/"ip6", "arpa", root
    return full.split(kept)[1]
