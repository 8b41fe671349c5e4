"""pools.yaml target options are validated when the pool loads."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from zonekeeper import backends
from zonekeeper.backends import bind9, pdns4
from zonekeeper.domain.transfers import TsigKey

SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
PDNS = {"api_endpoint": "http://127.0.0.1:8081", "api_token": "t"}


@pytest.mark.parametrize(
    ("kind", "options", "problem"),
    [
        ("bind9", {"tsigkey_name": "k1", "tsigkey_secret": "c2VjcmV0*"}, "not valid base64"),
        ("bind9", {"tsigkey_name": "k1"}, "tsigkey_secret is required with tsigkey_name"),
        ("pdns4", PDNS | {"tsigkey_name": "k1"}, "tsigkey_secret is required with tsigkey_name"),
        ("pdns4", PDNS | {"tsigkey_secret": SECRET}, "tsigkey_name is required"),
        (
            "pdns4",
            PDNS | {"tsigkey_name": "k1", "tsigkey_secret": SECRET, "tsigkey_algorithm": "md5"},
            "unsupported TSIG algorithm 'md5'",
        ),
        ("bind9", {"tsigkey_name": "k 1", "tsigkey_secret": SECRET}, "not a valid TSIG key name"),
    ],
)
def test_bad_tsig_keys_are_refused(kind: str, options: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        backends.load(kind, options)


def test_a_tsig_key_loads_with_the_default_algorithm() -> None:
    backend = backends.load("bind9", {"tsigkey_name": "k1", "tsigkey_secret": SECRET})
    assert isinstance(backend, bind9.Bind9Backend)
    assert backend.options.tsig_key == TsigKey("k1", SECRET, "hmac-sha256")


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("bind9", {"rndc_prot": 953}),
        ("pdns4", {"api_endpoint": "http://127.0.0.1:8081", "api_token": "t", "api_tokne": "t"}),
        ("pdns4", {"api_endpoint": "http://127.0.0.1:8081"}),
        ("bind9", {"rndc_port": 70000}),
    ],
)
def test_bad_options_are_refused(kind: str, options: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        backends.load(kind, options)


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown backend type 'knot9'"):
        backends.load("knot9", {})


def test_designate_options_load_as_pools_yaml_gives_them() -> None:
    """Designate's keys and its string values (pools.yaml stores options as strings)."""
    bind = backends.load(
        "bind9",
        {
            "host": "192.0.2.2", "port": "53", "rndc_host": "192.0.2.2", "rndc_port": "953",
            "rndc_config_file": "/etc/bind/rndc.conf", "rndc_key_file": "/etc/bind/rndc.key",
            "rndc_timeout": "5", "rndc_bin_path": "rndc", "clean_zonefile": "true",
        },
    )  # fmt: skip
    pdns = backends.load(
        "pdns4",
        {
            "host": "192.0.2.3", "port": "53", "api_endpoint": "https://192.0.2.3:8081",
            "api_token": "secret", "api_ca_cert": "/etc/ssl/ca.pem", "tsigkey_name": "k1",
            "tsigkey_secret": SECRET,
        },
    )  # fmt: skip

    assert isinstance(bind, bind9.Bind9Backend) and bind.options.clean_zonefile
    assert isinstance(pdns, pdns4.PowerDnsBackend) and pdns.options.port == 53


def test_designate_s_no_rndc_timeout_still_bounds_rndc() -> None:
    backend = backends.load("bind9", {"rndc_timeout": "0"})

    assert isinstance(backend, bind9.Bind9Backend)
    assert backend.timeout == bind9.DEFAULT_RNDC_TIMEOUT
