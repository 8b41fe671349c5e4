"""Plain values the layers hand each other: zones, recordsets, list queries and pages."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

DEFAULT_POOL_ID = "794ccc2c-d751-44fe-b57f-8894c9f5c842"


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    PENDING = "PENDING"
    ERROR = "ERROR"
    DELETED = "DELETED"


class Action(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    NONE = "NONE"


class ZoneType(StrEnum):
    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    project_id: str
    pool_id: str
    name: str
    email: str
    ttl: int
    serial: int
    refresh: int
    retry: int
    expire: int
    minimum: int
    status: Status
    action: Action
    type: ZoneType
    description: str | None
    masters: tuple[str, ...]
    attributes: Mapping[str, str]
    version: int
    created_at: datetime
    updated_at: datetime | None
    transferred_at: datetime | None
    attempts: int = 0
    """Reconcile attempts since the zone last became ACTIVE (the worker's backoff)."""
    last_error: str | None = None
    """Why the last reconcile attempt did not finish, naming each lagging nameserver."""
    shared: bool = False
    """Whether the zone is shared with another project (API 2.1), when read with that."""
    hard_delete: bool = False
    """Deleted with ``X-Designate-Hard-Delete``: the nameservers remove their zone files too."""
    moving_from: str | None = None
    """The pool a pool move takes the zone away from, until the new pool serves it."""
    request_id: str | None = None
    """The API request id of the zone's last change (one trace per change)."""


class TaskStatus(StrEnum):
    """States of an import or export (and of a transfer request: ACTIVE until accepted)."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"


class TaskType(StrEnum):
    IMPORT = "IMPORT"
    EXPORT = "EXPORT"


@dataclass(frozen=True, slots=True)
class ZoneTask:
    """A zone import or export: a record of work, kept until deleted."""

    id: str
    task_type: TaskType
    project_id: str
    zone_id: str | None
    """An import's zone once COMPLETE; an export's zone from the start."""
    status: TaskStatus
    message: str | None
    location: str | None
    """An export's file, ``designate://v2/zones/tasks/exports/{id}/export``, once COMPLETE."""
    version: int
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Share:
    """A zone shared by its owner (``project_id``) with ``target_project_id``."""

    id: str
    zone_id: str
    project_id: str
    target_project_id: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """An offer of a zone to another project (any project when ``target_project_id`` is
    None), accepted with ``key``; ACTIVE until accepted, then COMPLETE."""

    id: str
    zone_id: str
    zone_name: str
    project_id: str
    target_project_id: str | None
    key: str
    description: str | None
    status: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class TransferAccept:
    id: str
    zone_transfer_request_id: str
    zone_id: str
    project_id: str
    key: str
    status: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordSet:
    id: str
    zone_id: str
    zone_name: str
    project_id: str
    name: str
    type: str
    ttl: int | None
    description: str | None
    records: tuple[str, ...]
    managed: bool
    status: Status
    action: Action
    serial: int
    """The zone serial at which this recordset last changed."""
    version: int
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def new(
        cls,
        zone: Zone,
        name: str,
        rtype: str,
        *,
        project_id: str,
        ttl: int | None,
        serial: int,
        created_at: datetime,
        records: tuple[str, ...] = (),
        managed: bool = False,
        description: str | None = None,
        status: Status = Status.PENDING,
        action: Action = Action.CREATE,
    ) -> RecordSet:
        """A recordset of ``zone`` not stored yet: a new id, version 1, never updated."""
        return cls(
            id=str(uuid.uuid4()),
            zone_id=zone.id,
            zone_name=zone.name,
            project_id=project_id,
            name=name,
            type=rtype,
            ttl=ttl,
            description=description,
            records=records,
            managed=managed,
            status=status,
            action=action,
            serial=serial,
            version=1,
            created_at=created_at,
            updated_at=None,
        )


@dataclass(frozen=True, slots=True)
class NameserverState:
    """What one nameserver of a zone's pool served when the worker last asked it."""

    host: str
    port: int
    served_serial: int | None
    status: str
    """ACTIVE when it serves the zone's desired state, else PENDING."""
    reason: str | None
    """Machine-readable cause when not ACTIVE: behind, refused, timeout, not_authoritative, …"""
    last_error: str | None
    checked_at: datetime | None
    served_at: datetime | None = None
    """When the attempt that wrote this state first saw the nameserver serving
    ``served_serial`` (None when it did not serve the zone's serial)."""


@dataclass(frozen=True, slots=True)
class TargetState:
    """Whether the zone was provisioned on one target of its pool (a BIND, a PowerDNS, …)."""

    target: str
    """The target as "type host:port"."""
    status: str
    """ACTIVE once provisioned; ERROR while the backend call fails."""
    reason: str | None
    last_error: str | None
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class TransferState:
    """How a SECONDARY zone's last refresh from its masters went."""

    status: str | None
    """OK, FAILED (retrying after the SOA retry), EXPIRED (not served); None: not yet tried."""
    reason: str | None
    """Machine-readable cause of a failure: refused, timeout, not_authoritative, …"""
    last_error: str | None
    """Each master tried, with why it gave nothing."""
    transferred_at: datetime | None
    refreshed_at: datetime | None
    """When a master last confirmed our copy (or gave us a new one)."""
    next_transfer_at: datetime | None


@dataclass(frozen=True, slots=True)
class ZoneSync:
    """Where a zone's propagation stands: the zone's own state and each nameserver's."""

    zone: Zone
    nameservers: tuple[NameserverState, ...]
    targets: tuple[TargetState, ...]
    transfer: TransferState | None = None
    """A SECONDARY zone's transfers in from its masters."""


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One page request, already checked against the resource's allowed keys by the API."""

    limit: int = 20
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "asc"
    filters: Mapping[str, str] = field(default_factory=dict)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total_count: int | None
