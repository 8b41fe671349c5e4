"""Domain-name rules for zones, recordsets and SOA contacts, as Designate's v2 API applies them.

Every parser here returns a lower-cased absolute :class:`dns.name.Name`; nothing else in
Zonekeeper re-models names. Syntax failures raise :class:`errors.InvalidObject` shaped like the
JSON-schema ``format`` errors Designate returns, so API clients see the same body.
"""

from __future__ import annotations

import functools
import re

import dns.exception
import dns.name

from zonekeeper.domain import errors

# One label of Designate's `zonename`/`hostname` formats: 1-63 of [A-Za-z0-9_-], no hyphen at
# either end. Punycode ("xn--...") labels fit; raw Unicode and escapes do not, so names stay
# plain ASCII that every backend accepts.
LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_LABEL_RE = re.compile(LABEL)

# The same rules as patterns without lookarounds, for the API's JSON Schema (whose patterns
# are ECMA regexes, read by every client generator): they document what the parsers below
# accept, except the length of the whole (255 wire octets) and of an address's local part
# (one label: 63).
PORTABLE_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_PORTABLE_HOSTNAME = rf"{PORTABLE_LABEL}(?:\.{PORTABLE_LABEL})*"
ZONE_NAME_PATTERN = rf"^(?:{PORTABLE_LABEL}\.){{2,}}$"
RECORDSET_NAME_PATTERN = rf"^(?:\*\.)?(?:{PORTABLE_LABEL}\.)+$"
HOSTNAME_PATTERN = rf"^(?:{PORTABLE_LABEL}\.)+$"
EMAIL_PATTERN = rf"^{_PORTABLE_HOSTNAME}@{_PORTABLE_HOSTNAME}$"
TLD_NAME_PATTERN = rf"^{_PORTABLE_HOSTNAME}$"
_ZONE_NAME_RE = re.compile(rf"(?:{LABEL}\.)+")
_RECORDSET_NAME_RE = re.compile(rf"(?:\*\.)?(?:{LABEL}\.)+")
_HOSTNAME_RE = re.compile(rf"{LABEL}(?:\.{LABEL})*")
_PLAIN_NAME_RE = re.compile(rb"(?:\*\.)?(?:[A-Za-z0-9_-]+\.)+")


def parse_zone_name(text: str, max_length: int = 255) -> dns.name.Name:
    """Parse a zone name such as ``"example.org."``.

    Raises :class:`errors.InvalidObject` (path ``("name",)``, format ``zonename``) when the text
    does not end with a dot, is longer than ``max_length`` characters or 255 wire octets, or has
    a bad label (including ``*``); :class:`errors.InvalidZoneName` when it has a single label.
    """
    name = _parse_absolute(text, _ZONE_NAME_RE, max_length)
    if name is None:
        raise errors.InvalidObject([_format_error("name", text, "zonename")])
    if len(name.labels) < 3:  # the root's empty label is the last of ``labels``
        raise errors.InvalidZoneName("More than one label is required")
    return name


def parse_recordset_name(
    text: str, zone: dns.name.Name, rtype: str, max_length: int = 255
) -> dns.name.Name:
    """Parse a recordset owner name that must lie at or below ``zone``.

    ``*`` is allowed as the whole first label (a wildcard), except for NS. Raises
    :class:`errors.InvalidObject` (path ``("name",)``) for bad syntax, a wildcard NS, or a name
    past ``max_length``; :class:`errors.InvalidRecordSetLocation` when the name is outside
    ``zone``.
    """
    name = _parse_absolute(text, _RECORDSET_NAME_RE, max_length)
    if name is None:
        raise errors.InvalidObject([_format_error("name", text, "hostname")])
    if rtype == "NS" and name.is_wild():
        reason = errors.FieldError(("name",), "Wildcard NS records are not allowed", "format")
        raise errors.InvalidObject([reason])
    if not name.is_subdomain(zone):
        raise errors.InvalidRecordSetLocation("RecordSet is not contained within it's parent zone")
    return name


