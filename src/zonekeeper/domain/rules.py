"""Recordset-level DNS rules that need no database: where a type may live, and how many records.

Rules that need to see other rows (duplicates, sub-zones, quotas) live in ``service/``; they call
:func:`cname_conflict` with what they found.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import dns.name

from zonekeeper.domain import errors

CNAME = "CNAME"

_SERVICE_LABEL = re.compile(rb"_[A-Za-z0-9_-]{1,62}")
_PORT_LABEL = re.compile(rb"_(0|[1-9][0-9]{0,4})")
_MAX_PORT = 65535


def check_recordset(
    owner: dns.name.Name, zone: dns.name.Name, rtype: str, record_count: int
) -> None:
    """Refuse a recordset of ``rtype`` at ``owner`` (inside ``zone``) holding ``record_count``
    records, when DNS or Designate forbid it.

    Raises :class:`errors.BadRequest` for SOA (never created through the API) and for a CNAME
    with more than one record; :class:`errors.InvalidRecordSetLocation` for a CNAME at the apex;
    :class:`errors.InvalidRecordSetName` for an SRV owner not shaped ``_service._proto.name.``;
    :class:`errors.BadRequest` for a TLSA owner not shaped ``_port._proto.name.``. Returns None
    when all is well.
    """
    if rtype == "SOA":
        raise errors.BadRequest("Creating a SOA recordset is not allowed")
    if rtype == CNAME:
        _check_cname(owner, zone, record_count)
    elif rtype == "SRV" and not _has_service_prefix(owner):
        raise errors.InvalidRecordSetName(
            "SRV recordset names must be of the form _service._proto.name."
        )
    elif rtype == "TLSA" and not _has_port_prefix(owner):
        # A plain bad_request, not invalid_recordset_name: Designate's type, which tempest checks.
        raise errors.BadRequest(
            "TLSA recordset name must follow the format _port._protocol.domain "
            "(e.g. _443._tcp.example.com.) with a port 0-65535, as RFC 6698 section 3 requires"
        )


def cname_conflict(rtype: str, other_types_at_name: Collection[str]) -> bool:
    """True when a recordset of ``rtype`` may not share its name with ``other_types_at_name``.

    RFC 1034 3.6.2: a CNAME owner holds no other data, so a CNAME next to anything, or anything
    next to a CNAME, conflicts. A type equal to ``rtype`` is not counted (that is the same
    recordset, or a duplicate, which is another error). DNSSEC types never exist here.
    """
    others = {other for other in other_types_at_name if other != rtype}
    return bool(others) and (rtype == CNAME or CNAME in others)


def _check_cname(owner: dns.name.Name, zone: dns.name.Name, record_count: int) -> None:
    if owner == zone:
        raise errors.InvalidRecordSetLocation(
            "CNAME recordsets may not be created at the zone apex"
        )
    if record_count > 1:
        raise errors.BadRequest("CNAME recordsets may not have more than 1 record")


def _has_service_prefix(owner: dns.name.Name) -> bool:
    """``_service._proto.`` followed by at least one more label (RFC 2782)."""
    labels = owner.labels
    return len(labels) > 3 and all(_SERVICE_LABEL.fullmatch(label) for label in labels[:2])


def _has_port_prefix(owner: dns.name.Name) -> bool:
    """``_<port>._<proto>.`` followed by at least one more label (RFC 6698 3)."""
    labels = owner.labels
    if len(labels) <= 3 or not _SERVICE_LABEL.fullmatch(labels[1]):
        return False
    port = _PORT_LABEL.fullmatch(labels[0])
    return port is not None and int(port.group(1)) <= _MAX_PORT
