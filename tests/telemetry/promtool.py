"""The alert rules of docs/prometheus-alerts.yml evaluated by Prometheus's own promtool
(Debian's `prometheus` package) over series built from scraped samples."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.telemetry.conftest import Samples

RULES = Path(__file__).resolve().parents[2] / "docs" / "prometheus-alerts.yml"
MINUTES = 20
"""How long the samples are held constant; alerts are judged at the end."""


def check(samples: Samples, tmp: Path, expected: dict[str, list[dict[str, str]]]) -> None:
    """Assert that promtool finds exactly ``expected`` firing (alert name -> the labels of
    each alert, the rule's own labels left out) and no other rule firing."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian's prometheus package (make system-deps)"
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    series = [
        {"series": _series(name, labels), "values": f"{value:g}x{MINUTES}"}
        for (name, labels), value in sorted(samples.items(), key=str)
        if name.startswith("zonekeeper_") and value == value  # NaN: no sample
    ]
    tests = [
        {
            "eval_time": f"{MINUTES}m",
            "alertname": rule["alert"],
            "exp_alerts": [_expected(rule, labels) for labels in expected.get(rule["alert"], [])],
        }
        for rule in rules
    ]
    document = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": tests}],
    }
    path = tmp / "alerts_test.yml"
    path.write_text(yaml.safe_dump(document))
    run = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _expected(rule: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    every = {**labels, **rule.get("labels", {})}
    annotations = {k: _render(v, every) for k, v in rule.get("annotations", {}).items()}
    return {"exp_labels": every, "exp_annotations": annotations}


def _render(template: str, labels: dict[str, str]) -> str:
    """Prometheus's expansion of ``{{ $labels.x }}`` (the only template the rules use)."""
    return re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", lambda m: labels[m.group(1)], template)


def _series(name: str, labels: frozenset[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_quoted(v)}"' for k, v in sorted(labels))
    return f"{name}{{{inner}}}"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
