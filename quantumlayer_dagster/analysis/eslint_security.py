"""Security lint of generated JavaScript/TypeScript: ESLint 9 with eslint-plugin-security.

ESLint runs from our Node tools folder (``node_tools``) with OUR flat config
(``eslint_security.config.mjs``, passed with ``--config``, so no ``eslint.config.*`` of the
project is looked up or loaded) and ``--no-inline-config`` (the untrusted code cannot
silence its own findings with ``eslint-disable`` comments, as bandit's ``--ignore-nosec``).
It reads a fresh copy of the files, in the scrubbed, time-limited tool process bandit uses.

Severity and confidence of each rule follow bandit's judgement of the Python equivalent
(``RULES``), so one gate threshold means the same for both languages: a shell command
built from a variable is HIGH (bandit B602/B605), ``eval`` of an expression MEDIUM (B307),
non-literal file paths, regexes and requires MEDIUM, bracket access with a variable key
(``detect-object-injection``, very noisy) LOW. A file ESLint cannot parse is a scan error.
"""

import json
import shutil
import subprocess
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from quantumlayer_dagster.analysis.node_tools import NodeToolMissing, node_tool
from quantumlayer_dagster.analysis.secret_scan import redact
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.security import Finding, Level, ScanError
from quantumlayer_dagster.sandbox.tool_process import run_host_tool
from quantumlayer_dagster.supply_chain.npm_metadata import installed_npm_package
from quantumlayer_dagster.testing.tree_writer import write_source_files

ESLINT_TIMEOUT_S = 120.0
"""Wall-clock limit for one ESLint run over a whole project."""
ESLINT_CONFIG = Path(__file__).with_name("eslint_security.config.mjs")
LINTED_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_PLUGIN_URL = "https://github.com/eslint-community/eslint-plugin-security/blob/main/docs/rules/"


@dataclass(frozen=True)
class RuleJudgement:
    """How a rule's findings are judged: severity, confidence and CWE."""

    severity: Level
    confidence: Level
    cwe: int | None
    description: str


RULES: dict[str, RuleJudgement] = {
    "detect-child-process": RuleJudgement(
        "HIGH", "HIGH", 78, "shell command built from a variable"
    ),
    "detect-eval-with-expression": RuleJudgement("MEDIUM", "HIGH", 95, "eval of an expression"),
    "detect-non-literal-require": RuleJudgement(
        "MEDIUM", "MEDIUM", 829, "require of a computed path"
    ),
    "detect-non-literal-fs-filename": RuleJudgement(
        "MEDIUM", "LOW", 22, "file path from a variable"
    ),
    "detect-non-literal-regexp": RuleJudgement(
        "MEDIUM", "LOW", 1333, "regular expression from a variable"
    ),
    "detect-unsafe-regex": RuleJudgement(
        "MEDIUM", "MEDIUM", 1333, "regular expression open to ReDoS"
    ),
    "detect-pseudoRandomBytes": RuleJudgement("MEDIUM", "HIGH", 338, "crypto.pseudoRandomBytes"),
    "detect-buffer-noassert": RuleJudgement(
        "MEDIUM", "HIGH", 125, "Buffer read/write without bounds check"
    ),
    "detect-new-buffer": RuleJudgement("MEDIUM", "MEDIUM", 908, "new Buffer of a variable size"),
    "detect-no-csrf-before-method-override": RuleJudgement(
        "MEDIUM", "MEDIUM", 352, "CSRF check bypassable"
    ),
    "detect-disable-mustache-escape": RuleJudgement(
        "MEDIUM", "HIGH", 79, "template escaping disabled"
    ),
    "detect-bidi-characters": RuleJudgement(
        "HIGH", "HIGH", 1007, "bidirectional characters (trojan source)"
    ),
    "detect-invisible-characters": RuleJudgement("MEDIUM", "MEDIUM", 1007, "invisible characters"),
    "detect-possible-timing-attacks": RuleJudgement(
        "LOW", "LOW", 208, "secret compared in non-constant time"
    ),
    "detect-object-injection": RuleJudgement(
        "LOW", "LOW", 915, "bracket access with a variable key"
    ),
}
_DEFAULT = RuleJudgement("MEDIUM", "MEDIUM", None, "")
# detect-child-process also reports a bare require("child_process"): bandit's B404 (LOW)
_IMPORT_ONLY = RuleJudgement("LOW", "HIGH", 78, "child_process imported")


@dataclass
class EslintResult:
    """What one ESLint run found, or why it did not run (``not_run``)."""

    scanned: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    version: str = ""
    not_run: str | None = None
    sarif_run: dict[str, Any] = field(default_factory=dict)


def is_linted(path: str) -> bool:
    """Whether ESLint's security scan covers the file ``path``."""
    return path.lower().endswith(_SUFFIXES)


def eslint_security(
    files: list[SourceFile],
    timeout_s: float = ESLINT_TIMEOUT_S,
    secrets: Collection[str] = (),
    node_tools: str | None = None,
) -> EslintResult:
    """ESLint's security rules over the JS/TS ``files`` (others are ignored); ``secrets``
    are masked wherever a message or snippet quotes them. When ESLint is not installed or
    fails (timeout, crash, unreadable output) the result says so in ``not_run``: nothing
    is reported as clean that was not scanned."""
    linted = [f for f in files if is_linted(f.path)]
    if not linted:
        return EslintResult(sarif_run=_sarif_run([], "", None))
    paths = sorted(f.path for f in linted)
    try:
        eslint = node_tool("eslint", node_tools)
        output = _run(eslint, linted, timeout_s)
    except (NodeToolMissing, RuntimeError) as exc:
        reason = f"eslint did not run: {exc}"
        return EslintResult(not_run=reason, sarif_run=_sarif_run([], "", reason))
    version = _eslint_version(eslint)
    contents = {f.path: f.content for f in linted}
    findings, errors = _parse(output, contents)
    findings = [Finding(**redact(f.model_dump(), secrets)) for f in findings]
    return EslintResult(
        scanned=paths,
        findings=sorted(findings, key=lambda f: (f.path, f.line, f.rule_id)),
        errors=errors,
        version=version,
        sarif_run=_sarif_run(findings, version, None, errors),
    )


