"""Reading what a sandboxed test run leaves behind: JUnit XML and coverage JSON.

Both files are written inside the sandbox, by the same uid as the tested code, so they are
untrusted: read without following links, size-capped, parsed defensively, and cross-checked
against the runner's exit code and printed summary (``report_warnings``)."""

import json
import math
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from quantumlayer_dagster.artifacts.testing import (
    CoverageReport,
    FileCoverage,
    Outcome,
    Runner,
    TestCaseResult,
    TestRun,
)
from quantumlayer_dagster.sandbox import CodeSandbox, SandboxResult

MAX_REPORT_BYTES = 1024 * 1024
MAX_MESSAGE_CHARS = 2048
OUTPUT_TAIL_CHARS = 4096
MAX_COVERED_FILES = 5000
MAX_TEST_DURATION_S = 7 * 24 * 3600.0
"""Longer than any sandbox run can last: a duration beyond it is forged or corrupt."""
_OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped")
_OUTCOME_OF_TAG: dict[str, Outcome] = {"failure": "failed", "error": "error", "skipped": "skipped"}
EXIT_MEANING: dict[Runner, dict[int, str]] = {
    "pytest": {
        0: "all collected tests passed",
        1: "tests failed or errored",
        2: "pytest was interrupted (usually a collection error)",
        3: "pytest internal error",
        4: "pytest usage error",
        5: "no tests collected",
    },
    "node": {0: "all tests passed", 1: "tests failed, or a test file could not run"},
}


def read_report(path: Path, what: str) -> tuple[str, str | None]:
    """The file's text, or ("", why not). The sandboxed code could have replaced it with a
    symlink, a FIFO or something huge, so none of those is followed or read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return "", f"the runner wrote no {what}"
    except OSError as exc:
        return "", f"{what} cannot be opened safely: {exc.strerror}"
    with os.fdopen(fd, "rb") as report:
        info = os.fstat(report.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "", f"{what} is not a regular file"
        data = report.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        return "", f"{what} is larger than {MAX_REPORT_BYTES} bytes"
    return data.decode("utf-8", errors="replace"), None


def parse_junit(xml_text: str) -> list[TestCaseResult]:
    """Test cases from a JUnit report (pytest xunit2 or Node's); raises ValueError on
    anything malformed. DTDs are refused outright: no runner writes one, and entities are
    the XML bomb."""
    if "<!DOCTYPE" in xml_text.upper() or "<!ENTITY" in xml_text.upper():
        raise ValueError("JUnit report contains a DTD or entity declaration")
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"JUnit report is not well-formed XML: {exc}") from exc
    return [_case(element) for element in root.iter("testcase")]


def parse_coverage(json_text: str, root: Path, source_paths: set[str]) -> CoverageReport:
    """Per-file line coverage of ``source_paths`` from coverage.py's JSON report (file
    names relative to ``root`` or absolute under it). Files of the project's sources that
    coverage never saw count as 0 covered of unknown size, so they are listed as missing."""
    try:
        data = json.loads(json_text, parse_constant=_refuse_constant)
        files = data["files"]
        if not isinstance(files, dict) or len(files) > MAX_COVERED_FILES:
            raise ValueError("no 'files' object of a sane size")
        measured: list[FileCoverage] = []
        for name, entry in files.items():
            path = _relative(str(name), root)
            if path not in source_paths:
                continue
            summary = entry["summary"]
            statements, covered = int(summary["num_statements"]), int(summary["covered_lines"])
            if not 0 <= covered <= statements:
                raise ValueError(f"{path}: {covered} covered of {statements} statements")
            measured.append(FileCoverage(path=path, statements=statements, covered=covered))
    except RecursionError:
        return CoverageReport(error="coverage report refused: nested too deeply", refused=True)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        return CoverageReport(error=f"coverage report refused: {exc}", refused=True)
    return CoverageReport(files=sorted(measured, key=lambda f: f.path))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a count")


class RunnerChannel(NamedTuple):
    """What the runner itself said through its own channel: exit code and outcome counts."""

    counts: dict[str, int]
    exit_code: int | None
    error: str | None


def parse_channel(text: str, error: str | None) -> RunnerChannel:
    """The counts file the pytest bootstrap writes after ``pytest.main`` returns (or why it
    cannot be used: missing because the process was killed or exited early, malformed)."""
    if error is not None:
        return RunnerChannel({}, None, error)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
        counts = {k: data[k] for k in ("passed", "failed", "error", "skipped")}
        code = data["exit_code"]
        if not all(type(v) is int and v >= 0 for v in [*counts.values(), code]):
            raise ValueError("counts are not non-negative integers")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return RunnerChannel({}, None, f"runner count channel is unusable: {exc}")
    return RunnerChannel(counts, code, None)


def not_run(sandbox: CodeSandbox, runner: Runner) -> TestRun:
    """The failed ``TestRun`` of a sandbox that refuses to run (bwrap unavailable)."""
    why = sandbox.unavailable or "sandbox unavailable"
    return TestRun(
        runner=runner, junit_error=why, summary=why, isolation=sandbox.isolation, killed_reason=why
    )


def build_test_run(
    result: SandboxResult,
    xml_text: str,
    junit_error: str | None,
    *,
    runner: Runner = "pytest",
    coverage: CoverageReport | None = None,
    printed_counts: dict[str, int] | None = None,
    channel: RunnerChannel | None = None,
) -> TestRun:
    """Combine the sandbox result, the JUnit report and coverage into a ``TestRun``.
    ``printed_counts`` ("passed"/"failed" -> n) is what the runner printed and ``channel``
    what it reported through its own channel (pytest only); both are cross-checked."""
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
        runner=runner,
        killed_reason=result.killed_reason,
        limit=result.limit,
        isolation_mode=result.isolation_mode,
        coverage=coverage or CoverageReport(error="not measured"),
    )
    warnings = report_warnings(run, printed_counts or {}, channel)
    run = run.model_copy(update={"report_warnings": warnings})
    return run.model_copy(update={"summary": _summary(run)})


def report_warnings(
    run: TestRun, printed: dict[str, int], channel: RunnerChannel | None = None
) -> list[str]:
    """Disagreements between the JUnit report, the exit code, the printed summary and the
    runner's own channel; a coverage report refused as untrustworthy."""
    found: list[str] = []
    if run.coverage.refused:
        found.append(run.coverage.error or "coverage report refused")
    if run.junit_error or run.timed_out:
        return found
    bad = run.failed + run.errors
    if run.exit_code == 0 and bad:
        found.append(f"exit code 0 but the report lists {bad} failures or errors")
    if run.exit_code == 1 and not bad:
        found.append("exit code 1 (failures) but the report lists none")
    for outcome, reported in (("passed", run.passed), ("failed", run.failed)):
        if outcome in printed and printed[outcome] != reported:
            found.append(
                f"the runner printed {printed[outcome]} {outcome}, the report says {reported}"
            )
    if channel is not None:
        found += _channel_warnings(run, channel)
    return found


