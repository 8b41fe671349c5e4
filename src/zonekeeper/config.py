"""The one settings object: defaults, then a TOML/YAML config file, then ``ZONEKEEPER_*`` env.

Nested fields use ``__`` in environment variables (``ZONEKEEPER_API__LISTEN=127.0.0.1:9001``).
Built once by the CLI and passed down; nothing else reads the environment.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def parse_hostport(value: str, default_port: int) -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[v6]:PORT`` for IPv6); a bare host gets ``default_port``."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or str(default_port)
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, str(default_port)
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT with a port of 0 to 65535, got {value!r}")
    return host, int(port)


def connect_address(host: str) -> str:
    """The address to reach a server listening on ``host``: a wildcard means loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthSettings(_Section):
    strategy: Literal["noauth", "keystone", "token"] = "noauth"
    """How callers are identified. `noauth`: trusted headers (X-Auth-Project-ID, X-Roles), as
    Designate's noauth. `keystone`: a Keystone token in X-Auth-Token, validated by
    keystonemiddleware's auth_token (section `keystone_authtoken`; needs the `keystone`
    extra). `token`: built-in API tokens made by `zonekeeper token create`."""


class ApiSettings(_Section):
    listen: str = "127.0.0.1:9001"
    """HOST:PORT the HTTP API listens on; port 0 picks a free port (it is logged)."""
    auth: AuthSettings = Field(default_factory=AuthSettings)
    max_body_bytes: int = 114688
    """Request bodies larger than this are refused with 413 (Designate's oslo sizelimit)."""
    read_timeout: float = Field(default=15.0, gt=0)
    """Seconds a client has to send a whole request, headers and body, from its first byte.
    A slower client (or a stalled one) gets 408, or mid-body a closed connection."""
    keep_alive_timeout: float = Field(default=5.0, gt=0)
    """Seconds a connection on which nothing arrives stays open: a new one before its first
    request, or a kept-alive one between requests. Rounded to whole seconds."""
    max_header_bytes: int = Field(default=32768, ge=1024)
    """Largest request line plus headers, in bytes; a larger request gets 431."""
    max_connections: int = Field(default=1000, ge=1)
    """Most client connections open at once; past it new connections wait in the listen queue
    until one closes. Lowered at start-up to leave 256 descriptors of the open-files limit
    (whose soft value is first raised to the hard one) to the mini-DNS, the database and the
    worker."""
    max_import_bytes: int = 64 * 1024 * 1024
    """The same limit for zone files sent to `POST /v2/zones/tasks/imports` (a zone of
    100,000 records is about 4 MB; Designate applies max_body_bytes there too)."""
    default_limit: int = 20
    """Page size when a list request gives no `limit`."""
    max_limit: int = 1000
    """The page size `limit=max` means, and the largest page served."""

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        parse_hostport(value, 9001)
        return value


class DnsSettings(_Section):
    listen: str = "127.0.0.1:5354"
    """HOST:PORT the mini-DNS listens on (UDP and TCP); port 0 picks a free port."""
    tcp_idle_timeout: float = 10.0
    """Seconds an idle TCP connection to the mini-DNS is kept open."""
    axfr_message_bytes: int = 16384
    """Target size of each AXFR/IXFR message; large zones span several messages."""
    allow_transfer: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    """Networks (CIDRs) that may transfer, unsigned, the zones of pools without TSIG keys,
    besides each pool's own nameservers and targets. Pools with keys ignore it: only requests
    signed with one of their keys may transfer."""

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        parse_hostport(value, 5354)
        return value

    @field_validator("allow_transfer")
    @classmethod
    def _check_networks(cls, values: list[str]) -> list[str]:
        for value in values:
            ipaddress.ip_network(value, strict=False)  # a ValueError names the bad one
        return values