def _run(eslint: Path, files: list[SourceFile], timeout_s: float) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:  # node_tool checked, but PATH may change between the two
        raise RuntimeError("node not found")
    script = eslint.resolve()  # .bin/eslint links to eslint/bin/eslint.js
    with tempfile.TemporaryDirectory(prefix="ql-eslint-") as tmp:
        root = (Path(tmp) / "project").resolve()
        write_source_files(files, root)
        argv = [
            node,
            str(script),
            "--config",
            str(ESLINT_CONFIG),
            "--no-inline-config",
            "--no-warn-ignored",
            "--no-error-on-unmatched-pattern",
            "--format",
            "json",
            ".",
        ]
        try:
            done = run_host_tool(
                argv,
                timeout_s,
                name="eslint",
                cwd=root,  # flat config patterns are relative to the working folder
                extra_env={"QL_ESLINT_NODE_MODULES": str(_node_modules(eslint))},
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"eslint did not finish within {timeout_s:g}s") from exc
        if done.returncode not in (0, 1):
            detail = (done.stderr or done.stdout).strip()[-800:]
            raise RuntimeError(f"eslint failed with exit code {done.returncode}: {detail}")
        try:
            results = json.loads(done.stdout)
        except ValueError as exc:
            raise RuntimeError(f"eslint wrote no readable JSON report: {exc}") from exc
        if not isinstance(results, list):
            raise RuntimeError("eslint's JSON report is not a list of files")
        for result in results:
            result["filePath"] = _relative(str(result.get("filePath", "")), root)
    return results


def _relative(file_path: str, root: Path) -> str:
    try:
        return Path(file_path).resolve().relative_to(root).as_posix()
    except ValueError:
        return PurePosixPath(file_path).name


def _node_modules(eslint: Path) -> Path:
    """The node_modules folder of the tools: the parent of ``.bin`` where eslint lives."""
    return eslint.parent.parent


def _eslint_version(eslint: Path) -> str:
    installed = installed_npm_package("eslint", [_node_modules(eslint)])
    return (installed.version or "") if installed else ""


def judgement(rule_id: str, message: str) -> RuleJudgement:
    """The severity, confidence and CWE a finding of ``rule_id`` gets (see ``RULES``)."""
    rule = rule_id.removeprefix("security/")
    if rule == "detect-child-process" and message.startswith("Found require("):
        return _IMPORT_ONLY
    return RULES.get(rule, _DEFAULT)


def _parse(
    results: list[dict[str, Any]], contents: dict[str, str]
) -> tuple[list[Finding], list[ScanError]]:
    findings: list[Finding] = []
    errors: list[ScanError] = []
    for result in results:
        path = result["filePath"]
        lines = contents.get(path, "").splitlines()
        for message in result.get("messages", []):
            text = str(message.get("message", ""))
            rule_id = message.get("ruleId")
            if message.get("fatal") or not rule_id:
                errors.append(ScanError(path=path, reason=f"{text} (line {message.get('line')})"))
                continue
            line = int(message.get("line") or 1)
            judged = judgement(rule_id, text)
            snippet = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
            findings.append(
                Finding(
                    tool="eslint",
                    rule_id=rule_id,
                    test_name=rule_id.removeprefix("security/"),
                    severity=judged.severity,
                    confidence=judged.confidence,
                    cwe=judged.cwe,
                    path=path,
                    line=line,
                    column=message.get("column"),
                    message=text,
                    snippet=snippet,
                )
            )
    return findings, errors


def _sarif_run(
    findings: list[Finding],
    version: str,
    not_run: str | None,
    errors: list[ScanError] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 run for ESLint (appended to the security report's log, after bandit's);
    an ESLint that did not run is an unsuccessful invocation with the reason."""
    used = sorted({f.rule_id for f in findings})
    driver: dict[str, Any] = {
        "name": "ESLint",
        "informationUri": "https://eslint.org",
        "rules": [_sarif_rule(rule_id) for rule_id in used],
    }
    if version:
        driver["version"] = version
    notes = [
        {
            "level": "error",
            "message": {"text": e.reason},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": e.path}}}],
        }
        for e in errors or []
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not_run is None}
    if notes:  # files it could not analyse, as bandit's log has them
        invocation["toolConfigurationNotifications"] = notes
    if not_run:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": not_run}}
        ]
    return {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": [f.sarif_result() for f in findings],
    }


def _sarif_rule(rule_id: str) -> dict[str, Any]:
    judged = judgement(rule_id, "")
    rule = rule_id.removeprefix("security/")
    tags = ["security"] + ([f"external/cwe/cwe-{judged.cwe}"] if judged.cwe else [])
    return {
        "id": rule_id,
        "name": rule,
        "shortDescription": {"text": judged.description or rule},
        "helpUri": f"{_PLUGIN_URL}{rule}.md",
        "properties": {"tags": tags},
    }
