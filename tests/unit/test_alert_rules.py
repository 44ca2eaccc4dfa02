"""The Prometheus side in deploy/observability/: the rules and the scrape config pass
``promtool check``, every alert has promtool unit tests that see it fire and see it stay
quiet, and every metric the rules and the Grafana dashboard use is one the exporter serves
(or a recording rule), in PromQL that Prometheus parses."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from quantumlayer_dagster.observability.metric_catalogue import COUNTERS, GAUGES, HISTOGRAMS

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
RULES = OBSERVABILITY / "alerts.yml"
RULE_TESTS = OBSERVABILITY / "alerts_test.yml"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"


def promtool(*args: str, cwd: Path = OBSERVABILITY) -> subprocess.CompletedProcess[str]:
    """Run promtool (never skipped: `make install` installs Debian's prometheus for it)."""
    found = shutil.which("promtool")
    assert found, "promtool is not installed: run `make install` (Debian's prometheus package)"
    return subprocess.run(
        [found, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def rules() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def served_names() -> set[str]:
    names = {f"{n}_total" for n in COUNTERS} | set(GAUGES)
    for name in HISTOGRAMS:
        names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names | {r["record"] for r in rules() if "record" in r} | {"up"}


def metric_names(expr: str) -> set[str]:
    """Metric-like names in a PromQL expression (ours, the recording rules', ``up``)."""
    return set(re.findall(r"\b(quantumlayer[:_][a-z0-9_:]+|up)\b", expr))


def test_the_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_scrape_config_passes_promtool_check() -> None:
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_every_alerts_unit_tests_pass() -> None:
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    alerts = {r["alert"] for r in rules() if "alert" in r}
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]
    firing = {c["alertname"] for c in cases if c["exp_alerts"]}
    quiet = {c["alertname"] for c in cases if not c["exp_alerts"]}
    assert alerts - firing == set()
    assert alerts - quiet == set()
    assert {"QuantumLayerLLMProviderFailing", "QuantumLayerBudgetExhausted"} <= alerts
    assert {"QuantumLayerQueueStuck", "QuantumLayerExporterDown"} <= alerts


def test_every_slo_has_a_fast_and_a_slow_burn_rate_alert_over_two_windows() -> None:
    burn = [r for r in rules() if "alert" in r and "BudgetBurn" in r["alert"]]
    slos = {r["labels"]["slo"] for r in burn}
    assert slos == {"intake", "capsule_latency", "llm_errors", "gate_pass"}
    for rule in burn:
        windows = set(re.findall(r"ratio_rate(\w+)", rule["expr"]))
        expected = (
            {"1h", "5m", "6h", "30m"} if "Fast" in rule["alert"] else {"1d", "2h", "3d", "6h"}
        )
        assert windows == expected, rule["alert"]


def test_the_rules_use_only_metrics_the_exporter_serves() -> None:
    used = set().union(*(metric_names(r["expr"]) for r in rules()))
    assert used - served_names() == set()


def test_the_dashboard_has_the_panels_an_operator_needs() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    titles = {p["title"] for p in dashboard["panels"]}
    assert {
        "Request rate",
        "Request outcomes",
        "Time to capsule",
        "LLM spend per hour",
        "Gate pass rate",
        "Queue depth and oldest run",
    } <= titles
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"] and {"x", "y", "w", "h"} <= set(panel["gridPos"])
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def test_the_dashboard_uses_only_metrics_the_exporter_serves() -> None:
    used = set().union(*(metric_names(e) for e in dashboard_exprs()))
    assert used and used - served_names() == set()


def test_every_dashboard_query_is_promql_that_prometheus_parses(tmp_path: Path) -> None:
    # Grafana's $__rate_interval is not PromQL: give it a value, then let promtool parse
    # each query as a recording rule.
    records = [
        {"record": f"dashboard:query_{i}", "expr": e.replace("$__rate_interval", "5m")}
        for i, e in enumerate(dashboard_exprs())
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    done = promtool("check", "rules", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
