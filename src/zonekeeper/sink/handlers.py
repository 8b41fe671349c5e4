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

from collections.abc import Mapping, Sequence
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

    async def handle(self, notes: Sequence[Notification]) -> None:
        """Apply the events, in order (an event a later one of the same resource supersedes
        may be skipped); returns once their effect is committed. Raises Unhandleable or a
        ZonekeeperError for bad data (then nothing, or an idempotent part, was applied: the
        caller retries the events one by one to find the bad one); any other error is worth
        retrying."""


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
    """A handler writing into one zone with a name template and its fallback. Consecutive
    events become one ``managed.set_many`` (one zone change for the batch); an event that
    reaches other resources (``port.delete.end``) is applied alone, in its place."""

    name: str

    def __init__(self, env: ServiceEnv, settings: SinkHandlerSettings) -> None:
        naming.check_template(settings.format)
        naming.check_template(settings.fallback_format)
        self.env = env
        self.settings = settings
        self._zone_name: str | None = None

    async def handle(self, notes: Sequence[Notification]) -> None:
        pending: list[managed.Desired] = []
        for note in notes:
            desired = await self._desired(note)
            if desired is not None:
                pending.append(desired)
                continue
            await self._flush(notes[0], pending)
            pending = []
            await self._alone(note)
        await self._flush(notes[0], pending)

    async def _desired(self, note: Notification) -> managed.Desired | None:
        """What the event wants of its resource, or None when it is applied alone."""
        raise NotImplementedError

    async def _alone(self, note: Notification) -> None:
        raise NotImplementedError

    async def _flush(self, note: Notification, pending: Sequence[managed.Desired]) -> None:
        if pending:
            zone_id, ttl = self.settings.zone_id, self.settings.ttl
            await managed.set_many(sink_context(note), self.env, zone_id, pending, ttl)

    def _gone(self, resource_type: str, resource_id: str) -> managed.Desired:
        """The resource wants none of this handler's records, anywhere."""
        return managed.Desired(managed.ManagedBy(self.name, resource_type, resource_id))

    async def _wanted(
        self, note: Notification, addresses: list[str], fields: Mapping[str, str]
    ) -> list[managed.Wanted]:
        base = {**fields, "zone": await self._zone(note)}
        wanted = []
        for address in addresses:
            all_fields = {**base, **naming.address_fields(address)}
            names = (
                naming.render(self.settings.format, all_fields),
                naming.render(self.settings.fallback_format, all_fields),
            )
            wanted.append(managed.Wanted(address, names))
        return wanted

    async def _zone(self, note: Notification) -> str:
        """The zone's name, read once (a zone is never renamed). Raises ZoneNotFound."""
        if self._zone_name is None:
            zone = await zones.get(sink_context(note), self.env, self.settings.zone_id)
            self._zone_name = zone.name
        return self._zone_name


class NovaFixed(_Templated):
    name = "nova_fixed"
    event_types = frozenset(
        {
            "compute.instance.create.end",
            "compute.instance.delete.start",
            "compute.instance.delete.end",
        }
    )

    async def _desired(self, note: Notification) -> managed.Desired:
        payload = note.payload
        instance_id = _text(payload, "instance_id")
        if note.event_type != "compute.instance.create.end":
            return self._gone("instance", instance_id)
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
        return managed.Desired(managed_by, wanted)


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

    async def _desired(self, note: Notification) -> managed.Desired | None:
        payload = note.payload
        if note.event_type == "port.delete.end":
            return None
        if note.event_type == "floatingip.delete.end":
            return self._gone("floatingip", _floatingip_id(payload))
        return await self._associated(note, _object(payload, "floatingip"))

    async def _alone(self, note: Notification) -> None:
        """``port.delete.end``: every record this handler holds through the port goes."""
        await managed.remove_managed(
            sink_context(note),
            self.env,
            managed.PORT,
            _port_id(note.payload),
            plugin_name=self.name,
        )

    async def _associated(self, note: Notification, floating: Mapping[str, Any]) -> managed.Desired:
        """The floating IP published when it has a port, else nothing."""
        fip_id = _text(floating, "id")
        port_id = floating.get("port_id")
        if not port_id:
            return self._gone("floatingip", fip_id)
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
        return managed.Desired(managed_by, wanted)


class FloatingIpPtr:
    """The PTRs set through the API follow their floating IP; writes no records itself."""

    name = "floatingip_ptr"
    event_types = frozenset(
        {"floatingip.create.end", "floatingip.update.end", "floatingip.delete.end"}
    )

    def __init__(self, env: ServiceEnv) -> None:
        self.env = env

    async def handle(self, notes: Sequence[Notification]) -> None:
        """Reads once which of the batch's floating IPs have a PTR (almost none, usually),
        and follows only those. A PTR set after that read was set against Neutron's current
        port, at least as new as these events, so skipping it is right."""
        ctx = sink_context(notes[0])
        events = [(note, self._floatingip_id(note)) for note in notes]
        having = await floatingips.having_ptrs(ctx, self.env, [fip_id for _, fip_id in events])
        for note, fip_id in events:
            if fip_id not in having:
                continue
            if note.event_type == "floatingip.delete.end":
                await floatingips.release(ctx, self.env, fip_id)
                continue
            port_id = _object(note.payload, "floatingip").get("port_id")
            await floatingips.follow_association(ctx, self.env, fip_id, str(port_id or "") or None)

    @staticmethod
    def _floatingip_id(note: Notification) -> str:
        if note.event_type == "floatingip.delete.end":
            return _floatingip_id(note.payload)
        return _text(_object(note.payload, "floatingip"), "id")


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