class WorkerSettings(_Section):
    sweep_interval: float = 5.0
    """Seconds between periodic sweeps for work that a lost wake-up left behind."""
    poll_timeout: float = 1.0
    """Seconds to wait for a nameserver's SOA answer."""
    poll_delay: float = 0.0
    """Seconds between NOTIFY and the first SOA query."""
    poll_retry_interval: float = 0.05
    """First retry interval when a nameserver does not yet serve the serial; doubles each try."""
    poll_max_interval: float = 30.0
    """Longest retry interval of the exponential backoff."""
    max_attempts: int = 10
    """Attempts before a zone that does not propagate is marked ERROR (retries go on, slowly)."""
    threshold_percentage: int = 100
    """Share of the pool's nameservers that must serve the serial before a zone is ACTIVE."""
    concurrency: int = 32
    """Zones reconciled at the same time by one worker."""
    audit_interval: float = 300.0
    """Seconds between serial audits (every ACTIVE zone's nameservers asked for its serial),
    orphan reports and journal trimming."""
    managed_audit_interval: float = 600.0
    """Seconds between managed-record audits (records whose instance, floating IP or port
    Nova/Neutron no longer report are removed). 0: off; off anyway when neither
    `compute_api` nor `network_api` has endpoints."""
    managed_audit_threshold: int = Field(default=10, ge=0, le=100)
    """Most stale records of one kind (instance, floating IP, port) the periodic audit removes,
    as a percentage of that kind's managed records; past it nothing is removed and the audit
    only warns (`zonekeeper audit --managed --repair --force` removes them)."""
    transfer_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for a SECONDARY zone's master: for its SOA answer, and between the
    messages of a transfer (a whole transfer may take ten times as long)."""
    transfer_interval: float = Field(default=5.0, gt=0)
    """Most seconds between looks at the SECONDARY zones' refresh timers. A NOTIFY or an xfr
    task starts the transfer at once in this process and, on PostgreSQL, in every worker; one
    taken by a separate `mdns` or `api` process on MariaDB waits for the next look."""
    transfer_concurrency: int = Field(default=8, ge=1)
    """SECONDARY zones transferred at the same time by one worker."""


class TelemetrySettings(_Section):
    listen: str = ""
    """HOST:PORT of a small HTTP listener serving `/healthz`, `/readyz` and `/metrics` for this
    process (any role; port 0 picks a free port, logged; no port: 9101). Empty: none. The API
    serves the same three paths on its own port; worker, mdns and sink processes need this to
    be scraped, and so does each API process when several share one port (each process has
    its own metrics)."""
    ready_backlog_seconds: float = Field(default=60.0, gt=0)
    """A worker is not ready while a zone has been due for longer than this (its backlog is
    not being worked off)."""
    ready_timeout: float = Field(default=2.0, gt=0)
    """Seconds each readiness check may take before it counts as failed."""
    canary_zones: dict[str, str] = Field(default_factory=dict)
    """Resolution probes: pool name -> the name of an existing zone in that pool. The worker
    writes a TXT record `_canary.<zone>` there every `canary_interval` seconds and measures
    when each of the pool's nameservers answers it. Empty: no probes."""
    canary_interval: float = Field(default=60.0, gt=0)
    """Seconds between canary writes (per pool)."""


class QuotaSettings(_Section):
    zones: int = 10
    """Zones per project (-1 = unlimited)."""
    zone_recordsets: int = 500
    """Recordsets per zone, SOA and NS included."""
    zone_records: int = 500
    """Records per zone, managed records excluded."""
    recordset_records: int = 20
    """Records per recordset."""
    api_export_size: int = 1000
    """Recordsets a zone may have to be exported."""


class ZoneDefaults(_Section):
    ttl: int = 3600
    """TTL of a new zone when the request gives none."""
    min_ttl: int = 0
    """Smallest TTL a non-admin may set."""
    refresh: int = 3600
    retry: int = 600
    expire: int = 86400
    minimum: int = 3600
    """SOA timers of new zones."""
    max_zone_name_length: int = 255
    max_recordset_name_length: int = 255


class SinkHandlerSettings(_Section):
    zone_id: str = ""
    """Id of the zone the handler writes its records into."""
    zone_name: str = ""
    """Per-project zone: a template of a zone name (%(project)s, %(project_id)s), e.g.
    ``%(project)s.cloud.example.``. The records of an event go into the zone of that name when
    it is owned by the event's project, else into ``zone_id`` (none: the event is refused).
    The handler is off when both ``zone_id`` and ``zone_name`` are empty."""
    format: str
    """Name template (Designate's fields: %(hostname)s, %(instance_name)s, %(octet0)s to
    %(octet3)s, %(ip_address)s with dashes, %(zone)s, %(project)s, %(project_id)s)."""
    fallback_format: str
    """Name used when the first is already taken by a record someone else owns."""
    ttl: int | None = None
    """TTL of the recordsets the handler creates (None: the zone's)."""


