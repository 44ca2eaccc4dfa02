"""``quantumlayer scan PATH``: bandit, the secrets detector and pip-audit on a tree on disk."""

import json

import pytest

from quantumlayer_cli import main
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES
from tests.fixtures.advisories import needs_snapshot

AWS_KEY = "AKIA" + "Z7QW3RTY5UIO9PLK"  # in two parts: this file holds no scannable key
RUNNER = """\
import subprocess


def run(command):
    return subprocess.call(command, shell=True)
"""
CLEAN = '''\
"""Word counting."""


def count(text):
    return len(text.split())
'''


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "runner.py").write_text(RUNNER)
    (root / "app" / "config.py").write_text(f'import os\n\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (root / "app" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "app" / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (root / "requirements.txt").write_text("requests==2.19.0\nflask\n")
    return root


def scan(capsys, *args):
    code = main(["scan", *map(str, args)])
    return code, capsys.readouterr().out


@needs_snapshot
def test_json_lists_bandit_and_secrets_findings_and_vulnerable_pins(tree, capsys):
    code, out = scan(capsys, tree, "--requirements", tree / "requirements.txt", "--json")
    assert code == 1
    report = json.loads(out)
    by_rule = {(f["tool"], f["rule_id"]): f for f in report["findings"]}
    shell = by_rule[("bandit", "B602")]
    assert (shell["severity"], shell["path"], shell["line"]) == ("HIGH", "app/runner.py", 5)
    secret = by_rule[("secrets", "aws-access-key-id")]
    assert (secret["severity"], secret["path"], secret["line"]) == ("HIGH", "app/config.py", 3)
    assert AWS_KEY not in out
    for finding in report["findings"]:
        assert {"tool", "rule_id", "severity", "path", "line", "message"} <= set(finding)
    vuln = next(v for v in report["vulnerabilities"] if v["id"] == "PYSEC-2018-28")
    assert vuln == {
        "package": "requests",
        "version": "2.19.0",
        "id": "PYSEC-2018-28",
        "aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
        "fix_versions": ["2.20.0"],
        "description": vuln["description"],
    }
    assert report["audit"]["skipped"][0]["package"] == "flask"


def test_binary_and_huge_files_are_skipped_with_reasons_and_the_rest_scanned(tree, capsys):
    _, out = scan(capsys, tree, "--json")
    report = json.loads(out)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["app/logo.png"].startswith("binary file")
    assert "over the" in skipped["app/huge.py"]
    assert report["scanned"] == ["app/config.py", "app/runner.py"]


def test_sarif_file_is_written_with_a_run_per_tool(tree, tmp_path, capsys):
    sarif_path = tmp_path / "out.sarif"
    scan(capsys, tree, "--sarif", sarif_path, "--json")
    sarif = json.loads(sarif_path.read_text())
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    runs = {run["tool"]["driver"]["name"]: run for run in sarif["runs"]}
    assert {"B602"} <= {r["ruleId"] for r in runs["Bandit"]["results"]}
    assert [r["ruleId"] for r in runs["quantumlayer-secrets"]["results"]] == ["aws-access-key-id"]
    assert AWS_KEY not in sarif_path.read_text()


@needs_snapshot
def test_clean_tree_exits_0_and_says_so(tmp_path, capsys):
    (tmp_path / "count.py").write_text(CLEAN)
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    code, out = scan(capsys, tmp_path, "--requirements", tmp_path / "requirements.txt")
    assert code == 0, out
    assert "0 high-severity findings (allowed 0)" in out
    assert "0 of 1 pins known vulnerable" in out


def test_fail_on_medium_is_stricter_than_the_default(tmp_path, capsys):
    (tmp_path / "settings.py").write_text('DB_PASSWORD = "Tr0ub4dor&3xQ9zL"\n')
    assert scan(capsys, tmp_path)[0] == 0
    code, out = scan(capsys, tmp_path, "--fail-on", "MEDIUM")
    assert code == 1 and "high-entropy-secret" in out


def test_readable_table_without_json(tree, capsys):
    code, out = scan(capsys, tree)
    assert code == 1
    assert "| severity | tool | rule | location | message |" in out
    assert "| HIGH | bandit | B602 | app/runner.py:5 |" in out
    assert "skipped app/logo.png: binary file" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing"], "no such file or folder"),
        (["{tmp}/file.txt"], "not a folder"),
        (["{tmp}", "--requirements", "{tmp}/nope.txt"], "no such requirements file"),
        (
            ["{tmp}", "--requirements", "{tmp}/file.txt", "--advisory-db", "{tmp}/none"],
            "QL_ADVISORY_DB",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(tmp_path, capsys, args, message):
    (tmp_path / "file.txt").write_text("requests==2.19.0\n")
    code, out = scan(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert code == 2
    assert out.startswith("error: ") and message in out
    assert "Traceback" not in out
