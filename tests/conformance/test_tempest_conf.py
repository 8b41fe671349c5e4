"""The tempest workspace a conformance run writes (tests/conformance/tempest_conf.py)."""

from __future__ import annotations

import configparser
from pathlib import Path

from tests.conformance.tempest_conf import BUILD_TIMEOUT, Target, write_workspace

TARGET = Target("http://127.0.0.1:35357/v3", "s3cret", "127.0.0.1:5399")


def test_tempest_conf_points_at_our_keystone_and_nameserver(tmp_path: Path) -> None:
    path = write_workspace(tmp_path / "ws", TARGET, tmp_path / "site-packages")
    conf = configparser.ConfigParser()
    conf.read(path)
    assert conf["identity"]["uri_v3"] == TARGET.auth_url
    assert conf["auth"]["admin_password"] == "s3cret"
    assert conf.getboolean("auth", "use_dynamic_credentials")
    assert conf["dns"]["nameservers"] == "127.0.0.1:5399"
    assert conf.getint("dns", "build_timeout") == BUILD_TIMEOUT
    features = conf["dns_feature_enabled"]
    assert all(
        features.getboolean(flag)
        for flag in ("api_admin", "api_v2_quotas", "enforce_new_defaults", "api_v2_root_recordsets")
    )
    assert conf.getboolean("service_available", "designate")
    assert not conf.getboolean("service_available", "neutron")
    assert conf["oslo_concurrency"]["lock_path"] == str(tmp_path / "ws" / "locks")


def test_stestr_discovers_tempest_tests_in_the_given_venv(tmp_path: Path) -> None:
    write_workspace(tmp_path, TARGET, Path("/venv/lib/python3.11/site-packages"))
    stestr = configparser.ConfigParser(interpolation=None)
    stestr.read(tmp_path / ".stestr.conf")
    assert stestr["DEFAULT"]["test_path"] == (
        "/venv/lib/python3.11/site-packages/tempest/test_discover"
    )
    assert stestr["DEFAULT"]["top_dir"] == "/venv/lib/python3.11/site-packages"
