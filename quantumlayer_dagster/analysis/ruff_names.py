"""Names in Python files judged by ruff: undefined names, names from star imports,
redefinitions and unused imports and locals (pyflakes' ``F`` rules).

ruff reads a throwaway copy of the files (``.py``/``.pyi`` only, each passed by path so no
exclusion of the tree applies), with ``--isolated``: no ``pyproject.toml``, ``ruff.toml`` or
``.ruff.toml`` is read, so a tree cannot switch a rule off, exclude itself or point ruff
anywhere. The target version is this interpreter's (its builtins are what the code meets).
A ``# noqa`` comment naming the code (or a bare one) on the line ruff reports still hides
a finding, as the file's author meant; a file-wide ``# ruff: noqa`` does not: one comment
cannot switch the name check off for a whole file.
ruff runs as a host tool (``run_host_tool``: empty working folder, scrubbed environment,
rlimits, a timeout) and writes its report to a file, so RLIMIT_FSIZE caps its size.

Findings depend only on a file's path and content, so each (path, content digest) is
checked once per process: code generation checks the same file before and after keeping
it, and semantic validation checks a whole tree in one ruff process. When ruff cannot run,
every file asked about gets ``NameCheck.not_run`` (never an empty answer), and nothing is
remembered, so the next check tries again.
"""

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.sandbox.models import SandboxLimits
from quantumlayer_dagster.sandbox.tool_process import run_host_tool
from quantumlayer_dagster.testing.tree_writer import write_source_files

BLOCKING = frozenset({"F821", "F822", "F823"})
"""Undefined name, undefined name in ``__all__``, local used before assignment: the code
fails when it reaches them."""
WARNINGS = frozenset({"F401", "F811", "F841"})
"""Unused import, redefinition of an unused name, unused local: untidy, not broken."""
STAR_USE = "F405"
"""A name bound nowhere in a file that star-imports: it may come from the star import."""
SELECTED = ",".join(sorted(BLOCKING | WARNINGS | {STAR_USE}))

RUFF_TIMEOUT_S = 60.0
RUFF_LIMITS = SandboxLimits(
    cpu_s=60, memory_mb=1024, file_size_mb=16, max_processes=4096, open_files=1024
)
"""ruff checks all of this environment's site-packages in under 512 MB; its report is
capped at 16 MB (a file over it stops ruff with SIGXFSZ, reported as not run). The
process count is high because RLIMIT_NPROC counts every process of the user."""

CACHE_ENTRIES = 4096
"""(path, digest) answers kept; the oldest go first."""

_NAME = re.compile(r"`([^`]+)`")
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)


class RuffFinding(NamedTuple):
    """One ruff finding; line and column are 1-based."""

    code: str
    line: int
    column: int
    message: str

    @property
    def name(self) -> str:
        """The name the message is about (the first one quoted in backticks)."""
        found = _NAME.search(self.message)
        return found.group(1) if found else ""


class NameCheck(NamedTuple):
    """What ruff found in one file, or why it could not look (``not_run``)."""

    findings: tuple[RuffFinding, ...] = ()
    not_run: str = ""


_cache: OrderedDict[tuple[str, str], tuple[RuffFinding, ...]] = OrderedDict()
_lock = threading.Lock()
_processes = 0


def check_names(files: list[SourceFile]) -> dict[str, NameCheck]:
    """ruff's findings for each Python file of ``files`` (path -> NameCheck), in one ruff
    process for all that were not checked before with the same content."""
    python = list({f.path: f for f in files if is_python(f.path)}.values())  # one per path
    answers: dict[str, NameCheck] = {}
    missing: list[SourceFile] = []
    with _lock:
        for source in python:
            known = _cache.get(_key(source))
            if known is None:
                missing.append(source)
            else:
                _cache.move_to_end(_key(source))
                answers[source.path] = NameCheck(known)
    if not missing:
        return answers
    try:
        found = _run(missing)
    except RuffNotRun as exc:
        return answers | {f.path: NameCheck(not_run=str(exc)) for f in missing}
    with _lock:
        for source in missing:
            findings = found.get(source.path, ())
            _cache[_key(source)] = findings
            answers[source.path] = NameCheck(findings)
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return answers