# Each handler's section has its own class with its own default templates: an environment
# variable setting one field (ZONEKEEPER_SINK__NOVA_FIXED__ZONE_ID) builds the section from
# that field alone, so the templates must be defaults of the class, not of a factory.
class NovaFixedSettings(SinkHandlerSettings):
    format: str = "%(hostname)s.%(zone)s"
    fallback_format: str = "%(hostname)s-%(ip_address)s.%(zone)s"


class NeutronFloatingIpSettings(SinkHandlerSettings):
    format: str = "%(ip_address)s.%(zone)s"
    fallback_format: str = "%(ip_address)s-%(project_id)s.%(zone)s"


class SinkSettings(_Section):
    broker_url: str = ""
    """AMQP URL of the RabbitMQ carrying Nova's and Neutron's notifications
    (amqp://user:password@host:5672/vhost). Empty: the sink is off."""
    exchanges: list[str] = Field(default_factory=lambda: ["nova", "neutron"])
    """Exchanges the notifications are published to (oslo's control_exchange of each service)."""
    durable_exchanges: bool = False
    """Declare the exchanges durable: must match the publishers' oslo amqp_durable_queues."""
    topic: str = "notifications"
    """Notification topic of the publishers; the queue is bound with routing key `<topic>.info`."""
    queue: str = "zonekeeper-sink"
    """Our own durable queue; its dead-letter exchange and queue are `<queue>.dead`."""
    prefetch: int = 200
    """Messages the broker sends ahead of acknowledgements (at least batch_size, so that a
    backlog is handled in full batches)."""
    batch_size: int = 100
    """Most messages handled together: those that arrived while the last batch was handled
    become one zone change per handler (a burst costs one transaction per batch, not per
    event; a quiet sink handles each event as it comes)."""
    reconnect_interval: float = 1.0
    """Seconds between attempts to reconnect to a lost broker."""
    retry_delay: float = 1.0
    """Seconds before a message that failed for a passing reason (database down) is retried."""
    health_interval: float = 30.0
    """Seconds between health probes: the broker's queue depths, and a `sink health:` log
    line with every counter and the lag (the heartbeat carries the same figures)."""
    nova_fixed: NovaFixedSettings = Field(default_factory=NovaFixedSettings)
    """A/AAAA records for each fixed IP of an instance, from compute.instance.* events."""
    neutron_floatingip: NeutronFloatingIpSettings = Field(default_factory=NeutronFloatingIpSettings)
    """A/AAAA records for each associated floating IP, from floatingip.* and port.delete.end."""
    follow_floatingip_ptrs: bool = True
    """PTRs set through /v2/reverse/floatingips follow their floating IP: removed when it is
    released or associated with another port than the one it had when the PTR was set."""


REGION_PATTERN = re.compile(r"[A-Za-z0-9.\-_]{1,100}")
"""A region name, as the floating-IP key ``<region>:<uuid>`` allows it."""


def parse_endpoint(value: str) -> tuple[str, str]:
    """Split ``REGION|URL`` into (region, URL without a trailing slash). Raises ValueError."""
    region, bar, url = value.partition("|")
    url = url.strip().rstrip("/")
    if not bar or not REGION_PATTERN.fullmatch(region.strip()):
        raise ValueError(f"expected REGION|URL with a region of [A-Za-z0-9.-_], got {value!r}")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"expected an http(s) URL after the '|', got {value!r}")
    return region.strip(), url


class ServiceApiSettings(_Section):
    """How to reach an OpenStack service of each region (Designate's ``[network_api:neutron]``
    shape, shared by ``network_api`` and ``compute_api``)."""

    endpoints: list[str] = Field(default_factory=list)
    """The service's endpoint in each region, as `REGION|URL`
    (`RegionOne|http://neutron.example:9696`, `RegionOne|http://nova.example:8774/v2.1`).
    Empty: the service is not configured."""
    endpoint_type: str = "publicURL"
    """Catalog endpoint type. Accepted for Designate compatibility; Zonekeeper reads no
    service catalog, so only `endpoints` are used."""
    timeout: float = 30.0
    """Seconds to wait for one answer of the service; past it the call fails (the API answers
    504, the managed-record audit judges nothing of that kind)."""
    admin_token: SecretStr | None = None
    """Token of an admin of the service, used when no caller's token is (always, by the
    managed-record audit, which needs to see every project's resources). None: no token."""
    insecure: bool = False
    """Do not verify the TLS certificate of https endpoints."""
    ca_certificates_file: Path | None = None
    """CA bundle to verify https endpoints with (default: the system's trust store)."""

    @field_validator("endpoints")
    @classmethod
    def _check_endpoints(cls, values: list[str]) -> list[str]:
        regions = [parse_endpoint(value)[0] for value in values]
        if len(set(regions)) != len(regions):
            raise ValueError("each region may have one endpoint")
        return values


