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

from zonekeeper.config import Settings, SinkHandlerSettings, SinkSettings
from zonekeeper.domain import errors
from zonekeeper.domain.models import Zone
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
    if settings.nova_fixed.zone_id or settings.nova_fixed.zone_name:
        enabled.append(NovaFixed(env, settings.nova_fixed))
    if settings.neutron_floatingip.zone_id or settings.neutron_floatingip.zone_name:
        enabled.append(NeutronFloatingIp(env, settings.neutron_floatingip))
    if settings.follow_floatingip_ptrs:
        enabled.append(FloatingIpPtr(env))
    by_event: dict[str, tuple[Handler, ...]] = {}
    for handler in enabled:
        for event_type in handler.event_types:
            by_event[event_type] = (*by_event.get(event_type, ()), handler)
    return by_event


def sink_context(settings: Settings, note: Notification) -> RequestContext:
    """The system's own context, allowed to write managed records in any project."""
    return context.managed_resources(settings, request_id=f"sink-{note.message_id}")


class _Templated:
    """A handler writing into its zone (the project's own, or one for all) with a name
    template and its fallback. Consecutive events for one zone become one
    ``managed.set_many`` (one zone change for the run); an event that reaches other
    resources (``port.delete.end``) is applied alone, in its place."""

    name: str
    fields: frozenset[str]
    """The fields this handler fills in its name templates."""

    def __init__(self, env: ServiceEnv, settings: SinkHandlerSettings) -> None:
        """Raises ValueError, naming the option, for a template this handler cannot fill."""
        templates = {"format": (settings.format, self.fields)}
        templates["fallback_format"] = (settings.fallback_format, self.fields)
        if settings.zone_name:
            templates["zone_name"] = (settings.zone_name, naming.ZONE_FIELDS)
        for option, (template, fields) in templates.items():
            try:
                naming.check_template(template, fields)
            except ValueError as error:
                raise ValueError(f"sink.{self.name}.{option}: {error}") from None
        self.env = env
        self.settings = settings
        self._shared_zone: Zone | None = None

    async def handle(self, notes: Sequence[Notification]) -> None:
        # The zone of the pending run; None while it only removes (removals go anywhere).
        run_zone: str | None = None
        pending: list[managed.Desired] = []
        for note in notes:
            placed = await self._desired(note)
            if placed is None:
                await self._flush(notes[0], run_zone, pending)
                pending, run_zone = [], None
                await self._alone(note)
                continue
            zone_id, desired = placed
            if zone_id is not None and run_zone not in (None, zone_id):
                await self._flush(notes[0], run_zone, pending)
                pending = []
            run_zone = zone_id or run_zone
            pending.append(desired)
        await self._flush(notes[0], run_zone, pending)

    async def _desired(self, note: Notification) -> tuple[str | None, managed.Desired] | None:
        """The zone the event writes into (None for a removal) and what it wants of its
        resource there; None when it is applied alone."""
        raise NotImplementedError

    async def _alone(self, note: Notification) -> None:
        raise NotImplementedError

    async def _flush(
        self, note: Notification, zone_id: str | None, pending: Sequence[managed.Desired]
    ) -> None:
        if not pending:
            return
        ctx = sink_context(self.env.settings, note)
        if zone_id is None:  # a run of removals only: they may be in any zone
            await managed.remove_all(ctx, self.env, [d.managed_by for d in pending])
        else:
            await managed.set_many(ctx, self.env, zone_id, pending, self.settings.ttl)

    def _gone(self, resource_type: str, resource_id: str) -> tuple[None, managed.Desired]:
        """The resource wants none of this handler's records, anywhere."""
        return None, managed.Desired(managed.ManagedBy(self.name, resource_type, resource_id))

    async def _placed(
        self,
        note: Notification,
        managed_by: managed.ManagedBy,
        addresses: list[str],
        fields: Mapping[str, str],
    ) -> tuple[str, managed.Desired]:
        zone = await self._zone(note, fields)
        wanted = await self._wanted(zone, addresses, fields)
        return zone.id, managed.Desired(managed_by, wanted)

    async def _wanted(
        self, zone: Zone, addresses: list[str], fields: Mapping[str, str]
    ) -> list[managed.Wanted]:
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

    async def _zone(self, note: Notification, fields: Mapping[str, str]) -> Zone:
        """The project's own zone when ``zone_name`` names one it owns, else ``zone_id``'s
        (read once: a zone is never renamed). Raises Unhandleable when neither exists,
        ZoneNotFound when ``zone_id``'s is gone."""
        ctx = sink_context(self.env.settings, note)
        if self.settings.zone_name:
            name = naming.render(self.settings.zone_name, fields)
            try:
                zone = await zones.by_name(ctx, self.env, name)
            except errors.ZonekeeperError:
                zone = None  # no such zone (or no zone name at all): the shared zone, if any
            if zone is not None and zone.project_id == fields["project_id"]:
                return zone
            if not self.settings.zone_id:
                raise Unhandleable(f"project {fields['project_id']} has no zone {name}")
        if self._shared_zone is None:
            self._shared_zone = await zones.get(ctx, self.env, self.settings.zone_id)
        return self._shared_zone


class NovaFixed(_Templated):
    name = "nova_fixed"
    fields = naming.INSTANCE_FIELDS
    event_types = frozenset(
        {
            "compute.instance.create.end",
            "compute.instance.delete.start",
            "compute.instance.delete.end",
        }
    )

    async def _desired(self, note: Notification) -> tuple[str | None, managed.Desired]:
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
        managed_by = managed.ManagedBy(self.name, "instance", instance_id, project_id)
        return await self._placed(note, managed_by, _fixed_ips(payload), fields)


class NeutronFloatingIp(_Templated):
    name = "neutron_floatingip"
    fields = naming.FLOATINGIP_FIELDS
    event_types = frozenset(
        {
            "floatingip.create.end",
            "floatingip.update.end",
            "floatingip.delete.end",
            "port.delete.end",
        }
    )

    async def _desired(self, note: Notification) -> tuple[str | None, managed.Desired] | None:
        payload = note.payload
        if note.event_type == "port.delete.end":
            return None
        if note.event_type == "floatingip.delete.end":
            return self._gone("floatingip", _floatingip_id(payload))
        return await self._associated(note, _object(payload, "floatingip"))

    async def _alone(self, note: Notification) -> None:
        """``port.delete.end``: every record this handler holds through the port goes."""
        await managed.remove_managed(
            sink_context(self.env.settings, note),
            self.env,
            managed.PORT,
            _port_id(note.payload),
            plugin_name=self.name,
        )

    async def _associated(
        self, note: Notification, floating: Mapping[str, Any]
    ) -> tuple[str | None, managed.Desired]:
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
        managed_by = managed.ManagedBy(self.name, "floatingip", fip_id, project_id, str(port_id))
        return await self._placed(note, managed_by, [address], fields)


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
        ctx = sink_context(self.env.settings, notes[0])
        events = [(note, self._floatingip_id(note)) for note in notes]
        having = await floatingips.having_ptrs(ctx, self.env, [fip_id for _, fip_id in events])
        for note, fip_id in events:
            if fip_id not in having:
                continue
            if note.event_type == "floatingip.delete.end":
                await floatingips.release(ctx, self.env, fip_id)
                continue
            floating = _object(note.payload, "floatingip")
            port_id = str(floating.get("port_id") or "") or None
            revision = floating.get("revision_number")
            revision = revision if isinstance(revision, int) else None
            await floatingips.follow_association(ctx, self.env, fip_id, port_id, revision)

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
