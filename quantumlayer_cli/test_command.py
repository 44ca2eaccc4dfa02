"""``quantumlayer test PATH [--json]``: run any code tree's tests in the sandbox."""

import argparse
import json
import sys
from typing import Any

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.analysis.tree_input import CodeTreeInputError, LoadedTree, load_tree
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.testing.project_tests import run_project_tests


def test_tree(args: argparse.Namespace) -> int:
    """Load the tree at ``args.path``, run its tests (pytest or node) in the sandbox and
    print the result; exit 0 when all passed, 1 when not, 2 for a bad path or option."""
    if args.timeout <= 0:
        print("error: --timeout must be a positive number of seconds", file=sys.stderr)
        return EXIT_USAGE
    try:
        tree = load_tree(args.path)
        isolation = Settings.from_env().sandbox_isolation
    except (CodeTreeInputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sandbox = Sandbox(SandboxLimits(wall_timeout_s=args.timeout), mode=isolation)
    run = run_project_tests(tree.files, sandbox)
    if args.json:
        print(json.dumps(result_json(run, tree), indent=2))
    else:
        print(result_table(run, tree))
    return EXIT_OK if run.ok else EXIT_FAILED


def result_json(run: TestRun, tree: LoadedTree) -> dict[str, Any]:
    """The one JSON object ``--json`` prints."""
    return {
        "ok": run.ok,
        "runner": run.runner,
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "timed_out": run.timed_out,
        "limit": run.limit,
        "killed_reason": run.killed_reason,
        "exit_code": run.exit_code,
        "summary": run.summary,
        "isolation": run.isolation,
        "isolation_mode": run.isolation_mode,
        "coverage_percent": run.coverage.percent,
        "tests": [
            {"name": _name(t.classname, t.name), "outcome": t.outcome, "duration": t.duration_s}
            for t in run.tests
        ],
        "skipped_files": [s.model_dump() for s in tree.skipped],
    }


def result_table(run: TestRun, tree: LoadedTree) -> str:
    """A readable report: one line per test, then the counts and how it was isolated."""
    rows = [
        (t.outcome.upper(), f"{t.duration_s:.3f}s", _name(t.classname, t.name)) for t in run.tests
    ]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(("OUTCOME", "TIME"))]
    lines = [f"{'OUTCOME':<{widths[0]}}  {'TIME':>{widths[1]}}  TEST"]
    lines += [f"{o:<{widths[0]}}  {d:>{widths[1]}}  {n}" for o, d, n in rows]
    for failure in run.failures:
        lines += ["", f"--- {_name(failure.classname, failure.name)}", failure.message]
    coverage = run.coverage.percent
    lines += [
        "",
        f"{'PASSED' if run.ok else 'NOT PASSED'}: {run.summary}",
        f"line coverage: {f'{coverage:.1f}%' if coverage is not None else run.coverage.error}",
        f"isolation: {run.isolation}",
    ]
    lines += [f"skipped file {s.path}: {s.reason}" for s in tree.skipped]
    return "\n".join(lines)


def _name(classname: str, name: str) -> str:
    return f"{classname}::{name}" if classname else name
