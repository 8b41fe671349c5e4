"""The handlers: which events each one takes, and the service calls it makes for them.

``nova_fixed``: ``compute.instance.create.end`` publishes an A/AAAA record per fixed IP of
the instance; ``compute.instance.delete.start`` and ``.end`` remove them.
``neutron_floatingip``: ``floatingip.create.end``/``floatingip.update.end`` with a port
publish the floating IP; without a port, and ``floatingip.delete.end``, remove it;
``port.delete.end`` removes every record held through the port.
``floatingip_ptr`` (on unless ``sink.follow_floatingip_ptrs`` is off; needs no zone): the PTRs
tenants set through ``/v2/reverse/floatingips`` follow their floating IP: released
(``floatingip.delete.end``), or associated with another port than the one it had when the
PTR was set (``create.end``/``update.end``), the PTR goes; disassociated, it stays (see
``service.floatingips.follow_association`` for why).

Records belong to their resource (instance, floating IP), so repeating an event changes
nothing, and any removal event of a resource removes what it has, whenever it comes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from zonekeeper.config import SinkHandlerSettings, SinkSettings
from zonekeeper.domain.models import MANAGED_PROJECT_ID
from zonekeeper.service import context, floatingips, managed, zones
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import naming
from zonekeeper.sink.notification import Notification, Unhandleable


class Handler(Protocol):
    name: str
    event_types: frozenset[str]

    async def handle(self, note: Notification) -> None:
        """Apply the event; returns once its effect is committed. Raises Unhandleable or a
        ZonekeeperError for bad data; any other error is worth retrying."""


def build(env: ServiceEnv, settings: SinkSettings) -> dict[str, tuple[Handler, ...]]:
    """The enabled handlers by event type, each event's in a fixed order. Raises ValueError
    for a bad name template."""
    enabled: list[Handler] = []
    if settings.nova_fixed.zone_id:
        enabled.append(NovaFixed(env, settings.nova_fixed))
    if settings.neutron_floatingip.zone_id:
        enabled.append(NeutronFloatingIp(env, settings.neutron_floatingip))
    if settings.follow_floatingip_ptrs:
        enabled.append(FloatingIpPtr(env))
    by_event: dict[str, tuple[Handler, ...]] = {}
    for handler in enabled:
        for event_type in handler.event_types:
            by_event[event_type] = (*by_event.get(event_type, ()), handler)
    return by_event


def sink_context(note: Notification) -> RequestContext:
    """The system's own context, allowed to write managed records in any project."""
    return context.internal(MANAGED_PROJECT_ID, request_id=f"sink-{note.message_id}")


class _Templated:
    """A handler writing into one zone with a name template and its fallback."""

    name: str

    def __init__(self, env: ServiceEnv, settings: SinkHandlerSettings) -> None:
        naming.check_template(settings.format)
        naming.check_template(settings.fallback_format)
        self.env = env
        self.settings = settings

    async def _wanted(
        self, note: Notification, addresses: list[str], fields: Mapping[str, str]
    ) -> list[managed.Wanted]:
        zone = await zones.get(sink_context(note), self.env, self.settings.zone_id)
        base = {**fields, "zone": zone.name}
        wanted = []
        for address in addresses:
            all_fields = {**base, **naming.address_fields(address)}
            names = (
                naming.render(self.settings.format, all_fields),
                naming.render(self.settings.fallback_format, all_fields),
            )
            wanted.append(managed.Wanted(address, names))
        return wanted

    async def _set(
        self, note: Notification, managed_by: managed.ManagedBy, wanted: list[managed.Wanted]
    ) -> None:
        await managed.set_managed_records(
            sink_context(note),
            self.env,
            self.settings.zone_id,
            managed_by,
            wanted,
            self.settings.ttl,
        )

    async def _remove(self, note: Notification, resource_type: str, resource_id: str) -> None:
        """Remove the resource's records this handler wrote (not the PTRs of the API)."""
        await managed.remove_managed(
            sink_context(note), self.env, resource_type, resource_id, plugin_name=self.name
        )


