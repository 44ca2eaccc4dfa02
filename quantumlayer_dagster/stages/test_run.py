"""Run a project's tests with pytest in the sandbox and read the JUnit XML it leaves."""

import os
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from quantumlayer_dagster.artifacts.code import ProjectTree
from quantumlayer_dagster.artifacts.testing import Outcome, TestCaseResult, TestRun
from quantumlayer_dagster.sandbox import Sandbox, SandboxResult
from quantumlayer_dagster.tree_writer import write_source_files

MAX_JUNIT_BYTES = 1024 * 1024
MAX_MESSAGE_CHARS = 2048
OUTPUT_TAIL_CHARS = 4096
# Hidden, so no validated project path can collide with it.
JUNIT_NAME = ".ql-junit.xml"
_CONFIG_FILES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped")
_OUTCOME_OF_TAG: dict[str, Outcome] = {"failure": "failed", "error": "error", "skipped": "skipped"}
_EXIT_MEANING = {
    0: "all collected tests passed",
    1: "tests failed or errored",
    2: "pytest was interrupted (usually a collection error)",
    3: "pytest internal error",
    4: "pytest usage error",
    5: "no tests collected",
}


def run_pytest(project: ProjectTree, sandbox: Sandbox, *, python: str = sys.executable) -> TestRun:
    """Write ``project`` (sources and tests) into a fresh sandbox folder, run
    ``python -m pytest`` there, and return counts, per-test results and evidence.

    Collection errors, "no tests", timeouts and a missing or unreadable report are
    recorded in the ``TestRun`` (``ok`` is False), never raised."""
    with sandbox.workspace() as root:
        write_project(project, root)
        junit = root / JUNIT_NAME
        argv = [
            python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short",
            # A broken test file must not hide how the other files did.
            "--continue-on-collection-errors",
            f"--junitxml={junit}", "-o", "junit_family=xunit2", f"--rootdir={root}",
        ]  # fmt: skip
        result = sandbox.run(argv, root)
        xml_text, junit_error = read_junit(junit)
    return build_test_run(result, xml_text, junit_error)


def write_project(project: ProjectTree, root: Path) -> None:
    """Write every file of ``project`` under ``root``; raise ValueError for a path that
    would land outside it. Adds an empty pytest.ini when the project has no pytest config
    candidate, so pytest does not search the folders above ``root`` for one."""
    write_source_files(project.all_files, root)
    base = root.resolve()
    if not any((base / name).exists() for name in _CONFIG_FILES):
        (base / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def read_junit(path: Path) -> tuple[str, str | None]:
    """The report's text, or ("", why not). The sandboxed code could have replaced it
    with a symlink, a FIFO or something huge, so none of those is followed or read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return "", "pytest wrote no JUnit report"
    except OSError as exc:
        return "", f"JUnit report cannot be opened safely: {exc.strerror}"
    with os.fdopen(fd, "rb") as report:
        info = os.fstat(report.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "", "JUnit report is not a regular file"
        data = report.read(MAX_JUNIT_BYTES + 1)
    if len(data) > MAX_JUNIT_BYTES:
        return "", f"JUnit report is larger than {MAX_JUNIT_BYTES} bytes"
    return data.decode("utf-8", errors="replace"), None


def parse_junit(xml_text: str) -> list[TestCaseResult]:
    """Test cases from a JUnit (xunit2) report; raises ValueError on anything malformed.
    DTDs are refused outright: pytest never writes one, and entities are the XML bomb."""
    if "<!DOCTYPE" in xml_text.upper() or "<!ENTITY" in xml_text.upper():
        raise ValueError("JUnit report contains a DTD or entity declaration")
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"JUnit report is not well-formed XML: {exc}") from exc
    return [_case(element) for element in root.iter("testcase")]


def build_test_run(result: SandboxResult, xml_text: str, junit_error: str | None) -> TestRun:
    """Combine the sandbox result and the report into a ``TestRun``."""
    tests: list[TestCaseResult] = []
    if junit_error is None:
        try:
            tests = parse_junit(xml_text)
        except ValueError as exc:
            junit_error = str(exc)
    counts = {o: sum(1 for t in tests if t.outcome == o) for o in _OUTCOMES}
    run = TestRun(
        passed=counts["passed"],
        failed=counts["failed"],
        errors=counts["error"],
        skipped=counts["skipped"],
        timed_out=result.timed_out,
        exit_code=result.exit_code,
        duration_s=result.duration_s,
        isolation=result.isolation,
        tests=tests,
        failures=[t for t in tests if t.outcome in ("failed", "error")],
        junit_xml=xml_text,
        junit_error=junit_error,
        output_tail=(result.stdout + result.stderr)[-OUTPUT_TAIL_CHARS:],
        output_truncated=result.output_truncated,
    )
    return run.model_copy(update={"summary": _summary(run, result)})


def _case(element: ET.Element) -> TestCaseResult:
    outcome: Outcome = "passed"
    message = ""
    for child in element:
        found = _OUTCOME_OF_TAG.get(child.tag)
        if found:
            outcome = found
            message = _message(child.get("message", ""), child.text or "")
            break
    try:
        duration = float(element.get("time", "0") or 0)
    except ValueError:
        duration = 0.0
    return TestCaseResult(
        name=element.get("name", ""),
        classname=element.get("classname", ""),
        outcome=outcome,
        duration_s=duration,
        message=message,
    )


def _message(headline: str, details: str) -> str:
    """Headline plus the end of the traceback (where the ``E`` lines are), bounded."""
    text = f"{headline}\n{details}".strip()
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    head = headline[: MAX_MESSAGE_CHARS // 4]
    return f"{head}\n[...]\n{details[-(MAX_MESSAGE_CHARS - len(head) - 7) :]}"


def _summary(run: TestRun, result: SandboxResult) -> str:
    counts = f"{run.passed} passed, {run.failed} failed, {run.errors} errors, {run.skipped} skipped"
    if result.timed_out:
        return f"{result.killed_reason}; report: {run.junit_error or counts}"
    code = result.exit_code
    if code == 5:
        return "no tests collected (pytest exit code 5)"
    meaning = (_EXIT_MEANING.get(code) if code is not None else None) or result.killed_reason
    parts = [counts, f"pytest exit code {code}: {meaning or 'unexpected exit code'}"]
    if run.junit_error:
        parts.append(run.junit_error)
    return "; ".join(parts)
