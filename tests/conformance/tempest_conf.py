"""The tempest workspace of a conformance run: ``.stestr.conf`` and ``etc/tempest.conf``.

The settings are the upstream gate's (dynamic credentials made with Keystone's admin, v3
identity, every service but designate unavailable), with two choices of ours: the stricter RBAC
checks (``enforce_new_defaults``: project member and reader accounts too) and a shorter
``build_timeout``, since the pool's BIND serves a change within a second or two and a
status that never comes should cost 30 s, not Designate's 360.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BUILD_TIMEOUT = 30
"""Seconds tempest waits for a zone or recordset to reach a status."""


@dataclass(frozen=True, slots=True)
class Target:
    """What tempest is pointed at."""

    auth_url: str
    """Keystone's ``/v3``."""
    admin_password: str
    """Of Keystone's ``admin`` user (project ``admin``, Default domain)."""
    nameserver: str
    """``host:port`` of the nameserver tempest queries for propagation (the pool's BIND)."""


def write_workspace(directory: Path, target: Target, site_packages: Path) -> Path:
    """Write the workspace into ``directory`` (created); returns the tempest.conf path.
    ``site_packages`` is tempest's venv's, where stestr discovers the tests."""
    (directory / "etc").mkdir(parents=True, exist_ok=True)
    (directory / "locks").mkdir(exist_ok=True)
    (directory / ".stestr.conf").write_text(
        "[DEFAULT]\n"
        f"test_path={site_packages / 'tempest' / 'test_discover'}\n"
        f"top_dir={site_packages}\n"
        # One class per worker, as `tempest init` sets it: a class's tests share its set-up.
        "group_regex=([^\\.]*\\.)*\n"
    )
    conf = directory / "etc" / "tempest.conf"
    conf.write_text(render(directory, target))
    return conf


def render(directory: Path, target: Target) -> str:
    """tempest.conf for ``target``; logs and locks go under ``directory``."""
    return f"""[DEFAULT]
log_file = {directory / "tempest.log"}
use_stderr = false

[oslo_concurrency]
lock_path = {directory / "locks"}

[auth]
use_dynamic_credentials = true
create_isolated_networks = false
admin_username = admin
admin_password = {target.admin_password}
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default

[identity]
auth_version = v3
uri_v3 = {target.auth_url}
region = RegionOne
v3_endpoint_type = public

[identity-feature-enabled]
api_v3 = true

[service_available]
designate = true
nova = false
neutron = false
cinder = false
glance = false
swift = false
horizon = false

[validation]
run_validation = false

[dns]
catalog_type = dns
endpoint_type = publicURL
nameservers = {target.nameserver}
build_timeout = {BUILD_TIMEOUT}
build_interval = 1
min_ttl = 0
tld_suffix = test

[dns_feature_enabled]
api_v2 = true
api_admin = true
api_v2_root_recordsets = true
api_v2_quotas = true
api_v2_quotas_verify_project = true
enforce_new_defaults = true
test_multipool_with_delete_opt = false

[enforce_scope]
designate = false
"""