def _channel_warnings(run: TestRun, channel: RunnerChannel) -> list[str]:
    if channel.error is not None:
        return [channel.error]
    found = []
    if channel.exit_code != run.exit_code:
        found.append(f"the runner returned {channel.exit_code}, the process exited {run.exit_code}")
    for outcome, reported in (("passed", run.passed), ("failed", run.failed)):
        if channel.counts[outcome] != reported:
            found.append(
                f"the runner counted {channel.counts[outcome]} {outcome}, "
                f"the report says {reported}"
            )
    return found


def printed_count(pattern: str, output: str) -> int | None:
    """The number captured by the last match of ``pattern`` in ``output``, or None."""
    matches = re.findall(pattern, output)
    return int(matches[-1]) if matches else None


def _relative(name: str, root: Path) -> str:
    path = PurePosixPath(name)
    if path.is_absolute():
        for base in (PurePosixPath(root), PurePosixPath(root.resolve())):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
    return path.as_posix()


def _case(element: ET.Element) -> TestCaseResult:
    outcome: Outcome = "passed"
    message = ""
    for child in element:
        found = _OUTCOME_OF_TAG.get(child.tag)
        if found:
            outcome = found
            message = _message(child.get("message", ""), child.text or "")
            break
    duration = _duration(element.get("time", "0") or "0", element.get("name", ""))
    return TestCaseResult(
        name=element.get("name", ""),
        classname=element.get("classname", ""),
        outcome=outcome,
        duration_s=duration,
        message=message,
    )


def _duration(text: str, name: str) -> float:
    """A test's duration; NaN, infinite, negative or absurd values are refused (ValueError):
    they would poison every total and sort downstream."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"test {name[:80]!r} has a duration that is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_TEST_DURATION_S:
        raise ValueError(f"test {name[:80]!r} has an untrustworthy duration {text[:20]!r}")
    return value


def _message(headline: str, details: str) -> str:
    """Headline plus the end of the traceback (where the ``E`` lines are), bounded."""
    text = f"{headline}\n{details}".strip()
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    head = headline[: MAX_MESSAGE_CHARS // 4]
    return f"{head}\n[...]\n{details[-(MAX_MESSAGE_CHARS - len(head) - 7) :]}"


def _summary(run: TestRun) -> str:
    text = _outcome_text(run)
    if run.isolation.startswith("process-only"):
        # Said in the one line people read: this run could reach the network.
        text += "; process-only sandbox: no network isolation"
    return text


def _outcome_text(run: TestRun) -> str:
    counts = f"{run.passed} passed, {run.failed} failed, {run.errors} errors, {run.skipped} skipped"
    if run.timed_out:
        return f"{run.killed_reason}; report: {run.junit_error or counts}"
    code = run.exit_code
    if run.runner == "pytest" and code == 5:
        return "no tests collected (pytest exit code 5)"
    meaning = EXIT_MEANING[run.runner].get(code) if code is not None else None
    parts = [counts, f"{run.runner} exit code {code}: {meaning or 'unexpected exit code'}"]
    if run.killed_reason:
        parts.append(run.killed_reason)
    if run.output_truncated:
        parts.append("output truncated")
    if run.junit_error:
        parts.append(run.junit_error)
    parts += [f"report warning: {w}" for w in run.report_warnings]
    return "; ".join(parts)
