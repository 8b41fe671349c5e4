"""Fast paths for the record texts that make up most zones: A, AAAA, CNAME/NS/PTR, MX, TXT/SPF.

dnspython's parser (tokenizer, rdata object, then text and wire rendered back) costs tens of
microseconds per record; a 100,000-record import spends most of its CPU there. The texts most
records are written in are already canonical and simple enough to check with one regular
expression, so for them this module returns the canonical text and wire directly.

The contract is one-sided: :func:`canonical` returns ``(text, wire)`` only for a text that
:func:`zonekeeper.domain.rdata.parse_record` would accept with exactly that canonical text and
wire (a property test holds the two side by side); for every other text it returns None, which
means "ask dnspython", never "refused". So nothing is accepted or refused that was not before.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import dns.exception
import dns.ipv6

MAX_TXT_STRING = 253
"""Longest TXT/SPF character-string: Designate counts the two quotes against 255 (reference §9)."""

Canonical = tuple[str, bytes]
"""A record's canonical presentation text and its canonical wire form."""

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
# One token of what an IPv6 address is written with (hex digits, colons, an IPv4 tail).
_IPV6 = re.compile(r"[0-9A-Fa-f:.]{2,45}")
# Designate's hostname labels (names.LABEL), absolute; explicit ASCII classes, because
# re.IGNORECASE would also match a few non-ASCII letters (the Kelvin sign for "k").
_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = rf"(?:{_HOST_LABEL}\.)+"
_HOST = re.compile(_HOSTNAME)
_MX = re.compile(rf"(0|[1-9][0-9]{{0,4}}) ({_HOSTNAME})")
# Quoted strings of printable ASCII but '"' and '\\' (which dnspython would escape), one
# space between them: the form dnspython writes them in, so the text is already canonical.
_TXT_STRING = rf'"[ !#-\[\]-~]{{0,{MAX_TXT_STRING}}}"'
_TXT = re.compile(rf"{_TXT_STRING}(?: {_TXT_STRING})*")
_TXT_MAX_TEXT = 4096
"""Longer TXT texts go to dnspython (they are rare, and near the message-size checks)."""
_MAX_NAME_WIRE = 255


def canonical(rtype: str, text: str) -> Canonical | None:
    """``(canonical text, canonical wire)`` of ``text`` as a ``rtype`` record when it is one
    of the simple forms handled here; None otherwise (which says nothing about validity)."""
    fast = _FAST.get(rtype)
    return None if fast is None else fast(text)


def _a(text: str) -> Canonical | None:
    if _IPV4.fullmatch(text) is None:
        return None
    return text, socket.inet_aton(text)


def _aaaa(text: str) -> Canonical | None:
    if _IPV6.fullmatch(text) is None:
        return None
    # dnspython's own address functions, without its tokenizer and rdata object around them.
    try:
        wire = dns.ipv6.inet_aton(text)
    except (ValueError, dns.exception.DNSException):
        return None
    return dns.ipv6.inet_ntoa(wire), wire


def _mx(text: str) -> Canonical | None:
    match = _MX.fullmatch(text)
    if match is None:
        return None
    preference = int(match[1])
    name = _name(match[2])
    if preference > 0xFFFF or name is None:
        return None
    return f"{preference} {name[0]}", preference.to_bytes(2, "big") + name[1]


def _txt(text: str) -> Canonical | None:
    if len(text) > _TXT_MAX_TEXT or _TXT.fullmatch(text) is None:
        return None
    wire = bytearray()
    for string in text[1:-1].split('" "'):
        data = string.encode("ascii")
        wire.append(len(data))
        wire += data
    return text, bytes(wire)


def _name(text: str) -> Canonical | None:
    """A lower-cased absolute hostname and its wire form; None past 255 octets or when not
    made of hostname labels (the root included: some types take it, dnspython decides)."""
    # An absolute name's wire form is one octet longer than its text (the root label).
    if len(text) + 1 > _MAX_NAME_WIRE or _HOST.fullmatch(text) is None:
        return None
    lower = text.lower()
    wire = bytearray()
    for label in lower[:-1].split("."):
        wire.append(len(label))
        wire += label.encode("ascii")
    wire.append(0)
    return lower, bytes(wire)


_FAST: dict[str, Callable[[str], Canonical | None]] = {
    "A": _a,
    "AAAA": _aaaa,
    "CNAME": _name,
    "NS": _name,
    "PTR": _name,
    "MX": _mx,
    "TXT": _txt,
    "SPF": _txt,
}