def processes_started() -> int:
    """How many ruff processes this process has started (for benchmarks and tests)."""
    return _processes


def is_python(path: str) -> bool:
    return PurePosixPath(path).suffix in (".py", ".pyi")


class RuffNotRun(Exception):
    """ruff could not run or gave no usable answer; the message says why."""


def _key(source: SourceFile) -> tuple[str, str]:
    return source.path, hashlib.sha256(source.content.encode("utf-8")).hexdigest()


@cache
def _ruff_binary() -> str:
    from ruff import find_ruff_bin  # the ruff wheel's own locator of its binary

    return str(find_ruff_bin())


def _run(files: list[SourceFile]) -> dict[str, tuple[RuffFinding, ...]]:
    global _processes
    with tempfile.TemporaryDirectory(prefix="ql-ruff-") as folder:
        root = Path(folder) / "tree"
        try:
            write_source_files(files, root)
        except (OSError, ValueError) as exc:
            raise RuffNotRun(f"the copy for ruff could not be written: {exc}") from exc
        report = Path(folder) / "report.json"
        target = f"py{sys.version_info.major}{sys.version_info.minor}"
        try:
            argv = [_ruff_binary(), "check", "--isolated", "--no-cache", "--quiet", "--ignore-noqa"]
            argv += ["--select", SELECTED, "--target-version", target]
            argv += ["--output-format", "json", "--output-file", str(report), "--"]
            argv += [str(root / f.path) for f in files]
            with _lock:
                _processes += 1
            done = run_host_tool(argv, RUFF_TIMEOUT_S, name="ruff", limits=RUFF_LIMITS)
        except subprocess.TimeoutExpired as exc:
            raise RuffNotRun(f"ruff did not finish within {RUFF_TIMEOUT_S:g}s") from exc
        except (OSError, RuntimeError) as exc:  # no binary, no prlimit
            raise RuffNotRun(f"ruff could not start: {exc}") from exc
        if done.returncode not in (0, 1):  # 1: findings; 2 and signals: ruff failed
            detail = done.stderr.strip()[-300:] or "no output"
            raise RuffNotRun(f"ruff failed with exit code {done.returncode}: {detail}")
        try:
            rows = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuffNotRun(f"ruff's report could not be read: {exc}") from exc
    lines = {f.path: f.content.splitlines() for f in files}
    found: dict[str, list[RuffFinding]] = {}
    for row in rows if isinstance(rows, list) else []:
        finding = _finding(row)
        where = Path(str(row.get("filename", "")))
        if finding is None or not where.is_relative_to(root):
            continue
        path = where.relative_to(root).as_posix()
        noqa_row = row.get("noqa_row")
        line = noqa_row if isinstance(noqa_row, int) else finding.line
        text = lines.get(path, [])[line - 1] if 0 < line <= len(lines.get(path, [])) else ""
        if not _suppressed(text, finding.code):
            found.setdefault(path, []).append(finding)
    return {
        path: tuple(sorted(items, key=lambda f: (f.line, f.column)))
        for path, items in found.items()
    }


def _suppressed(line: str, code: str) -> bool:
    """Whether ``line`` carries a ``# noqa`` for ``code`` (a bare one covers every code)."""
    directive = _NOQA.search(line)
    if directive is None:
        return False
    codes = directive.group("codes")
    return codes is None or code in re.split(r"[\s,]+", codes.upper())


def _finding(row: object) -> RuffFinding | None:
    """One row of ruff's JSON report; None for what we did not select (syntax errors)."""
    if not isinstance(row, dict) or row.get("code") not in BLOCKING | WARNINGS | {STAR_USE}:
        return None
    location = row.get("location") or {}
    line, column = location.get("row"), location.get("column")
    if not (isinstance(line, int) and isinstance(column, int)):
        return None
    return RuffFinding(str(row["code"]), line, column, str(row.get("message", "")))
