"""Stage 10: scan_security runs bandit on a copy of the Python files."""

import pytest

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.security_report import scan_security

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
def report():
    files = [
        SourceFile(path="app/runner.py", content=RUNNER),
        SourceFile(path="app/broken.py", content="def broken(:\n    pass\n"),
        SourceFile(path="tests/test_runner.py", content=TEST),
        SourceFile(path="web/index.js", content="eval(location.hash);\n"),
    ]
    return scan_security(files)


def rules(findings):
    return {(f.rule_id, f.path, f.line) for f in findings}


def test_shell_true_is_a_high_severity_b602_at_its_line(report):
    [finding] = [f for f in report.findings if f.rule_id == "B602"]
    assert (finding.path, finding.line, finding.severity) == ("app/runner.py", 7, "HIGH")
    assert finding.cwe == 78
    assert finding.test_name == "subprocess_popen_with_shell_equals_true"
    assert finding.snippet.startswith("subprocess.call(command, shell=True)")
    assert report.high_severity_count == 1


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
    assert len(results) == len(report.findings) + 1


def test_counts_by_severity_add_up(report):
    counts = report.severity_counts
    assert set(counts) == {"HIGH", "MEDIUM", "LOW"}
    assert sum(counts.values()) == len(report.findings)


def test_file_bandit_cannot_parse_is_recorded_as_an_error(report):
    assert [(e.path, "syntax error" in e.reason) for e in report.errors] == [
        ("app/broken.py", True)
    ]


def test_non_python_files_are_listed_as_not_scanned(report):
    assert report.not_scanned == ["web/index.js"]
    assert "app/runner.py" in report.scanned


def test_markdown_lists_findings_most_severe_first(report):
    text = report.markdown()
    table_rows = [
        line for line in text.splitlines() if line.startswith("| HIGH") or line.startswith("| LOW")
    ]
    assert table_rows[0].startswith("| HIGH | HIGH | B602 | `app/runner.py` | 7 | CWE-78 |")
    assert "Not scanned (not Python): `web/index.js`" in text


def test_project_without_python_is_not_scanned_and_has_an_empty_sarif_log():
    result = scan_security([SourceFile(path="main.go", content="package main\n")])
    assert result.findings == [] and result.scanned == []
    assert result.sarif["version"] == "2.1.0"
    assert "Nothing scanned" in result.markdown()


def test_bandit_that_does_not_finish_in_time_raises_a_clear_error():
    with pytest.raises(RuntimeError, match="did not finish within"):
        scan_security([SourceFile(path="a.py", content="x = 1\n")], timeout_s=0.001)
