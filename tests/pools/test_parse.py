"""Reading Designate's pools.yaml shapes, every validation reason, and the pure plan."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from zonekeeper.cli.pool import check_target, dump
from zonekeeper.domain import errors
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.pool_plan import Verb, plan
from zonekeeper.domain.pools import NsRecord, PoolSpec, Server


def parse(*entries: dict[str, Any]) -> tuple[PoolSpec, ...]:
    return pool_specs.parse(copy.deepcopy(list(entries)), check_target)


def reasons(document: Any) -> list[str]:
    with pytest.raises(errors.InvalidObject) as raised:
        pool_specs.parse(document, check_target)
    return [reason.message for reason in raised.value.errors]


def test_designate_bind9_and_pdns4_samples_parse() -> None:
    bind9, pdns = parse(BIND9_POOL, PDNS4_POOL)
    assert bind9.id is None and bind9.name == "default"
    assert bind9.ns_records == (
        NsRecord("ns1-1.example.org.", 1),
        NsRecord("ns1-2.example.org.", 2),
    )
    assert bind9.mname == "ns1-1.example.org."
    assert bind9.nameservers == (Server("192.0.2.2", 53), Server("192.0.2.3", 53))
    (target,) = bind9.targets
    assert target.type == "bind9" and target.masters == (Server("192.0.2.1", 5354),)
    assert target.options["rndc_key_file"] == "/etc/designate/rndc.key"
    assert bind9.also_notifies == (Server("192.0.2.4", 53),)
    assert pdns.id == "cf2e8eab-76cd-4162-bf76-8aeee3556de0"
    assert pdns.attributes == {"tier": "gold"}
    assert pdns.targets[0].options["api_token"] == "api_key"
    assert pdns.catalog_zone == {
        "catalog_zone_fqdn": "cat.example.net.",
        "catalog_zone_refresh": 60,
    }


def test_the_yaml_text_of_the_sample_parses_the_same() -> None:
    text = yaml.safe_dump([BIND9_POOL, PDNS4_POOL], sort_keys=False)
    assert pool_specs.parse(yaml.safe_load(text), check_target) == parse(BIND9_POOL, PDNS4_POOL)


def test_ns_records_are_sorted_by_priority_and_names_lower_cased() -> None:
    entry = {
        **BIND9_POOL,
        "ns_records": [
            {"hostname": "NS2.Example.org.", "priority": 20},
            {"hostname": "ns1.example.org.", "priority": 10},
        ],
    }
    (spec,) = parse(entry)
    assert [r.hostname for r in spec.ns_records] == ["ns1.example.org.", "ns2.example.org."]


def test_json_form_round_trips_through_yaml() -> None:
    specs = tuple(
        pool_specs.from_json(
            {**pool_specs.to_json(spec), "id": f"0000000{i}-0000-0000-0000-000000000000"}
        )
        for i, spec in enumerate(parse(BIND9_POOL, PDNS4_POOL))
    )
    assert pool_specs.parse(yaml.safe_load(dump(specs)), check_target) == specs


def test_a_typo_in_target_options_names_pool_target_and_key() -> None:
    entry = copy.deepcopy(BIND9_POOL)
    entry["targets"][0]["options"]["rndc_prot"] = 953
    assert reasons([entry]) == [
        "pool 'default': targets.0.options.rndc_prot: (bind9) extra inputs are not permitted"
    ]


def test_a_missing_required_option_and_an_unknown_type() -> None:
    entry = copy.deepcopy(PDNS4_POOL)
    del entry["targets"][0]["options"]["api_token"]
    entry["targets"].append({"type": "bind10"})
    assert reasons([entry]) == [
        "pool 'pdns': targets.0.options.api_token: (pdns4) field required",
        "pool 'pdns': targets.1: (bind10) unknown backend type 'bind10'",
    ]


def test_every_reason_is_reported_at_once() -> None:
    entry = copy.deepcopy(BIND9_POOL)
    entry["ns_records"] = [{"hostname": "ns1.example.org", "priority": 0}]
    entry["nameservers"] = [{"host": "bad host!", "port": 70000}]
    entry["also_notifies"] = [{"host": "192.0.2.4", "port": "53"}]
    entry["colour"] = "blue"
    entry["id"] = "not-a-uuid"
    found = reasons([entry, {"name": "x" * 51, "ns_records": []}])
    assert found == [
        "pool 'default': colour: unknown key (expected one of ['also_notifies', 'attributes', "
        "'catalog_zone', 'description', 'id', 'name', 'nameservers', 'ns_records', 'targets'])",
        "pool 'default': id: 'not-a-uuid' is not a UUID",
        "pool 'default': ns_records.0.hostname: 'ns1.example.org' is not an absolute hostname "
        "ending with a dot",
        "pool 'default': ns_records.0.priority: 0 is not in 1..10000",
        "pool 'default': nameservers.0.host: 'bad host!' is not an IP address or hostname",
        "pool 'default': nameservers.0.port: 70000 is not in 1..65535",
        "pool 'default': also_notifies.0.port: expected an integer, got '53'",
        f"pool '{'x' * 51}': name: longer than 50 characters",
        f"pool '{'x' * 51}': ns_records: at least one ns_record is required (the apex NS of "
        "the pool's zones)",
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"name": "default"}, "expected a list of pools, got dict"),
        ([42], "pool #1: expected a mapping, got int"),
        ([{"ns_records": [{"hostname": "a.", "priority": 1}]}], "pool #1: name: is required"),
        (
            [{**BIND9_POOL, "targets": [{"type": "bind9", "masters": [{"host": "192.0.2.1"}]}]}],
            "pool 'default': targets.0.masters.0.port: is required",
        ),
        (
            [{**BIND9_POOL, "ns_records": [{"hostname": "a.example.", "priority": 1}] * 2}],
            "pool 'default': ns_records: a.example. is listed more than once",
        ),
        (
            [{**BIND9_POOL, "catalog_zone": {"catalog_zone_fqdn": "cat"}}],
            "pool 'default': catalog_zone.catalog_zone_fqdn: 'cat' is not an absolute hostname "
            "ending with a dot",
        ),
        ([BIND9_POOL, BIND9_POOL], "pool 'default': name 'default' is used by more than one pool"),
    ],
)
def test_refused_documents(document: Any, expected: str) -> None:
    assert reasons(copy.deepcopy(document)) == [expected]


def test_ipv6_hosts_and_hostnames_are_accepted() -> None:
    entry = {**BIND9_POOL, "nameservers": [{"host": "2001:db8::2", "port": 53}]}
    entry["also_notifies"] = [{"host": "ns.example.org", "port": 53}]
    (spec,) = parse(entry)
    assert spec.nameservers[0].host == "2001:db8::2"


# -- plan --------------------------------------------------------------------------------------

CURRENT = PoolSpec(
    name="default",
    id="794ccc2c-d751-44fe-b57f-8894c9f5c842",
    ns_records=(NsRecord("ns1.zonekeeper.test.", 1),),
)


def test_plan_matches_by_name_and_reports_the_changed_fields() -> None:
    (bind9,) = parse(BIND9_POOL)
    (change,) = plan([CURRENT], [bind9], False, lambda _: "new")
    assert change.verb is Verb.UPDATE and change.pool.id == CURRENT.id
    assert [f.field for f in change.fields] == [
        "description",
        "ns_records",
        "nameservers",
        "targets",
        "also_notifies",
    ]
    assert change.ns_records_changed


def test_plan_creates_unmatched_keeps_or_deletes_leftovers() -> None:
    (pdns,) = parse(PDNS4_POOL)
    kept = plan([CURRENT], [pdns], False, lambda _: "new")
    assert [(c.verb, c.pool.id) for c in kept] == [(Verb.CREATE, pdns.id)]
    dropped = plan([CURRENT], [pdns], True, lambda _: "new")
    assert [(c.verb, c.pool.id) for c in dropped] == [
        (Verb.CREATE, pdns.id),
        (Verb.DELETE, CURRENT.id),
    ]


def test_plan_of_the_same_pools_is_unchanged() -> None:
    (change,) = plan([CURRENT], [CURRENT], True, lambda _: "new")
    assert change.verb is Verb.UNCHANGED and change.fields == ()


def test_plan_refuses_a_name_held_by_a_pool_it_keeps() -> None:
    (pdns,) = parse({**PDNS4_POOL, "name": "default"})
    with pytest.raises(errors.InvalidObject) as raised:
        plan([CURRENT], [pdns], False, lambda _: "new")
    assert "name already used by pool" in raised.value.errors[0].message
