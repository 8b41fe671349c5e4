"""Designate 23's default policy, as data: the rule names and check strings an operator's
Designate ``policy.yaml`` refers to, so that its overrides work here unchanged.

Each rule has its current default and, where Designate has one, the deprecated (pre-"secure
RBAC") default it replaced. oslo.policy ORs the two when ``enforce_new_defaults`` is off, as
in Designate. Every rule is project-scoped, except the legacy building blocks and the two
listings any authenticated caller may use.
"""

from __future__ import annotations

from typing import Final

from oslo_policy import policy

ADMIN: Final = "role:admin"
"""Admin is global: an admin of any project acts on every project (Designate 23)."""
PROJECT_MEMBER: Final = "role:member and project_id:%(project_id)s"
PROJECT_READER: Final = "role:reader and project_id:%(project_id)s"
ADMIN_OR_MEMBER: Final = f"({ADMIN}) or ({PROJECT_MEMBER})"
ADMIN_OR_READER: Final = f"({ADMIN}) or ({PROJECT_READER})"
SHARED: Final = "('True':%(zone_shared)s)"
PRIMARY: Final = "('PRIMARY':%(zone_type)s)"
SECONDARY: Final = "('SECONDARY':%(zone_type)s)"
TRANSFER_TARGET: Final = "project_id:%(target_project_id)s or None:%(target_project_id)s"

LEGACY_ADMIN: Final = "rule:admin"
LEGACY_ADMIN_OR_OWNER: Final = "rule:admin_or_owner"
LEGACY_TRANSFER: Final = (
    "rule:admin_or_owner OR project_id:%(target_tenant_id)s OR None:%(target_tenant_id)s"
)
LEGACY_RECORDSET_OWNER: Final = (
    "rule:admin or ('PRIMARY':%(zone_type)s and "
    "(rule:owner or project_id:%(recordset_project_id)s))"
)

ADMIN_RULES: Final = (
    *("create_blacklist", "find_blacklists", "get_blacklist", "update_blacklist"),
    *("delete_blacklist", "use_blacklisted_zone"),
    *("all_tenants", "edit_managed_records", "use_low_ttl", "use_sudo", "hard_delete"),
    *("create_pool", "find_pools", "find_pool", "get_pool", "update_pool", "delete_pool"),
    *("zone_create_forced_pool", "set_quota", "reset_quotas"),
    *("find_service_status", "find_service_statuses", "update_service_status"),
    *("delete_service_status", "find_tenants", "get_tenant", "count_tenants"),
    *("create_tld", "find_tlds", "get_tld", "update_tld", "delete_tld"),
    *("create_tsigkey", "find_tsigkeys", "get_tsigkey", "update_tsigkey", "delete_tsigkey"),
    *("abandon_zone", "purge_zones", "pool_move_zone", "find_zone_transfer_accepts"),
)
"""Rules whose default is ADMIN (formerly ``rule:admin``)."""

MEMBER_RULES: Final = (
    *("default", "get_zone_share", "share_zone", "find_project_zone_share", "unshare_zone"),
    *("create_zone", "update_zone", "delete_zone", "xfr_zone"),
    *("zone_export", "create_zone_export", "update_zone_export", "delete_zone_export"),
    *("create_zone_import", "update_zone_import", "delete_zone_import"),
    *("create_zone_transfer_request", "update_zone_transfer_request"),
    "delete_zone_transfer_request",
)
"""Rules whose default is ADMIN or MEMBER of the target project (formerly admin_or_owner)."""

READER_RULES: Final = (
    *("find_records", "count_records", "get_recordsets", "find_recordset", "find_recordsets"),
    *("count_recordset", "get_zones", "get_zone_servers", "get_zone_ns_records", "find_zones"),
    *("count_zones", "count_zones_pending_notify", "find_zone_exports", "get_zone_export"),
    *("find_zone_imports", "get_zone_import", "get_zone_transfer_accept"),
)
"""Rules whose default is ADMIN or READER of the target project (formerly admin_or_owner)."""

