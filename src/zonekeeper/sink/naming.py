"""Record names from templates with Designate's fields.

Fields: ``%(hostname)s``, ``%(instance_name)s``, ``%(id)s``, ``%(octet0)s`` to ``%(octet3)s``
(IPv4 only), ``%(ip_address)s`` (dots and colons as dashes), ``%(ip_version)s``,
``%(zone)s`` (absolute, with its dot), ``%(project)s`` (project name, else id),
``%(project_id)s`` and ``%(tenant_id)s``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from zonekeeper.sink.notification import Unhandleable

ADDRESS_FIELDS = frozenset({"octet0", "octet1", "octet2", "octet3", "ip_address", "ip_version"})
"""The fields of each address a record is made for."""
FLOATINGIP_FIELDS = ADDRESS_FIELDS | {"id", "zone", "project", "project_id", "tenant_id"}
"""What a floating IP's record name may use: a floating IP has no host name."""
INSTANCE_FIELDS = FLOATINGIP_FIELDS | {"hostname", "instance_name"}
"""What an instance's record name may use."""
FIELDS = INSTANCE_FIELDS
"""Every field some handler fills."""
ZONE_FIELDS = frozenset({"project", "project_id", "tenant_id"})
"""The fields a per-project zone name may use: the zone is chosen before any address."""


def check_template(template: str, fields: frozenset[str] = FIELDS) -> None:
    """Raises ValueError for a template that uses a field not in ``fields`` or is malformed:
    a field the handler cannot fill would fail every event, so it is refused up front."""
    sample = dict.fromkeys(fields, "x")
    try:
        template % sample
    except KeyError as error:
        known = ", ".join(f"%({name})s" for name in sorted(fields))
        raise ValueError(
            f"%({error.args[0]})s cannot be filled in name template {template!r} "
            f"(the fields here: {known})"
        ) from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad name template {template!r}: {error}") from None


def address_fields(address: str) -> dict[str, str]:
    """The per-address fields of ``address``. Raises Unhandleable for a non-IP."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise Unhandleable(f"{address!r} is not an IP address") from None
    fields = {
        "ip_address": str(ip).replace(".", "-").replace(":", "-"),
        "ip_version": str(ip.version),
    }
    if ip.version == 4:
        fields.update({f"octet{i}": octet for i, octet in enumerate(str(ip).split("."))})
    return fields


def render(template: str, fields: Mapping[str, str]) -> str:
    """The lower-case absolute name the template gives. Raises Unhandleable when a field it
    uses is unknown for this resource (``%(octet0)s`` for an IPv6 address)."""
    try:
        name = template % fields
    except KeyError as error:
        raise Unhandleable(f"name template {template!r}: no {error} here") from None
    name = name.lower()
    return name if name.endswith(".") else name + "."
