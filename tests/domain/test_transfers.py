"""Who may transfer a pool's zones (the mini-DNS's ACL decision) and TSIG key values. Pure."""

from __future__ import annotations

import base64
from typing import Any

import dns.name
import pytest

from zonekeeper.domain import transfers
from zonekeeper.domain.transfers import TransferPolicy, TsigKey

SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
KEYED = {"host": "192.0.2.2", "port": 53, "tsigkey_name": "k1", "tsigkey_secret": SECRET}


def policy(targets: list[dict[str, Any]], networks: tuple[str, ...] = ()) -> TransferPolicy:
    nameservers = [{"host": "192.0.2.1", "port": 53}, {"host": "ns.example.net.", "port": 53}]
    return TransferPolicy.of("p", nameservers, targets, networks)


K1 = dns.name.from_text("k1")
PLAIN = [{"type": "bind9", "options": {"host": "192.0.2.3"}}]


@pytest.mark.parametrize(
    ("targets", "networks", "source", "keyname", "refused"),
    [
        (PLAIN, (), "192.0.2.1", None, None),  # a nameserver
        (PLAIN, (), "192.0.2.3", None, None),  # a target's host
        (PLAIN, (), "::ffff:192.0.2.1", None, None),  # the same, seen on a dual-stack socket
        (PLAIN, (), "192.0.2.9", None, "192.0.2.9 is neither a nameserver or target of pool p"),
        (PLAIN, ("192.0.2.0/28",), "192.0.2.9", None, None),  # dns.allow_transfer
        (PLAIN, ("::1/128",), "::1", None, None),
        (PLAIN, ("127.0.0.0/8",), "198.51.100.1", None, "198.51.100.1 is neither"),
        ([{"type": "bind9", "options": KEYED}], (), "192.0.2.1", None, "unsigned, and pool p"),
        ([{"type": "bind9", "options": KEYED}], ("0.0.0.0/0",), "192.0.2.9", None, "unsigned"),
        ([{"type": "bind9", "options": KEYED}], (), "198.51.100.7", K1, None),  # any address
        (
            [{"type": "bind9", "options": KEYED}],
            (),
            "192.0.2.1",
            dns.name.from_text("k2"),
            "signed with k2., which is not a TSIG key of pool p",
        ),
    ],
)
def test_the_transfer_decision(
    targets: list[dict[str, Any]],
    networks: tuple[str, ...],
    source: str,
    keyname: dns.name.Name | None,
    refused: str | None,
) -> None:
    reason = policy(targets, networks).refusal(source, keyname)
    if refused is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith(refused), reason


def test_a_key_name_compares_without_regard_to_case() -> None:
    keyed = policy([{"type": "pdns4", "options": KEYED | {"tsigkey_name": "K1"}}])
    assert keyed.refusal("192.0.2.9", K1) is None


def test_pool_keys_and_the_key_for_a_nameserver() -> None:
    other = KEYED | {"host": "192.0.2.5", "tsigkey_name": "k2"}
    targets = [{"type": "bind9", "options": KEYED}, {"type": "pdns4", "options": other}]
    assert set(transfers.pool_keys(targets)) == {K1, dns.name.from_text("k2")}
    assert transfers.key_for(targets, "192.0.2.5", 53) == TsigKey("k2", SECRET)
    assert transfers.key_for(targets, "192.0.2.9", 53) is None  # two keys: no guess
    assert transfers.key_for(targets[:1], "192.0.2.9", 53) == TsigKey("k1", SECRET)
    assert transfers.key_for(PLAIN, "192.0.2.3", 53) is None
    # A target without a key gets unsigned messages, even when another target has one.
    assert transfers.key_for([*PLAIN, targets[0]], "192.0.2.3", 53) is None


@pytest.mark.parametrize(
    ("name", "secret", "algorithm", "problem"),
    [
        ("k1", "not base64!", "hmac-sha256", "not valid base64"),
        ("k1", "", "hmac-sha256", "empty"),
        ("k1", SECRET, "hmac-md4", "unsupported TSIG algorithm 'hmac-md4'"),
        ('k"1', SECRET, "hmac-sha256", "not a valid TSIG key name"),
        ("a..b", SECRET, "hmac-sha256", "not a valid TSIG key name"),
    ],
)
def test_bad_keys_are_refused(name: str, secret: str, algorithm: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        TsigKey(name, secret, algorithm)


def test_a_key_signs_with_its_algorithm() -> None:
    key = TsigKey("k1", SECRET, "HMAC-SHA512").to_dnspython()
    assert key.algorithm == dns.name.from_text("hmac-sha512")
    assert key.secret == b"0123456789abcdef0123456789abcdef"
