"""Type checking a Python project with mypy (the seed's stage 6 "type checking").

mypy reads a throwaway copy of the project's ``.py`` and ``.pyi`` files only, never the
project's own configuration: ``mypy.ini``, ``setup.cfg`` and ``pyproject.toml`` can name
plugins, which mypy imports and runs. Our configuration, written beside the copy and
passed with ``--config-file`` (so mypy looks for no other), names no plugin, reads no
site-packages (third-party imports are ``Any``: the project's environment is not ours),
uses mypy's default strictness and keeps mypy's cache in the temporary folder. mypy runs
as a host tool (``run_python_tool``: isolated interpreter, empty working folder, scrubbed
environment) under rlimits and a timeout. When it cannot run, the one finding says so,
never an empty answer.
"""

import ast
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from quantumlayer_dagster.analysis.parsing import python_imports, source_line
from quantumlayer_dagster.artifacts.code import SourceFile, tree_digest
from quantumlayer_dagster.artifacts.validation import Severity, ValidationIssue
from quantumlayer_dagster.sandbox.models import SandboxLimits
from quantumlayer_dagster.sandbox.tool_process import run_python_tool
from quantumlayer_dagster.testing.tree_writer import write_source_files

TypeCheck = Literal["off", "warn", "block"]
"""Whether mypy runs, and whether what it finds is a warning or a blocking error."""

MYPY_TIMEOUT_S = 120.0
MYPY_LIMITS = SandboxLimits(
    cpu_s=120, memory_mb=1536, file_size_mb=64, max_processes=4096, open_files=1024
)
"""mypy checks a small project in about 100 MB; a tree built to exhaust it is stopped.
The process count is high because RLIMIT_NPROC counts every process of the user."""

PROJECT_LEVEL = "."
"""The path of a finding about the whole type check (it did not run) rather than a file."""

_CONFIG = """\
[mypy]
mypy_path = {mypy_path}
cache_dir = {cache_dir}
explicit_package_bases = True
namespace_packages = True
ignore_missing_imports = True
no_site_packages = True
follow_imports = normal
show_column_numbers = True
show_error_codes = True
show_error_context = False
pretty = False
color_output = False
error_summary = False
warn_unused_configs = False
"""


def severity_of(types: TypeCheck) -> Severity:
    """What a type finding is under the gate setting ``types`` (``block``: an error)."""
    return "error" if types == "block" else "warning"


class TypeChecker:
    """mypy over one project, run as often as the project changes: every run reuses one
    cache (the standard library is analysed once, about a second; a later run of a small
    project takes a fraction of that), runs go one at a time, and a tree already checked
    is answered from memory."""

    def __init__(self, folder: Path, timeout_s: float = MYPY_TIMEOUT_S) -> None:
        self._folder = folder
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._answers: dict[str, list[ValidationIssue]] = {}
        self._runs = 0

    def check(self, files: list[SourceFile], severity: Severity) -> list[ValidationIssue]:
        """The type findings in ``files`` (a whole project), each with ``severity``; paths are
        the files' own. Files Python cannot parse are left out (mypy stops at the first, and
        the syntax check reports them). One ``PROJECT_LEVEL`` finding when mypy could not
        run; nothing when there is no Python file."""
        readable = [f for f in files if _is_python(f.path) and _parses(f.content)]
        if not readable:
            return []
        digest = tree_digest(readable)
        with self._lock:
            if digest not in self._answers:
                self._answers[digest] = self._run(readable)
        contents = {f.path: f.content.splitlines() for f in readable}
        return [
            issue.model_copy(
                update={"severity": severity, "snippet": _line(contents.get(issue.path), issue)}
            )
            for issue in self._answers[digest]
        ]

    def _run(self, files: list[SourceFile]) -> list[ValidationIssue]:
        # one stable folder for the copy: mypy's cache remembers where each module was
        root = self._folder / "project"
        shutil.rmtree(root, ignore_errors=True)
        write_source_files(files, root)
        # mypy trusts its cache for a file whose size and whole-second mtime match, so a fix
        # of the same length written within the second got the old answer: every run's copy
        # carries its own mtime, and mypy compares the content hash instead
        self._runs += 1
        for source in files:
            os.utime(root / source.path, (self._runs, self._runs))
        config = self._folder / "mypy.ini"
        config.write_text(
            _CONFIG.format(
                mypy_path=",".join(str(p) for p in _package_bases(files, root)),
                cache_dir=self._folder / "cache",
            ),
            encoding="utf-8",
        )
        args = ["--config-file", str(config), "--output", "json", str(root)]
        try:
            done = run_python_tool("mypy", args, self._timeout_s, limits=MYPY_LIMITS)
        except subprocess.TimeoutExpired:
            return [_not_run(f"mypy did not finish within {self._timeout_s:g}s")]
        except (OSError, RuntimeError) as exc:
            return [_not_run(str(exc))]
        found = [
            issue for line in done.stdout.splitlines() if (issue := _issue(line, root)) is not None
        ]
        if done.returncode == 0 or (found and done.returncode in (1, 2)):
            # exit 2 with findings: an error that stopped mypy (a module found twice), listed
            return found
        detail = (done.stderr or done.stdout).strip()[-500:] or "no output"
        return [_not_run(f"mypy failed with exit code {done.returncode}: {detail}")]


