"""Stage 10: scan_security runs bandit on a copy of the Python files, the secrets detector
on every file and pip-audit on the pins; the gates judge the result."""

import json

import pytest

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.security_report import scan_security

GITHUB_TOKEN = "ghp_" + "R8d2kLq9ZxV4mN7bT1cW5yH3jF6gP0sA2eU8"
CONFIG = f"""import os

GITHUB = "{GITHUB_TOKEN}"
DATABASE_URL = os.environ["DATABASE_URL"]
api_key = "Zx8#kP2mQ9vLw4Rt7"
"""

RUNNER = """\
import subprocess

password = "hunter2"


def run(command):
    subprocess.call(command, shell=True)  # nosec
    assert command
"""

TEST = """\
from app.runner import run


def test_run():
    assert run("true") is None
"""


@pytest.fixture(scope="module")
def report(advisory_snapshot):
    files = [
        SourceFile(path="app/runner.py", content=RUNNER),
        SourceFile(path="app/broken.py", content="def broken(:\n    pass\n"),
        SourceFile(path="tests/test_runner.py", content=TEST),
        SourceFile(path="web/main.go", content="package main\n"),
        SourceFile(path="app/config.py", content=CONFIG),
    ]
    return scan_security(
        files, requirements=["requests==2.19.0", "pyyaml==6.0.1"], advisories=advisory_snapshot
    )


def bandit(findings):
    return [f for f in findings if f.tool == "bandit"]


def rules(findings):
    return {(f.rule_id, f.path, f.line) for f in findings}


def test_shell_true_is_a_high_severity_b602_at_its_line(report):
    [finding] = [f for f in report.findings if f.rule_id == "B602"]
    assert (finding.path, finding.line, finding.severity) == ("app/runner.py", 7, "HIGH")
    assert finding.cwe == 78
    assert finding.test_name == "subprocess_popen_with_shell_equals_true"
    assert finding.snippet.startswith("subprocess.call(command, shell=True)")
    assert report.high_severity_count == 2  # with the GitHub token


def test_nosec_comment_in_untrusted_code_does_not_hide_the_finding(report):
    assert ("B602", "app/runner.py", 7) in rules(report.findings)


def test_hard_coded_password_is_b105(report):
    [finding] = [f for f in report.findings if f.rule_id == "B105"]
    assert (finding.path, finding.line, finding.cwe) == ("app/runner.py", 3, 259)


def test_assert_is_suppressed_in_tests_but_reported_in_source(report):
    assert ("B101", "app/runner.py", 8) in rules(report.findings)
    assert ("B101", "tests/test_runner.py", 5) in rules(report.suppressed)
    assert all(f.path != "tests/test_runner.py" for f in report.findings)