def parse_email(email: str) -> dns.name.Name:
    """Parse a zone contact address and return it as an SOA RNAME.

    The address needs exactly one ``@``, a local part of dot-separated hostname labels (as
    Designate requires) and a domain that is a valid hostname without a trailing dot. The local
    part's dots are escaped so it stays one label: ``a.b@example.org`` -> ``a\\.b.example.org.``.
    Raises :class:`errors.InvalidObject` with path ``("email",)`` otherwise.
    """
    local, at, domain = email.partition("@")
    valid = bool(at) and "@" not in domain
    valid = valid and bool(_HOSTNAME_RE.fullmatch(local)) and bool(_HOSTNAME_RE.fullmatch(domain))
    rname = _from_text(local.replace(".", "\\.") + "." + domain + ".") if valid else None
    if rname is None:
        raise errors.InvalidObject([_format_error("email", email, "email")])
    return rname


@functools.lru_cache(maxsize=1024)
def stored_zone_name(text: str) -> dns.name.Name:
    """The name of a stored zone (``Zone.name``: absolute, lower-case, valid) as a Name,
    remembered: an import checks every one of its recordsets against the same zone name."""
    return dns.name.from_text(text)


def email_from_rname(rname: dns.name.Name) -> str:
    """The contact address an SOA RNAME stands for, the inverse of :func:`parse_email`:
    ``a\\.b.example.org.`` -> ``a.b@example.org``. The result is not checked (parse it)."""
    labels = [label.decode("ascii", "replace") for label in rname.labels if label]
    if not labels:
        return ""
    return labels[0] + "@" + ".".join(labels[1:])


def to_text(name: dns.name.Name) -> str:
    """Presentation text of ``name``: absolute, lower-case, with a trailing dot (``"."`` for
    the root). A relative name is taken as relative to the root."""
    plain = _plain_text(name)
    if plain is not None:
        return plain
    return name.derelativize(dns.name.root).canonicalize().to_text()


def _plain_text(name: dns.name.Name) -> str | None:
    """:func:`to_text` of an absolute name of plain labels (letters, digits, '-', '_', a
    leading '*'), which dnspython writes without escapes; None for any other name.

    An import renders tens of thousands of owners: dnspython's escaping pass over every label
    costs more than the rest of this."""
    labels = name.labels
    if len(labels) < 2 or labels[-1] != b"":
        return None
    text = b".".join(labels)
    # A '.' inside a label would be escaped: the join must hold exactly one per label.
    if text.count(b".") != len(labels) - 1 or _PLAIN_NAME_RE.fullmatch(text) is None:
        return None
    return text.decode("ascii").lower()


def is_hostname_label(label: bytes) -> bool:
    """True when one wire label is a valid hostname label under Designate's rules."""
    return label.isascii() and _LABEL_RE.fullmatch(label.decode("ascii")) is not None


def _parse_absolute(text: str, pattern: re.Pattern[str], max_length: int) -> dns.name.Name | None:
    """The lower-cased name when ``text`` matches ``pattern`` and fits the limits, else None.

    ``pattern`` admits only plain labels and a trailing dot, which read the same with or
    without dnspython's parser: the labels are taken as they are (it checks their lengths)."""
    if len(text) > max_length or pattern.fullmatch(text) is None:
        return None
    labels = text.lower().encode("ascii").split(b".")
    try:
        return dns.name.Name(labels)
    except dns.exception.DNSException:
        return None


def _from_text(text: str) -> dns.name.Name | None:
    """dnspython's parse of absolute ``text`` lower-cased, or None past the 255-octet limit."""
    try:
        return dns.name.from_text(text).canonicalize()
    except dns.exception.DNSException:
        return None


def _format_error(field: str, value: str, fmt: str) -> errors.FieldError:
    """A JSON-schema ``format`` failure, worded as jsonschema words it for Designate."""
    return errors.FieldError((field,), f"{value!r} is not a {fmt!r}", "format", fmt)