class NetworkApiSettings(ServiceApiSettings):
    """Designate's ``[network_api:neutron]``: the Neutron the floating-IP PTR API asks (empty
    `endpoints`: /v2/reverse/floatingips answers 403 no_endpoint), and the managed-record audit
    asks which floating IPs and ports exist."""

    use_caller_token: bool = True
    """Send Neutron the caller's own X-Auth-Token (Designate's behaviour). Requests without
    one, or every request when false, send `admin_token` instead."""
    managed_resource_email: str = "hostmaster@example.com"
    """SOA contact of the reverse zones created on demand for floating-IP PTRs (Designate's
    `[service:central] managed_resource_email`)."""
    managed_resource_project_id: str = "00000000-0000-0000-0000-000000000000"
    """Project that owns the reverse zones created on demand for floating-IP PTRs (Designate's
    `[service:central] managed_resource_tenant_id`); it has no zone quota, since its zones are
    made on tenants' behalf. Its admins see and manage these zones like their own."""
    floating_ranges: list[IPvAnyNetwork] = Field(default_factory=list)
    """The cloud's floating-IP ranges (CIDRs, IPv4 and IPv6). Their reverse zones (per /24,
    per /64), every name below them and every name above them (`in-addr.arpa.`) are reserved
    for the managed-resource project (`managed_resource_project_id`), which creates them
    for floating-IP PTRs: any other project, admins included, is refused them (400
    `invalid_zone_name`), so no tenant can create a reverse zone first and receive other
    projects' PTRs. Zones created before a range was listed are not touched."""


class ComputeApiSettings(ServiceApiSettings):
    """The Nova the managed-record audit asks which instances exist (`GET /v2.1/servers`
    with `all_tenants`, compute microversion 2.69): give each region's endpoint without a
    project id in it, and an admin's `admin_token`. Empty `endpoints`: instance records are
    not checked."""


def default_data_dir(euid: int, xdg_data_home: str, home: Path) -> Path:
    """Where the embedded SQLite database lives unless told: ``/var/lib/zonekeeper`` for root
    (a system service), else ``$XDG_DATA_HOME/zonekeeper`` (``~/.local/share/zonekeeper``).
    Never the working directory, so every command finds the same database wherever it runs."""
    if euid == 0:
        return Path("/var/lib/zonekeeper")
    # The XDG spec: a relative XDG_DATA_HOME is invalid and is to be ignored.
    base = Path(xdg_data_home) if os.path.isabs(xdg_data_home) else home / ".local" / "share"
    return base / "zonekeeper"


def _this_user_data_dir() -> Path:
    return default_data_dir(os.geteuid(), os.environ.get("XDG_DATA_HOME", ""), Path.home())