def test_sarif_log_is_version_2_1_0_and_marks_suppressed_results(report):
    assert report.sarif["version"] == "2.1.0"
    results = report.sarif["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == len(report.suppressed) == 1
    assert len(results) == len(bandit(report.findings)) + 1


def test_sarif_log_has_the_required_shape_with_one_run_per_tool(report):
    sarif = json.loads(json.dumps(report.sarif))  # what the capsule and --sarif write
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    assert [run["tool"]["driver"]["name"] for run in sarif["runs"]] == [
        "Bandit",
        "quantumlayer-secrets",
    ]
    for run in sarif["runs"]:
        rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
        assert run["results"]
        for result in run["results"]:
            assert result["ruleId"] in rule_ids
            assert result["level"] in {"none", "note", "warning", "error"}
            [location] = result["locations"]
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            assert physical["region"]["startLine"] >= 1
    secret_results = sarif["runs"][1]["results"]
    assert [(r["ruleId"], r["level"]) for r in secret_results] == [
        ("github-token", "error"),
        ("high-entropy-secret", "warning"),
    ]


def test_hard_coded_token_is_a_secrets_finding_and_never_shown_in_full(report):
    [secret, _] = [f for f in report.findings if f.tool == "secrets"]
    assert (secret.rule_id, secret.path, secret.line, secret.cwe) == (
        "github-token",
        "app/config.py",
        3,
        798,
    )
    assert secret.severity == "HIGH"
    assert GITHUB_TOKEN not in report.model_dump_json()
    assert GITHUB_TOKEN[:4] in secret.message


def test_known_vulnerable_pin_is_reported_with_its_fix(report):
    found = {(v.package, v.version, v.id): v.fix_versions for v in report.audit.vulnerabilities}
    assert found[("requests", "2.19.0", "PYSEC-2018-28")] == ["2.20.0"]
    assert report.audit.audited == ["requests==2.19.0", "pyyaml==6.0.1"]
    assert report.vulnerable_pin_count == 1
    assert "advisory-db" in report.audit.source


def test_pip_audit_json_has_pip_audits_shape(report):
    deps = {d["name"]: d for d in report.audit.pip_audit_json["dependencies"]}
    assert deps["pyyaml"]["vulns"] == []
    vuln = next(v for v in deps["requests"]["vulns"] if v["id"] == "PYSEC-2018-28")
    assert vuln["fix_versions"] == ["2.20.0"]
    assert vuln["aliases"] == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    assert report.audit.pip_audit_json["fixes"] == []


def test_gates_fail_on_the_high_findings_and_the_vulnerable_pin(report):
    high = gates.no_high_severity_findings(report)
    assert not high.passed and high.detail.startswith("2 high-severity findings (allowed 0)")
    assert gates.no_high_severity_findings(report, allowed=2).passed
    pins = gates.no_known_vulnerable_pins(report)
    assert not pins.passed and "requests==2.19.0" in pins.detail
    assert gates.no_known_vulnerable_pins(report, allowed=1).passed


def test_stricter_severity_threshold_counts_medium_findings_too(report):
    medium_or_worse = report.count_at_or_above("MEDIUM")
    assert medium_or_worse > report.high_severity_count
    gate = gates.no_high_severity_findings(report, allowed=2, threshold="MEDIUM")
    assert not gate.passed and "medium-or-worse" in gate.detail


def test_counts_by_severity_add_up(report):
    counts = report.severity_counts
    assert set(counts) == {"HIGH", "MEDIUM", "LOW"}
    assert sum(counts.values()) == len(report.findings)


def test_file_bandit_cannot_parse_is_recorded_as_an_error(report):
    assert [(e.path, "syntax error" in e.reason) for e in report.errors] == [
        ("app/broken.py", True)
    ]


def test_files_no_linter_reads_are_listed_as_not_scanned(report):
    assert report.not_scanned == ["web/main.go"]
    assert all(f.path != "web/main.go" for f in report.findings)
    assert "app/runner.py" in report.scanned


def test_markdown_lists_findings_most_severe_first(report):
    text = report.markdown()
    table_rows = [
        line for line in text.splitlines() if line.startswith(("| HIGH", "| MEDIUM", "| LOW"))
    ]
    severities = [row.split(" | ")[0] for row in table_rows]
    assert severities == sorted(severities, key=["| HIGH", "| MEDIUM", "| LOW"].index)
    assert table_rows[1].startswith("| HIGH | HIGH | B602 | `app/runner.py` | 7 | CWE-78 |")
    assert (
        "Not scanned by a code linter (neither Python nor JavaScript/TypeScript): `web/main.go`"
        in text
    )
    assert "| requests | 2.19.0 | PYSEC-2018-28 |" in text


def test_project_without_python_or_js_is_not_scanned_and_has_an_empty_sarif_log():
    result = scan_security([SourceFile(path="main.go", content="package main\n")])
    assert result.findings == [] and result.scanned == []
    assert result.sarif["version"] == "2.1.0"
    assert "Nothing scanned" in result.markdown()


@pytest.mark.slow
def test_audit_that_could_not_run_fails_the_pin_gate():
    report = scan_security([SourceFile(path="a.py", content="x = 1\n")], requirements=["six==1.0"])
    assert report.audit.error and "QL_ADVISORY_DB" in report.audit.error
    gate = gates.no_known_vulnerable_pins(report)
    assert not gate.passed and gate.detail.startswith("dependency audit did not run")


@pytest.mark.slow
def test_no_requirements_means_nothing_to_audit_and_the_pin_gate_passes():
    report = scan_security([SourceFile(path="a.py", content="x = 1\n")])
    assert report.audit.audited == [] and report.audit.error is None
    assert gates.no_known_vulnerable_pins(report).passed


def test_bandit_that_does_not_finish_in_time_raises_a_clear_error():
    with pytest.raises(RuntimeError, match="did not finish within"):
        scan_security([SourceFile(path="a.py", content="x = 1\n")], timeout_s=0.001)