@contextmanager
def type_checker(timeout_s: float = MYPY_TIMEOUT_S) -> Iterator[TypeChecker]:
    """A ``TypeChecker`` whose copies and cache live in a temporary folder, removed after."""
    with tempfile.TemporaryDirectory(prefix="ql-mypy-") as folder:
        yield TypeChecker(Path(folder), timeout_s)


def type_issues(
    files: list[SourceFile], severity: Severity = "warning", timeout_s: float = MYPY_TIMEOUT_S
) -> list[ValidationIssue]:
    """mypy once over the project ``files`` (see ``TypeChecker.check``)."""
    with type_checker(timeout_s) as checker:
        return checker.check(files, severity)


def _is_python(path: str) -> bool:
    return PurePosixPath(path).suffix in (".py", ".pyi")


def _parses(content: str) -> bool:
    try:
        ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _package_bases(files: list[SourceFile], root: Path) -> list[Path]:
    """Where module names start: the project root, and a top-level ``src/`` (src layout)
    unless the project imports through ``src.`` itself (each file gets one name only)."""
    has_src = any(PurePosixPath(f.path).parts[0] == "src" for f in files)
    via_src = any(
        i.level == 0 and i.module.split(".")[0] == "src"
        for f in files
        for i in python_imports(f.content)
    )
    return [root, root / "src"] if has_src and not via_src else [root]


def _issue(line: str, root: Path) -> ValidationIssue | None:
    """One mypy JSON line as a finding (severity set by the caller); None for notes."""
    try:
        data: Any = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("severity") != "error":
        return None
    # the copy is outside mypy's working folder, so mypy names its files by absolute path
    where = Path(str(data.get("file", "")))
    path = where.relative_to(root) if where.is_relative_to(root) else where
    number, column = data.get("line"), data.get("column")
    has_line = isinstance(number, int) and number > 0
    return ValidationIssue(
        path=path.as_posix(),
        line=number if has_line else None,
        # mypy's JSON columns count from 0
        column=column + 1 if has_line and isinstance(column, int) and column >= 0 else None,
        kind="type",
        message=str(data.get("message", "")),
        code=data.get("code") or None,
    )


def _not_run(reason: str) -> ValidationIssue:
    return ValidationIssue(
        path=PROJECT_LEVEL, kind="type", message=f"type checking did not run: {reason}"
    )


def _line(lines: list[str] | None, issue: ValidationIssue) -> str:
    if not lines or issue.line is None or not 0 < issue.line <= len(lines):
        return ""
    return source_line(lines[issue.line - 1])
