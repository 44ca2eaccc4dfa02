"""Stage 10 for JS/TS: real ESLint with eslint-plugin-security from tools/node, our own
flat config only, findings with path and line in the bandit finding model and SARIF, and
"not run" (never clean) when the tools are missing."""

import json
from pathlib import Path

import pytest

from quantumlayer_dagster.analysis.eslint_security import eslint_security, judgement
from quantumlayer_dagster.analysis.node_tools import CHECKOUT_NODE_TOOLS
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.security_report import NPM_NOT_COVERED, scan_security

needs_eslint = pytest.mark.skipif(
    not (CHECKOUT_NODE_TOOLS / "eslint").is_file(),
    reason="tools/node not installed: run `make node-tools`",
)

SERVER_TS = """\
import { exec } from "child_process";

export function handle(userInput: string): void {
  eval(userInput); // eslint-disable-line
  exec(userInput);
}
"""

WORKER_JS = """\
const child_process = require("child_process");

function run(command) {
  child_process.exec(command);
}

module.exports = { run };
"""

# The project's own ESLint config is JavaScript: loading it would run generated code.
HOSTILE_CONFIG = """\
require("fs").writeFileSync({marker}, "x");
module.exports = [{{ rules: {{}} }}];
"""


@pytest.fixture(scope="module")
def marker(tmp_path_factory):
    return tmp_path_factory.mktemp("eslint") / "config-was-loaded"


@pytest.fixture(scope="module")
def node_report(marker):
    if not (CHECKOUT_NODE_TOOLS / "eslint").is_file():
        pytest.skip("tools/node not installed: run `make node-tools`")
    hostile = HOSTILE_CONFIG.format(marker=json.dumps(str(marker)))
    files = [
        SourceFile(path="package.json", content='{"name": "svc", "eslintConfig": {}}'),
        SourceFile(path="eslint.config.js", content=hostile),
        SourceFile(path="src/server.ts", content=SERVER_TS),
        SourceFile(path="src/worker.js", content=WORKER_JS),
        SourceFile(path="src/broken.js", content="const = ;\n"),
    ]
    return scan_security(files, npm_packages=[])


def eslint(findings):
    return {(f.rule_id, f.path, f.line): f for f in findings if f.tool == "eslint"}


@needs_eslint
def test_eval_of_user_input_in_typescript_is_found_at_its_line(node_report):
    finding = eslint(node_report.findings)[
        ("security/detect-eval-with-expression", "src/server.ts", 4)
    ]
    assert (finding.severity, finding.confidence, finding.cwe) == ("MEDIUM", "HIGH", 95)
    assert finding.column == 3
    assert finding.snippet.startswith("eval(userInput);")


@needs_eslint
def test_inline_disable_comment_does_not_hide_the_finding(node_report):
    assert ("security/detect-eval-with-expression", "src/server.ts", 4) in eslint(
        node_report.findings
    )


@needs_eslint
def test_shell_command_from_a_variable_is_high_in_ts_and_js(node_report):
    found = eslint(node_report.findings)
    for key in [
        ("security/detect-child-process", "src/server.ts", 5),
        ("security/detect-child-process", "src/worker.js", 4),
    ]:
        assert found[key].severity == "HIGH" and found[key].cwe == 78
    gate = gates.no_high_severity_findings(node_report)
    assert not gate.passed and "security/detect-child-process" in gate.detail


@needs_eslint
def test_the_projects_own_eslint_config_is_never_loaded(node_report, marker):
    # it would have written the marker and disabled every rule; neither happened
    assert not marker.exists()
    assert eslint(node_report.findings)
    assert "eslint.config.js" in node_report.scanned  # linted as data with our rules


@needs_eslint
def test_file_eslint_cannot_parse_is_a_scan_error(node_report):
    [error] = node_report.errors
    assert error.path == "src/broken.js" and "Parsing error" in error.reason