_RECORDSET_WRITE: Final = (
    f"({PROJECT_MEMBER}) and {PRIMARY} or ({ADMIN}) and {PRIMARY} or ({ADMIN}) and {SECONDARY}"
)

SPECIAL_RULES: Final[dict[str, tuple[str, str | None]]] = {
    "get_quotas": (
        f"{ADMIN_OR_READER} or (True:%(all_tenants)s and role:reader)",
        LEGACY_ADMIN_OR_OWNER,
    ),
    "create_recordset": (
        f"{_RECORDSET_WRITE} or {SHARED} and {PRIMARY}",
        "('PRIMARY':%(zone_type)s AND (rule:admin_or_owner OR 'True':%(zone_shared)s)) "
        "OR ('SECONDARY':%(zone_type)s AND is_admin:True)",
    ),
    "update_recordset": (
        f"{_RECORDSET_WRITE} or role:member and (project_id:%(recordset_project_id)s) "
        f"and {PRIMARY}",
        LEGACY_RECORDSET_OWNER,
    ),
    "get_recordset": (f"{ADMIN_OR_READER} or {SHARED}", f"{LEGACY_ADMIN_OR_OWNER} or {SHARED}"),
    "get_zone": (f"{ADMIN_OR_READER} or {SHARED}", f"{LEGACY_ADMIN_OR_OWNER} or {SHARED}"),
    "create_zone_transfer_accept": (f"({ADMIN_OR_MEMBER}) or {TRANSFER_TARGET}", LEGACY_TRANSFER),
    "get_zone_transfer_request": (f"({ADMIN_OR_MEMBER}) or {TRANSFER_TARGET}", LEGACY_TRANSFER),
    "get_zone_transfer_request_detailed": (ADMIN_OR_READER, LEGACY_ADMIN_OR_OWNER),
}
"""Rules with a check string of their own: (default, deprecated default)."""
SPECIAL_RULES["delete_recordset"] = SPECIAL_RULES["update_recordset"]

ANY_RULES: Final = ("find_zone_shares", "find_zone_transfer_requests")
"""Rules any authenticated caller passes (results are filtered by project instead)."""

LEGACY_RULES: Final = {
    "admin": "role:admin or is_admin:True",
    "owner": "project_id:%(tenant_id)s",
    "admin_or_owner": "rule:admin or rule:owner",
}
"""The building blocks the deprecated defaults (and many operators' files) refer to."""

_DEPRECATED_NAME: Final = {"get_zone_transfer_request_detailed": "create_zone_transfer_request"}
"""Designate names the deprecated form of this one rule after another rule; kept as is."""

_REASON: Final = "The designate API now supports project scope and default roles."


def rules() -> list[policy.RuleDefault]:
    """Every default rule, to register with an oslo.policy Enforcer."""
    defaults = [policy.RuleDefault(name, check) for name, check in LEGACY_RULES.items()]
    defaults += [policy.RuleDefault(name, "@") for name in ANY_RULES]
    table: dict[str, tuple[str, str | None]] = {
        **{name: (ADMIN, LEGACY_ADMIN) for name in ADMIN_RULES},
        **{name: (ADMIN_OR_MEMBER, LEGACY_ADMIN_OR_OWNER) for name in MEMBER_RULES},
        **{name: (ADMIN_OR_READER, LEGACY_ADMIN_OR_OWNER) for name in READER_RULES},
        **SPECIAL_RULES,
    }
    defaults += [_project_rule(name, *checks) for name, checks in table.items()]
    return defaults


def _project_rule(name: str, check: str, deprecated: str | None) -> policy.RuleDefault:
    old = None
    if deprecated is not None:
        old = policy.DeprecatedRule(
            name=_DEPRECATED_NAME.get(name, name),
            check_str=deprecated,
            deprecated_reason=_REASON,
            deprecated_since="W",
        )
    return policy.RuleDefault(name, check, scope_types=["project"], deprecated_rule=old)
