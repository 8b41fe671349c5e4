"""What every service call needs besides the caller: the database, settings, a clock, and
the clients of services we do not own (handed in by the composition root, ``app.build``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from zonekeeper.config import Settings
from zonekeeper.service.policy import Policy
from zonekeeper.storage.database import Database


def utcnow() -> datetime:
    """Naive UTC, as stored in the database and rendered by the API (no ``Z``)."""
    return datetime.now(UTC).replace(tzinfo=None)


class FloatingIp(Protocol):
    """A floating IP as Neutron reports it."""

    @property
    def region(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def port_id(self) -> str | None:
        """The port it is associated with (None: allocated, associated with none)."""
        ...

    @property
    def revision_number(self) -> int | None:
        """Neutron's revision of it (None: Neutron did not say)."""
        ...


class FloatingIpSource(Protocol):
    """Neutron's floating IPs (implemented by ``integrations.neutron``). ``token`` is the
    caller's X-Auth-Token (None: the request had none). Both raise NoEndpoint (unknown
    region) and NeutronCommunicationFailure (Neutron unreachable, slow, or answering badly)."""

    async def list(self, project_id: str, token: str | None) -> Sequence[FloatingIp]:
        """Every floating IP of the project, in every region."""
        ...

    async def get(self, region: str, floatingip_id: str, token: str | None) -> FloatingIp | None:
        """The floating IP, or None when Neutron does not know it (or hides it)."""
        ...


class ProjectDirectory(Protocol):
    """Keystone's projects (implemented by ``integrations.keystone``), asked before a quota
    is set for a project, as Designate's ``quotas_verify_project_id`` does."""

    async def exists(self, project_id: str, token: str | None) -> bool:
        """False only when Keystone says the project does not exist; True when it exists or
        Keystone cannot tell (no permission, unreachable: Designate lets those pass)."""
        ...


ExistingIds = Callable[[], Awaitable[set[str]]]
"""The ids of every resource of one kind that exists now, in every region and project.
Raises CommunicationFailure when the service cannot tell (an error is never "none exist")."""


@dataclass(frozen=True, slots=True)
class ServiceEnv:
    db: Database
    settings: Settings
    now: Callable[[], datetime] = field(default=utcnow)
    floating_ips: FloatingIpSource | None = None
    """Neutron, when ``network_api.endpoints`` are configured."""
    projects: ProjectDirectory | None = None
    """Keystone, when the API authenticates with it (``api.auth.strategy == keystone``)."""
    inventory: Mapping[str, ExistingIds] = field(default_factory=dict, hash=False)
    """Per managed resource type (``instance``, ``floatingip``, ``port``), how to ask which
    exist; only the types whose service is configured (Nova, Neutron) are present."""
    policy: Policy | None = field(default=None, hash=False)
    """The policy (settings' `oslo_policy`) of the contexts the API builds; None: Designate's
    defaults."""