@needs_eslint
def test_sarif_has_an_eslint_run_between_bandit_and_secrets(node_report):
    sarif = json.loads(json.dumps(node_report.sarif))
    names = [run["tool"]["driver"]["name"] for run in sarif["runs"]]
    assert names == ["Bandit", "ESLint", "quantumlayer-secrets"]
    run = sarif["runs"][1]
    assert run["tool"]["driver"]["version"] == "9.39.5"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert (
        "external/cwe/cwe-95" in rules["security/detect-eval-with-expression"]["properties"]["tags"]
    )
    result = next(r for r in run["results"] if r["ruleId"] == "security/detect-child-process")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] in {"src/server.ts", "src/worker.js"}
    assert result["level"] == "error"
    assert run["invocations"][0]["executionSuccessful"] is True


@needs_eslint
def test_scanned_lists_the_js_and_ts_files_and_markdown_shows_the_rule(node_report):
    assert {"src/server.ts", "src/worker.js"} <= set(node_report.scanned)
    assert node_report.not_scanned == ["package.json"]
    assert "security/detect-child-process" in node_report.markdown()


@needs_eslint
def test_a_node_project_with_no_npm_packages_has_nothing_to_audit(node_report):
    assert node_report.audit.error is None
    assert gates.no_known_vulnerable_pins(node_report).passed


def test_npm_packages_are_reported_as_not_audited_never_as_clean():
    files = [SourceFile(path="package.json", content="{}")]
    report = scan_security(files, npm_packages=["express@^4.18.2"])
    assert report.audit.not_covered == f"{NPM_NOT_COVERED} (1 not audited: express@^4.18.2)"
    gate = gates.no_known_vulnerable_pins(report)
    assert not gate.passed and "PyPI advisories only" in gate.detail
    # no data for the ecosystem is not a finding about the code: it fails without stopping
    assert gate.stops is False


def test_an_audit_that_could_not_run_stops_the_run():
    report = scan_security([SourceFile(path="app.py", content="x = 1\n")], requirements=["a==1"])
    assert report.audit.error  # no advisory source given
    gate = gates.no_known_vulnerable_pins(report)
    assert not gate.passed and gate.stops is True


def test_missing_tools_folder_means_not_run_and_the_findings_gate_fails(tmp_path):
    files = [SourceFile(path="src/index.js", content="export const x = 1;\n")]
    report = scan_security(files, node_tools=str(tmp_path / "no-such-folder"))
    assert set(report.not_run) == {"eslint"}
    assert "eslint not found" in report.not_run["eslint"]
    assert report.scanned == [] and report.not_scanned == ["src/index.js"]
    gate = gates.no_high_severity_findings(report)
    assert not gate.passed and gate.detail.startswith("not run: eslint did not run")
    assert "**eslint did not run**" in report.markdown()
    [run] = [r for r in report.sarif["runs"] if r["tool"]["driver"]["name"] == "ESLint"]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_python_project_needs_no_eslint(tmp_path):
    files = [SourceFile(path="app.py", content="x = 1\n")]
    report = scan_security(files, node_tools=str(tmp_path))
    assert report.not_run == {}
    names = [run["tool"]["driver"]["name"] for run in report.sarif["runs"]]
    assert names == ["Bandit", "quantumlayer-secrets"]


@needs_eslint
def test_eslint_that_does_not_finish_in_time_is_not_run():
    files = [SourceFile(path="a.js", content="eval(x);\n")]
    result = eslint_security(files, timeout_s=0.001)
    assert result.not_run and "did not finish within" in result.not_run
    assert result.findings == []


def test_require_of_child_process_alone_is_low_like_bandits_b404():
    assert (
        judgement("security/detect-child-process", 'Found require("child_process")').severity
        == "LOW"
    )
    assert (
        judgement(
            "security/detect-child-process", "Found child_process.exec() with non Literal"
        ).severity
        == "HIGH"
    )


def test_shipped_config_is_package_data():
    config = Path(__file__).resolve().parents[2] / "quantumlayer_dagster/analysis"
    assert (config / "eslint_security.config.mjs").is_file()