class KeystoneAuthtokenSettings(_Section):
    """keystonemiddleware's auth_token options, named as in Designate's `[keystone_authtoken]`
    (used when `api.auth.strategy` is `keystone`)."""

    www_authenticate_uri: str = ""
    """Public Identity URL sent to clients in the 401's `WWW-Authenticate: Keystone uri=...`."""
    auth_url: str = ""
    """Identity URL the service user authenticates against (e.g. http://keystone:5000)."""
    auth_type: str = "password"
    """keystoneauth plugin of the service user."""
    username: str = ""
    password: SecretStr = SecretStr("")
    project_name: str = "service"
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    """The service user (Keystone 30 lets a user with role `service` or `admin` validate
    tokens)."""
    region_name: str = ""
    """Region of the Identity endpoint to use from the catalog (empty: any)."""
    interface: str = "internal"
    """Catalog interface of the Identity endpoint used to validate tokens."""
    service_token_roles: list[str] = Field(default_factory=lambda: ["service"])
    """Roles a service token (X-Service-Token) must have one of."""
    service_token_roles_required: bool = True
    """Refuse service tokens without one of `service_token_roles`."""
    memcached_servers: list[str] = Field(default_factory=list)
    """Memcached HOST:PORTs caching validated tokens, shared by API processes. Empty: an
    in-process cache (each process validates a token once per `token_cache_time`)."""
    token_cache_time: int = 300
    """Seconds a validated token is cached (a revoked token is honoured until then)."""
    http_connect_timeout: float | None = None
    """Seconds to wait for Keystone."""
    cafile: str = ""
    """CA bundle to verify an https Keystone with."""
    insecure: bool = False
    """Do not verify Keystone's TLS certificate."""
    include_service_catalog: bool = True
    """Ask Keystone for the token's catalog (kept for calls to other services)."""
    service_type: str = "dns"
    """Our catalog type, for application credentials with access rules."""


class OsloPolicySettings(_Section):
    """Designate's `[oslo_policy]`: the rules of service/policy.py, overridable by file."""

    policy_file: Path | None = None
    """YAML or JSON of rule overrides, with Designate's rule names (an existing Designate
    `policy.yaml` works as is). Re-read when it changes. None: the defaults alone."""
    enforce_new_defaults: bool = True
    """False: each rule also accepts its deprecated pre-"secure RBAC" default (e.g.
    `admin_or_owner`: any role in the owning project), as Designate with the same option."""


class Settings(BaseSettings):
    """Every option Zonekeeper reads. Sources, weakest first: defaults, file, env."""

    model_config = SettingsConfigDict(
        env_prefix="ZONEKEEPER_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=_this_user_data_dir)
    """Where the embedded SQLite database (`zonekeeper.sqlite`) lives: by default
    `/var/lib/zonekeeper` for root, else `$XDG_DATA_HOME/zonekeeper` (`~/.local/share/zonekeeper`).
    A relative path is taken from the working directory."""
    database_url: str = ""
    """SQLAlchemy URL (sqlite+aiosqlite://, postgresql+asyncpg://, mysql+asyncmy:// for
    MariaDB). Empty: SQLite in data_dir."""
    log_level: str = "INFO"
    """Python logging level for every role."""
    log_format: Literal["plain", "json"] = "plain"
    """`plain`: one readable line per event. `json`: one JSON object per line (time, level,
    logger, message, request_id when the event belongs to a traced change)."""
    nameserver_hostname: str = "ns1.zonekeeper.test."
    """Apex NS (and SOA MNAME) of zones in the built-in default pool."""
    api: ApiSettings = Field(default_factory=ApiSettings)
    dns: DnsSettings = Field(default_factory=DnsSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    quotas: QuotaSettings = Field(default_factory=QuotaSettings)
    zones: ZoneDefaults = Field(default_factory=ZoneDefaults)
    sink: SinkSettings = Field(default_factory=SinkSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    network_api: NetworkApiSettings = Field(default_factory=NetworkApiSettings)
    compute_api: ComputeApiSettings = Field(default_factory=ComputeApiSettings)
    keystone_authtoken: KeystoneAuthtokenSettings = Field(default_factory=KeystoneAuthtokenSettings)
    oslo_policy: OsloPolicySettings = Field(default_factory=OsloPolicySettings)

    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'zonekeeper.sqlite').resolve()}"


def load(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: file values, overridden by env, overridden by explicit ``overrides``.

    ``overrides`` with value None are ignored, so CLI flags that were not given don't mask env.
    Raises ValueError for an unreadable file or an unknown option.
    """
    file_values: dict[str, Any] = {}
    if config_file is not None:
        try:
            text = config_file.read_text()
            if config_file.suffix == ".toml":
                file_values = tomllib.loads(text)
            else:
                file_values = yaml.safe_load(text) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ValueError(f"{config_file}: cannot read: {first_line}") from None
        if not isinstance(file_values, dict):
            raise ValueError(f"{config_file}: expected a mapping of options")
    env_values = Settings().model_dump(exclude_unset=True)
    merged = _deep_merge(file_values, env_values)
    for dotted, value in overrides.items():
        if value is not None:
            _set_dotted(merged, dotted, value)
    return Settings.model_validate(merged)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split("__")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
