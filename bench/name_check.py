"""Benchmark: what asking ruff about names costs, per file during code generation and per
tree in semantic validation, on the calculator project of ``bench/type_check.py``.

Prints ``name: value`` lines (medians of the timed runs, seconds):

- ``ruff_file_s`` / ``ruff_file_cpu_s``: one file with content not seen before (one ruff
  process; what ``blocking_issues`` pays for each new reply); wall and ruff's CPU seconds;
- ``ruff_cached_s``: the same file again (answered from the (path, digest) cache: the
  check before keeping a reply and the one after judge the same content);
- ``ruff_tree_s`` / ``ruff_tree_processes``: the whole tree, all new, in one call (what
  semantic validation pays) and the ruff processes it started; ``ruff_per_file_tree_s``:
  the same tree asked file by file (what it would cost without batching);
- ``blocking_issues_s`` / ``blocking_issues_cached_s``: every blocking check of one new
  file, and of the same file again;
- ``hand_written_file_s``: the hand-written finder ruff replaced, on the same file (the
  baseline: in-process, no ruff);
- ``semantic_validation_s``: stage 6 over the tree with new contents.

    .venv/bin/python bench/name_check.py [--runs 9]
"""

import argparse
import ast
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hand_written_names import undefined_names
from bench.type_check import TREE
from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.analysis.ruff_names import check_names, processes_started
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.semantic_validation import validate_code

FILE = next(f for f in TREE if f.path == "calculator/evaluator.py")


def fresh(source: SourceFile, n: int) -> SourceFile:
    """``source`` with content never checked before (a new reply for the same file)."""
    return source.model_copy(update={"content": source.content + f"\nRUN = {n}\n"})


def fresh_tree(n: int) -> list[SourceFile]:
    return [fresh(f, n) for f in TREE]


def median_s(action: Callable[[int], object], runs: int, start: int = 0) -> float:
    times = []
    for n in range(start, start + runs):
        began = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def median_cpu_s(action: Callable[[int], object], runs: int, start: int = 0) -> float:
    """Median CPU seconds (user and system) of the child processes ``action`` starts."""

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    times = []
    for n in range(start, start + runs):
        began = children()
        action(n)
        times.append(children() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    found = check_names(TREE)
    assert all(not c.not_run and not c.findings for c in found.values()), found
    step = 1000  # each measurement its own contents, never answered from the cache

    print(f"python_files: {len(TREE)}")
    print(f"ruff_file_s: {median_s(lambda n: check_names([fresh(FILE, n)]), runs):.4f}")
    cpu = median_cpu_s(lambda n: check_names([fresh(FILE, n)]), runs, step)
    print(f"ruff_file_cpu_s: {cpu:.4f}")
    print(f"ruff_cached_s: {median_s(lambda n: check_names([FILE]), runs):.6f}")

    before = processes_started()
    tree_s = median_s(lambda n: check_names(fresh_tree(n)), runs, 2 * step)
    print(f"ruff_tree_s: {tree_s:.4f}")
    print(f"ruff_tree_processes: {(processes_started() - before) / runs:g}")
    per_file = median_s(lambda n: [check_names([f]) for f in fresh_tree(n)], runs, 3 * step)
    print(f"ruff_per_file_tree_s: {per_file:.4f}")

    contents = {f.path: f.content for f in TREE}
    context = project_context(list(contents), [], contents)
    blocking = median_s(lambda n: blocking_issues(fresh(FILE, n), context), runs, 4 * step)
    print(f"blocking_issues_s: {blocking:.4f}")
    cached = median_s(lambda n: blocking_issues(FILE, context), runs)
    print(f"blocking_issues_cached_s: {cached:.4f}")

    def hand_written(n: int) -> object:
        source = fresh(FILE, n)
        return undefined_names(ast.parse(source.content), source.content, source.path)

    print(f"hand_written_file_s: {median_s(hand_written, runs):.4f}")
    validation = median_s(lambda n: validate_code(fresh_tree(n)), runs, 5 * step)
    print(f"semantic_validation_s: {validation:.4f}")


if __name__ == "__main__":
    main()
