"""Settings: defaults, file, env and flags, weakest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from zonekeeper import config


def test_defaults_are_the_embedded_service() -> None:
    settings = config.load()
    assert settings.api.listen == "127.0.0.1:9001"
    assert settings.dns.listen == "127.0.0.1:5354"
    assert settings.effective_database_url().startswith("sqlite+aiosqlite:///")


def test_file_then_env_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "zk.yaml"
    file.write_text(
        "api:\n  listen: 127.0.0.1:1000\ndns:\n  listen: 127.0.0.1:2000\nlog_level: DEBUG\n"
    )
    monkeypatch.setenv("ZONEKEEPER_DNS__LISTEN", "127.0.0.1:3000")
    settings = config.load(file, api__listen=None, database_url="sqlite+aiosqlite:///x.db")
    assert settings.api.listen == "127.0.0.1:1000"  # file (flag not given)
    assert settings.dns.listen == "127.0.0.1:3000"  # env beats file
    assert settings.database_url == "sqlite+aiosqlite:///x.db"  # flag beats both
    assert settings.log_level == "DEBUG"


def test_toml_file(tmp_path: Path) -> None:
    file = tmp_path / "zk.toml"
    file.write_text("[worker]\nmax_attempts = 3\n")
    assert config.load(file).worker.max_attempts == 3


@pytest.mark.parametrize("bad", ["nohostport:99999", "[::1]:x", "127.0.0.1:70000"])
def test_bad_listen_address_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        config.load(api__listen=bad)


def test_unknown_option_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "zk.yaml"
    file.write_text("api:\n  lisen: 127.0.0.1:1\n")
    with pytest.raises(ValueError):
        config.load(file)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:53", ("127.0.0.1", 53)),
        ("[::1]:5354", ("::1", 5354)),
        ("::1", ("::1", 7)),
        ("host", ("host", 7)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_parse_hostport(text: str, expected: tuple[str, int]) -> None:
    assert config.parse_hostport(text, 7) == expected


def test_allow_transfer_defaults_to_loopback_and_takes_cidrs_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert config.load().dns.allow_transfer == ["127.0.0.0/8", "::1/128"]
    monkeypatch.setenv("ZONEKEEPER_DNS__ALLOW_TRANSFER", '["192.0.2.0/24", "2001:db8::/32"]')
    assert config.load().dns.allow_transfer == ["192.0.2.0/24", "2001:db8::/32"]
    monkeypatch.setenv("ZONEKEEPER_DNS__ALLOW_TRANSFER", '["192.0.2.300/24"]')
    with pytest.raises(ValueError, match=r"192\.0\.2\.300/24"):
        config.load()


def test_one_sink_handler_field_from_env_keeps_the_handler_s_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__ZONE_ID", "z-1")
    monkeypatch.setenv("ZONEKEEPER_SINK__NOVA_FIXED__TTL", "60")
    sink = config.load(None).sink
    assert (sink.neutron_floatingip.zone_id, sink.neutron_floatingip.format) == (
        "z-1",
        "%(ip_address)s.%(zone)s",
    )
    assert (sink.nova_fixed.ttl, sink.nova_fixed.format) == (60, "%(hostname)s.%(zone)s")


@pytest.mark.parametrize(
    ("euid", "xdg", "expected"),
    [
        (0, "/srv/xdg", "/var/lib/zonekeeper"),  # root: a system service's place
        (1000, "/srv/xdg", "/srv/xdg/zonekeeper"),
        (1000, "", "/home/u/.local/share/zonekeeper"),
        (1000, "relative/xdg", "/home/u/.local/share/zonekeeper"),  # invalid per XDG: ignored
    ],
)
def test_the_default_data_dir_depends_on_the_user_never_the_working_directory(
    euid: int, xdg: str, expected: str
) -> None:
    assert config.default_data_dir(euid, xdg, Path("/home/u")) == Path(expected)


def test_settings_use_the_default_data_dir_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config.load().data_dir.is_absolute()
    monkeypatch.setenv("ZONEKEEPER_DATA_DIR", str(tmp_path / "mine"))
    assert config.load().data_dir == tmp_path / "mine"
