"""Running a Node module's examples in the sandbox: one sandbox call for many versions.

The same contract as ``run_examples`` for Python. Each ``ExampleJob`` (one version of one
module, a candidate body spliced in) is written beside its module as
``<stem>.ql-job-<n><suffix>``, so its relative imports find the same siblings. TypeScript is
compiled first by our ``tsc`` outside the sandbox (it only reads the files), with inline
source maps so an error's line is the TypeScript line; the JavaScript then runs under
``node`` in the sandbox with our harness (``node_example_harness.mjs``): a child process
per job, each example a JavaScript expression evaluated with the module's exports in scope
and bounded by ``timeout_s``. A hanging example is a failing example ("did not finish"),
never a failed run; a run the sandbox stops reports every example it did not reach as
failing with the limit's name. Results come back in a randomly named file, read without
following links (``read_report``)."""

import json
import posixpath
import secrets
from importlib import resources
from pathlib import Path

from quantumlayer_dagster.analysis.typescript_check import compile_typescript
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.node_package import OUT_DIR
from quantumlayer_dagster.generation.run_examples import (
    EXAMPLE_TIMEOUT_S,
    ExampleJob,
    ExampleOutcome,
)
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.node_test_run import find_node, node_prefix, node_problem
from quantumlayer_dagster.testing.test_reports import read_report
from quantumlayer_dagster.testing.tree_writer import write_source_files

_HARNESS = "node_example_harness.mjs"
_MODULE_PACKAGE = '{"type": "module"}\n'
_SCRIPTS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".json")


def run_node_examples(
    project: list[SourceFile],
    jobs: list[ExampleJob],
    sandbox: CodeSandbox,
    *,
    language: str,
    timeout_s: float = EXAMPLE_TIMEOUT_S,
    node: str | None = None,
) -> list[list[ExampleOutcome]]:
    """The outcome of every example of every job, in order, from one sandbox call.
    ``project`` is the tree the jobs import their siblings from."""
    if not any(job.examples for job in jobs):
        return [[] for _ in jobs]
    if sandbox.unavailable:
        return _all_failed(jobs, f"not run: {sandbox.unavailable}")
    exe = node or find_node()
    problem = node_problem(exe)
    if problem is not None or exe is None:
        return _all_failed(jobs, f"not run: {problem}")
    versions = {n: job_path(job.path, n) for n, job in enumerate(jobs) if job.examples}
    sources = {f.path: f.content for f in project if f.path.endswith(_SCRIPTS)}
    sources.update({versions[n]: jobs[n].source for n in versions})
    if language == "typescript":
        emitted, result = compile_typescript(sources, OUT_DIR, source_maps=True)
        if result.problem:
            why = f"not run: the TypeScript could not be compiled: {result.problem}"
            return _all_failed(jobs, why)
        files = {**{p: c for p, c in sources.items() if p.endswith(".json")}, **emitted}
        runnable = {n: f"{OUT_DIR}/{_compiled(p)}" for n, p in versions.items()}
    else:
        files, runnable = sources, dict(versions)
    spec = {
        "timeout_s": timeout_s,
        "jobs": [
            {
                "id": n,
                "file": runnable[n],
                "source_name": posixpath.basename(versions[n]),
                "examples": [
                    {"call": e.call, "expected": e.expected, "raises": e.raises}
                    for e in jobs[n].examples
                ],
            }
            for n in sorted(versions)
        ],
    }
    token = secrets.token_hex(8)
    harness = resources.files(__package__).joinpath(_HARNESS).read_text(encoding="utf-8")
    written = [SourceFile(path=p, content=c) for p, c in files.items() if p != "package.json"]
    written.append(SourceFile(path="package.json", content=_MODULE_PACKAGE))
    with sandbox.workspace() as root:
        write_source_files(written, root)
        spec_path = root / f".ql-examples-{token}.json"
        results_path = root / f".ql-examples-{token}.jsonl"
        (root / f".ql-harness-{token}.mjs").write_text(harness, encoding="utf-8")
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        argv = [exe, "--enable-source-maps", f".ql-harness-{token}.mjs", spec_path.name]
        run = sandbox.run([*argv, results_path.name], root, readonly=node_prefix(exe))
        text, error = read_report(Path(results_path), "example results")
    stopped = (
        f"not run: the sandbox stopped the run ({run.limit} limit)"
        if run.limit
        else f"not run: {error or 'the example runner ended early'} "
        f"(exit {run.exit_code}): {run.stderr.strip()[-200:]}"
    )
    return _read(text, jobs, stopped)


def job_path(path: str, number: int) -> str:
    """Where version ``number`` of the module at ``path`` is written: beside it, so its
    relative imports resolve as the module's do (``src/ops.ts`` -> ``src/ops.ql-job-3.ts``)."""
    stem, suffix = posixpath.splitext(path)
    return f"{stem}.ql-job-{number}{suffix}"


def _compiled(path: str) -> str:
    stem, suffix = posixpath.splitext(path)
    return stem + {".mts": ".mjs", ".cts": ".cjs"}.get(suffix, ".js")


def _read(text: str, jobs: list[ExampleJob], missing: str) -> list[list[ExampleOutcome]]:
    """The outcomes the results file holds; an example with no line gets ``missing``."""
    found: dict[tuple[int, int], tuple[bool, str]] = {}
    for line in text.splitlines():
        try:
            item = json.loads(line)
            key = (int(item["job"]), int(item["example"]))
            found.setdefault(key, (item["passed"] is True, str(item["detail"])[:400]))
        except (ValueError, KeyError, TypeError):
            continue
    return [
        [
            ExampleOutcome(example, *found.get((n, i), (False, missing)))
            for i, example in enumerate(job.examples)
        ]
        for n, job in enumerate(jobs)
    ]


def _all_failed(jobs: list[ExampleJob], detail: str) -> list[list[ExampleOutcome]]:
    return [[ExampleOutcome(e, False, detail) for e in job.examples] for job in jobs]