class NovaFixed(_Templated):
    name = "nova_fixed"
    event_types = frozenset(
        {
            "compute.instance.create.end",
            "compute.instance.delete.start",
            "compute.instance.delete.end",
        }
    )

    async def handle(self, note: Notification) -> None:
        payload = note.payload
        instance_id = _text(payload, "instance_id")
        if note.event_type != "compute.instance.create.end":
            await self._remove(note, "instance", instance_id)
            return
        project_id = _text(payload, "tenant_id")
        fields = {
            "id": instance_id,
            "hostname": _text(payload, "hostname"),
            "instance_name": str(payload.get("display_name") or payload["hostname"]),
            "project_id": project_id,
            "tenant_id": project_id,
            "project": note.project_name or project_id,
        }
        wanted = await self._wanted(note, _fixed_ips(payload), fields)
        managed_by = managed.ManagedBy(self.name, "instance", instance_id, project_id)
        await self._set(note, managed_by, wanted)


class NeutronFloatingIp(_Templated):
    name = "neutron_floatingip"
    event_types = frozenset(
        {
            "floatingip.create.end",
            "floatingip.update.end",
            "floatingip.delete.end",
            "port.delete.end",
        }
    )

    async def handle(self, note: Notification) -> None:
        payload = note.payload
        if note.event_type == "port.delete.end":
            await self._remove(note, managed.PORT, _port_id(payload))
        elif note.event_type == "floatingip.delete.end":
            await self._remove(note, "floatingip", _floatingip_id(payload))
        else:
            await self._associate(note, _object(payload, "floatingip"))

    async def _associate(self, note: Notification, floating: Mapping[str, Any]) -> None:
        """Publish the floating IP when it has a port, else remove what it had."""
        fip_id = _text(floating, "id")
        port_id = floating.get("port_id")
        if not port_id:
            await self._remove(note, "floatingip", fip_id)
            return
        project_id = str(floating.get("project_id") or _text(floating, "tenant_id"))
        fields = {
            "id": fip_id,
            "project_id": project_id,
            "tenant_id": project_id,
            "project": note.project_name or project_id,
        }
        address = _text(floating, "floating_ip_address")
        wanted = await self._wanted(note, [address], fields)
        managed_by = managed.ManagedBy(self.name, "floatingip", fip_id, project_id, str(port_id))
        await self._set(note, managed_by, wanted)


class FloatingIpPtr:
    """The PTRs set through the API follow their floating IP; writes no records itself."""

    name = "floatingip_ptr"
    event_types = frozenset(
        {"floatingip.create.end", "floatingip.update.end", "floatingip.delete.end"}
    )

    def __init__(self, env: ServiceEnv) -> None:
        self.env = env

    async def handle(self, note: Notification) -> None:
        ctx = sink_context(note)
        if note.event_type == "floatingip.delete.end":
            await floatingips.release(ctx, self.env, _floatingip_id(note.payload))
            return
        floating = _object(note.payload, "floatingip")
        port_id = floating.get("port_id")
        fip_id = _text(floating, "id")
        await floatingips.follow_association(ctx, self.env, fip_id, str(port_id or "") or None)


def _text(payload: Mapping[str, Any], key: str) -> str:
    """``payload[key]`` as a non-empty string. Raises Unhandleable."""
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise Unhandleable(f"payload without {key!r}")
    return value


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise Unhandleable(f"payload without {key!r} object")
    return value


def _fixed_ips(payload: Mapping[str, Any]) -> list[str]:
    """The addresses of Nova's ``fixed_ips`` list. Raises Unhandleable."""
    fixed_ips = payload.get("fixed_ips")
    if not isinstance(fixed_ips, list):
        raise Unhandleable("payload without 'fixed_ips' list")
    return [_text(entry, "address") for entry in fixed_ips if isinstance(entry, dict)]


def _port_id(payload: Mapping[str, Any]) -> str:
    """``port_id``, or the id of the ``port`` object newer Neutrons also send."""
    if isinstance(payload.get("port"), dict) and "port_id" not in payload:
        return _text(payload["port"], "id")
    return _text(payload, "port_id")


def _floatingip_id(payload: Mapping[str, Any]) -> str:
    if isinstance(payload.get("floatingip"), dict) and "floatingip_id" not in payload:
        return _text(payload["floatingip"], "id")
    return _text(payload, "floatingip_id")
