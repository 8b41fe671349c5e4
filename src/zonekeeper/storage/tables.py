"""The schema, as SQLAlchemy Core tables. Alembic migrations must match it (`alembic check`)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

# Registers how MariaDB creates these tables (collation, DATETIME precision) for every DDL.
from zonekeeper.storage import mariadb  # noqa: F401

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UUID = String(36)
NAME = String(255)

pools = Table(
    "pools",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("description", String(160)),
    Column("attributes", JSON, nullable=False),
    # [{"hostname": "ns1.example.org.", "priority": 1}], apex NS of every zone in the pool.
    Column("ns_records", JSON, nullable=False),
    # [{"host": "127.0.0.1", "port": 53}]: servers polled for the served serial.
    Column("nameservers", JSON, nullable=False),
    # [{"type": "bind9", "masters": [...], "options": {...}}]: where zones are provisioned.
    Column("targets", JSON, nullable=False),
    Column("also_notifies", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    # Designate's pool project_id: set only through the API's pool writes, shown as given.
    Column("project_id", String(255)),
)

zones = Table(
    "zones",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("project_id", String(255), nullable=False, index=True),
    Column("pool_id", UUID, ForeignKey("pools.id"), nullable=False),
    Column("name", NAME, nullable=False),
    Column("email", String(255), nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("serial", BigInteger, nullable=False),
    Column("refresh", Integer, nullable=False),
    Column("retry", Integer, nullable=False),
    Column("expire", Integer, nullable=False),
    Column("minimum", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("type", String(16), nullable=False),
    Column("description", String(160)),
    Column("masters", JSON, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Column("transferred_at", DateTime),
    # When the worker should next look at this zone (NULL: nothing to do).
    Column("next_attempt_at", DateTime),
    # Reconcile attempts since the zone last became ACTIVE.
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    # Deleted with X-Designate-Hard-Delete: the targets remove the zone's files too.
    Column("hard_delete", Boolean, nullable=False, default=False, server_default=false()),
    # SECONDARY zones only (NULL otherwise): when to next ask a master for the SOA (the
    # refresh/retry timer; a NOTIFY or the xfr task sets it to now, a transfer in progress
    # a lease ahead), when a master last confirmed our serial, and how the last try went.
    Column("next_transfer_at", DateTime),
    Column("refreshed_at", DateTime),
    Column("transfer_status", String(16)),
    Column("transfer_reason", String(32)),
    Column("transfer_error", Text),
    # The pool a pool move takes the zone away from: it stays on that pool's targets until
    # the new pool is proven to serve it (NULL: not moving).
    Column("moving_from_pool_id", UUID),
    # The API request id (x-openstack-request-id) of the zone's last change: the worker logs
    # its attempts under it.
    Column("request_id", String(64)),
    UniqueConstraint("name", "pool_id", name="uq_zones_name_pool"),
    Index("ix_zones_pending", "status", "next_attempt_at"),
    Index("ix_zones_next_transfer", "next_transfer_at"),
    # The default order of zone lists with all-projects, walked instead of sorted.
    Index("ix_zones_created", "created_at", "id"),
)

zone_serial_floors = Table(
    "zone_serial_floors",
    metadata,
    Column("name", NAME, primary_key=True),
    # The last serial of a deleted zone: a zone created again under the name starts above it.
    Column("serial", BigInteger, nullable=False),
)

recordsets = Table(
    "recordsets",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", String(255), nullable=False),
    Column("name", NAME, nullable=False),
    Column("type", String(16), nullable=False),
    Column("ttl", Integer),
    Column("description", String(160)),
    Column("managed", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("serial", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    UniqueConstraint("zone_id", "name", "type", name="uq_recordsets_zone_name_type"),
    Index("ix_recordsets_zone_created", "zone_id", "created_at", "id"),
    # Marking a zone's pending recordsets ACTIVE must not scan all of a large zone's.
    Index("ix_recordsets_zone_status", "zone_id", "status"),
    # GET /v2/recordsets of one project (page and count) and of all projects, in the
    # default order, without reading or sorting every recordset.
    Index("ix_recordsets_project_created", "project_id", "created_at", "id"),
    Index("ix_recordsets_created", "created_at", "id"),
)

records = Table(
    "records",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("recordset_id", UUID, ForeignKey("recordsets.id", ondelete="CASCADE"), nullable=False),
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
    # Canonical presentation format (lower-case absolute names, compressed IPv6).
    Column("data", Text, nullable=False),
    # The rdata in uncompressed wire format, rendered when written.
    Column("rdata", LargeBinary, nullable=False),
    Column("managed", Boolean, nullable=False, default=False),
    # Who manages a record the sink wrote (all NULL for records written through the API):
    # the handler ("nova_fixed"), the resource whose lifetime bounds the record ("instance",
    # "floatingip") and its id, the resource's project, and for a floating IP the port it is
    # associated with (so that port.delete.end finds the records).
    Column("managed_plugin_name", String(50)),
    Column("managed_resource_type", String(50)),
    Column("managed_resource_id", String(255)),
    Column("managed_project_id", String(255)),
    Column("managed_port_id", String(255)),
    # The resource's revision (Neutron's revision_number) when the record was written through
    # the API: a notification of that revision or older must not undo it.
    Column("managed_revision", BigInteger),
    Index("ix_records_recordset", "recordset_id"),
    # With ``managed``, the quota's count of a zone's unmanaged records reads only the index.
    Index("ix_records_zone_managed", "zone_id", "managed"),
    Index("ix_records_managed_resource", "managed_resource_type", "managed_resource_id"),
    Index("ix_records_managed_port", "managed_port_id"),
)

zone_changes = Table(
    "zone_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
    Column("from_serial", BigInteger, nullable=False),
    Column("to_serial", BigInteger, nullable=False),
    # [[name, type, ttl, data], ...]; the first entry is the SOA at from_serial.
    Column("removed", JSON, nullable=False),
    # [[name, type, ttl, data], ...]; the first entry is the SOA at to_serial.
    Column("added", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # The API request id of the change ("" or NULL for changes no request made).
    Column("request_id", String(64)),
    Index("ix_zone_changes_zone_serial", "zone_id", "to_serial"),
)

nameserver_states = Table(
    "nameserver_states",
    metadata,
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True),
    Column("host", String(255), primary_key=True),
    Column("port", Integer, primary_key=True),
    Column("served_serial", BigInteger),
    Column("status", String(16), nullable=False),
    # Machine-readable cause of the last failure: refused, timeout, not_authoritative, …
    Column("reason", String(32)),
    Column("last_error", Text),
    Column("checked_at", DateTime),
    # When the attempt that wrote the row first saw served_serial (the zone's serial) here.
    Column("served_at", DateTime),
)

quotas = Table(
    "quotas",
    metadata,
    Column("project_id", String(255), primary_key=True),
    Column("resource", String(32), primary_key=True),
    Column("hard_limit", Integer, nullable=False),
)

service_statuses = Table(
    "service_statuses",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("service_name", String(32), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("stats", JSON, nullable=False),
    Column("capabilities", JSON, nullable=False),
    Column("heartbeated_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    UniqueConstraint("service_name", "hostname", name="uq_service_statuses_name_host"),
)

target_states = Table(
    "target_states",
    metadata,
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True),
    # The target as "type host:port" (its identity in the pool's configuration).
    Column("target", String(255), primary_key=True),
    # ACTIVE once the zone was provisioned there, ERROR while the backend call fails.
    Column("status", String(16), nullable=False),
    Column("reason", String(32)),
    Column("last_error", Text),
    Column("checked_at", DateTime, nullable=False),
)

# Designate's admin resources. Names and patterns are unique by constraint, so two admins
# creating the same one at once get one row and one 409, never two rows.
tlds = Table(
    "tlds",
    metadata,
    Column("id", UUID, primary_key=True),
    # Lower-case, no trailing dot ("org", "co.uk").
    Column("name", NAME, nullable=False, unique=True),
    Column("description", String(160)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
)

blacklists = Table(
    "blacklists",
    metadata,
    Column("id", UUID, primary_key=True),
    # A Python regular expression searched in new zone names.
    Column("pattern", String(255), nullable=False, unique=True),
    Column("description", String(160)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
)

tsigkeys = Table(
    "tsigkeys",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("name", String(160), nullable=False, unique=True),
    Column("algorithm", String(32), nullable=False),
    # Base64, as given (Designate returns it in clear to admins).
    Column("secret", String(160), nullable=False),
    # POOL or ZONE, and the id of that pool or zone.
    Column("scope", String(16), nullable=False),
    Column("resource_id", UUID, nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
)

# Built-in API tokens (api.auth.strategy = token). Only a SHA-256 of each token is kept: a
# token is 256 random bits, so its hash cannot be reversed or guessed, and a fast hash keeps
# the per-request lookup cheap (a slow password hash would only cost every request).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("project_id", String(255), nullable=False),
    Column("user_id", String(255), nullable=False),
    # The roles, comma-separated, as in an X-Roles header.
    Column("roles", Text, nullable=False),
    Column("description", String(160)),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("revoked_at", DateTime),
)


# -- zone lifecycle: import/export tasks, ownership transfers, shares ------------------------

zone_tasks = Table(
    "zone_tasks",
    metadata,
    Column("id", UUID, primary_key=True),
    # IMPORT or EXPORT (Designate keeps both in one table, told apart by task_type).
    Column("task_type", String(16), nullable=False),
    Column("project_id", String(255), nullable=False),
    # No foreign key: an export or import outlives the zone it names (Designate keeps it).
    Column("zone_id", UUID),
    Column("status", String(16), nullable=False),
    # Every reason an import failed, one per bad line, so it has no length limit.
    Column("message", Text),
    Column("location", String(255)),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Index("ix_zone_tasks_project_type", "project_id", "task_type"),
)

zone_transfer_requests = Table(
    "zone_transfer_requests",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", String(255), nullable=False),
    # NULL: any project holding the key may accept.
    Column("target_project_id", String(255)),
    Column("key", String(255), nullable=False),
    Column("description", String(160)),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Index("ix_zone_transfer_requests_zone", "zone_id"),
)

zone_transfer_accepts = Table(
    "zone_transfer_accepts",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("zone_transfer_request_id", UUID, nullable=False),
    Column("zone_id", UUID, nullable=False),
    Column("project_id", String(255), nullable=False),
    Column("key", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
)

shared_zones = Table(
    "shared_zones",
    metadata,
    Column("id", UUID, primary_key=True),
    Column("zone_id", UUID, ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
    # The project that shared the zone (its owner when it shared it).
    Column("project_id", String(255), nullable=False),
    Column("target_project_id", String(36), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    # A zone is shared with a project once: a second share is a 409, even when two race.
    UniqueConstraint("zone_id", "target_project_id", name="uq_shared_zones_zone_target"),
    Index("ix_shared_zones_target", "target_project_id"),
)
