"""TypeScript checked and compiled with our own ``tsc`` and our own compiler options.

The files are written into a fresh folder with a ``package.json`` of ours (``"type":
"module"``) and named on the command line, so ``tsc`` reads no ``tsconfig.json`` of the
generated project (nor its ``@types``: ``typeRoots`` is the tools folder's). Nothing is run:
``tsc`` only reads the files. One run checks a whole tree; results are cached by the
tree's contents, since every file of one tree asks for the same run.
"""

import functools
import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from quantumlayer_dagster.analysis.node_tools import NodeToolMissing, node_tool
from quantumlayer_dagster.sandbox.tool_process import run_host_tool

COMPILER_OPTIONS: dict[str, object] = {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "esModuleInterop": True,
    "skipLibCheck": True,
    "forceConsistentCasingInFileNames": True,
    "types": ["node"],
}
"""What every TypeScript project is checked and compiled with (and what the ``tsconfig.json``
we write for a generated project says): ES modules as Node runs them, so a relative import
names the ``.js`` file the ``.ts`` one compiles to. Not ``strict``: a missing annotation is
not what stops a small program from working."""

TSC_TIMEOUT_S = 120
TYPESCRIPT_SUFFIXES = (".ts", ".mts", ".cts")
_DIAGNOSTIC = re.compile(
    r"^(?P<path>.+?)\((?P<line>\d+),(?P<col>\d+)\): (?:error|warning) TS(?P<code>\d+): "
    r"(?P<message>.*)$"
)


@dataclass(frozen=True)
class TscDiagnostic:
    """One ``tsc`` finding; line and column 1-based, ``code`` the TS number (2307...)."""

    path: str
    line: int
    column: int
    code: int
    message: str


@dataclass(frozen=True)
class TscResult:
    """The diagnostics of one ``tsc`` run, or why it could not run (``problem``)."""

    diagnostics: tuple[TscDiagnostic, ...] = ()
    problem: str | None = None


def typescript_files(contents: Mapping[str, str]) -> dict[str, str]:
    """The TypeScript sources among ``contents`` (path -> text)."""
    return {p: c for p, c in contents.items() if p.endswith(TYPESCRIPT_SUFFIXES)}


def check_typescript(contents: Mapping[str, str], tools: str | None = None) -> TscResult:
    """``tsc --noEmit`` over the TypeScript files of ``contents``; cached by content."""
    files = tuple(sorted(typescript_files(contents).items()))
    return _checked(files, tools)


@functools.lru_cache(maxsize=32)
def _checked(files: tuple[tuple[str, str], ...], tools: str | None) -> TscResult:
    with _lock_for(files), tempfile.TemporaryDirectory(prefix="ql-tsc-") as tmp:
        return _run_tsc(dict(files), Path(tmp), ["--noEmit"], tools)


_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(files: tuple[tuple[str, str], ...]) -> threading.Lock:
    # concurrent checks of the same tree (one wave's files) wait for one run, then hit the cache
    with _locks_guard:
        return _locks.setdefault(hash(files) % 64, threading.Lock())


def compile_typescript(
    contents: Mapping[str, str],
    out_dir: str = "dist",
    tools: str | None = None,
    *,
    source_maps: bool = False,
) -> tuple[dict[str, str], TscResult]:
    """Compile the TypeScript files of ``contents`` to JavaScript with ``COMPILER_OPTIONS``;
    returns the emitted files (path under ``out_dir`` -> text, e.g. ``dist/src/a.js``) and
    the run's diagnostics (a file with type errors is still emitted). ``source_maps``
    inlines a source map in each file, so ``node --enable-source-maps`` reports the
    TypeScript lines."""
    files = typescript_files(contents)
    extra = ["--outDir", out_dir, "--rootDir", ".", *(["--inlineSourceMap"] if source_maps else [])]
    with tempfile.TemporaryDirectory(prefix="ql-tsc-") as tmp:
        root = Path(tmp)
        result = _run_tsc(files, root, extra, tools)
        emitted = {
            str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted((root / out_dir).rglob("*.js"))
            if p.is_file() and not p.is_symlink()
        }
    return emitted, result


def _run_tsc(
    files: Mapping[str, str], root: Path, extra: list[str], tools: str | None
) -> TscResult:
    if not files:
        return TscResult()
    try:
        tsc = node_tool("tsc", tools)
    except NodeToolMissing as exc:
        return TscResult(problem=str(exc))
    for path, content in files.items():
        target = root / PurePosixPath(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (root / "package.json").write_text(json.dumps({"type": "module"}))
    argv = [str(tsc), "--pretty", "false", *_option_flags(tsc), *extra, *sorted(files)]
    try:
        # our trusted tsc over untrusted files: a scrubbed environment, a timeout (no keys)
        done = run_host_tool(argv, TSC_TIMEOUT_S, name="tsc", cwd=root)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return TscResult(problem=f"tsc did not finish: {exc}")
    diagnostics = tuple(d for line in done.stdout.splitlines() if (d := _diagnostic(line)))
    if done.returncode not in (0, 1, 2) or (done.returncode and not diagnostics):
        # 1 and 2 mean "errors found" (emitted or not); anything else is tsc itself failing
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return TscResult(problem=f"tsc failed (exit {done.returncode}): {tail[0]}")
    return TscResult(diagnostics=diagnostics)


def _option_flags(tsc: Path) -> list[str]:
    flags: list[str] = []
    for name, value in COMPILER_OPTIONS.items():
        if value is True:
            flags.append(f"--{name}")
        elif isinstance(value, list):
            flags += [f"--{name}", ",".join(value)]
        else:
            flags += [f"--{name}", str(value)]
    # @types from our tools folder only, never from the generated project
    return [*flags, "--typeRoots", str(tsc.parent.parent / "@types")]


def _diagnostic(line: str) -> TscDiagnostic | None:
    match = _DIAGNOSTIC.match(line.strip())
    if not match:
        return None
    return TscDiagnostic(
        path=match["path"].replace("\\", "/"),
        line=int(match["line"]),
        column=int(match["col"]),
        code=int(match["code"]),
        message=match["message"],
    )
