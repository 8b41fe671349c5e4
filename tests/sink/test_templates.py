"""Name templates are checked against what each handler can fill, when the sink is built:
a floating IP has no host name, so ``%(hostname)s`` in its template is refused at start-up
instead of dead-lettering every floating-IP event."""

from __future__ import annotations

import pytest

from zonekeeper.config import SinkSettings
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import handlers


def sink_settings(**handler: dict[str, str]) -> SinkSettings:
    return SinkSettings.model_validate(handler)


@pytest.mark.parametrize(
    ("section", "option", "template"),
    [
        ("neutron_floatingip", "format", "%(hostname)s.%(zone)s"),
        ("neutron_floatingip", "fallback_format", "%(instance_name)s-%(octet3)s.%(zone)s"),
        ("nova_fixed", "format", "%(host)s.%(zone)s"),
        ("nova_fixed", "zone_name", "%(hostname)s.cloud.example."),
    ],
)
def test_a_field_the_handler_cannot_fill_is_refused_naming_the_option(
    sqlite_env: ServiceEnv, section: str, option: str, template: str
) -> None:
    settings = sink_settings(**{section: {"zone_id": "z-1", option: template}})
    with pytest.raises(
        ValueError, match=rf"^sink\.{section}\.{option}: %\(\w+\)s cannot be filled"
    ):
        handlers.build(sqlite_env, settings)


def test_every_documented_field_of_each_handler_is_accepted(sqlite_env: ServiceEnv) -> None:
    common = "%(id)s-%(octet0)s-%(octet1)s-%(octet2)s-%(octet3)s-%(ip_address)s-%(ip_version)s"
    project = "%(project)s-%(project_id)s-%(tenant_id)s"
    settings = sink_settings(
        nova_fixed={
            "zone_id": "z-1",
            "format": f"%(hostname)s-%(instance_name)s-{common}-{project}.%(zone)s",
        },
        neutron_floatingip={"zone_id": "z-1", "format": f"{common}-{project}.%(zone)s"},
    )
    built = handlers.build(sqlite_env, settings)
    assert {h.name for hs in built.values() for h in hs} >= {"nova_fixed", "neutron_floatingip"}
