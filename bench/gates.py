"""Benchmark: wall time of each quality gate on a generated project of about 2,000 lines.

The project comes from ``bench/gates_project.py`` (deterministic). Each gate runs once to
warm up (imports, caches), then ``--runs`` times; the median is printed. Two baselines are
measured in the same run: ``python -c pass`` in the same sandbox (the fixed cost under the
sandboxed tests) and bandit on a one-line tree (bandit's start-up cost).

    .venv/bin/python bench/gates.py [--runs 3]

Prints ``name: value`` lines: ``project_lines``, ``project_files``, one ``gate_<name>_s``
per gate, ``baseline_<name>_s``, and the tests' and bandit's time over their baselines.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gates_project  # noqa: E402

from quantumlayer_dagster.analysis.secret_scan import scan_secrets  # noqa: E402
from quantumlayer_dagster.artifacts.code import SourceFile  # noqa: E402
from quantumlayer_dagster.sandbox import Sandbox  # noqa: E402
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies  # noqa: E402
from quantumlayer_dagster.stages.performance_report import analyze_performance  # noqa: E402
from quantumlayer_dagster.stages.security_report import bandit_report  # noqa: E402
from quantumlayer_dagster.stages.semantic_validation import validate_code  # noqa: E402
from quantumlayer_dagster.supply_chain.advisories import LocalOsvService, default_advisory_db  # noqa: E402
from quantumlayer_dagster.supply_chain.vulnerability_audit import audit_requirements  # noqa: E402
from quantumlayer_dagster.testing.project_tests import run_project_tests  # noqa: E402


def _median_seconds(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: imports, file caches, the sandbox's first bwrap start
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def _checked(ok: bool, what: str) -> None:
    # a gate that silently did nothing would time nothing: stop instead
    if not ok:
        raise SystemExit(f"benchmark input broken: {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    texts = gates_project.project_files()
    files = [SourceFile(path=p, content=t) for p, t in texts.items() if p.endswith(".py")]
    requirements = gates_project.REQUIREMENTS
    advisory_db = default_advisory_db(None)
    if advisory_db is None:
        raise SystemExit("no advisory snapshot: set QL_ADVISORY_DB to a PyPA advisory-db checkout")
    sandbox = Sandbox()

    def validation() -> None:
        _checked(validate_code(files, declared=requirements).valid, "project does not validate")

    def dependencies() -> None:
        manifest = resolve_dependencies(files, gates_project.PACKAGE, declared=requirements)
        _checked(not manifest.unresolved, f"unresolved imports {manifest.unresolved}")

    def tests() -> None:
        run = run_project_tests(files, sandbox)
        _checked(run.ok, f"tests did not pass: {run.summary}")

    def bandit() -> None:
        _checked(len(bandit_report(files).scanned) == len(files), "bandit skipped files")

    def pip_audit() -> None:
        audit = audit_requirements(requirements, LocalOsvService(advisory_db))
        _checked(len(audit.audited) == len(requirements), f"audit incomplete: {audit.error}")

    def secrets() -> None:
        _checked(scan_secrets(files)[0] == [], "the generated project holds no secrets")

    def radon() -> None:
        _checked(len(analyze_performance(files).modules) == len(files), "radon skipped files")

    def python_pass_in_sandbox() -> None:
        with sandbox.workspace() as root:
            _checked(sandbox.run([sys.executable, "-c", "pass"], root).exit_code == 0, "pass")

    def bandit_one_line() -> None:
        bandit_report([SourceFile(path="empty.py", content="x = 1\n")])

    gates = {
        "validation": validation,
        "dependency_resolution": dependencies,
        "tests_in_sandbox": tests,
        "bandit": bandit,
        "pip_audit": pip_audit,
        "secrets": secrets,
        "radon": radon,
    }
    baselines = {"sandbox_python_pass": python_pass_in_sandbox, "bandit_one_line": bandit_one_line}
    print(f"runs: {args.runs}")
    print(f"project_lines: {gates_project.line_count()}")
    print(f"project_files: {len(files)}")
    print(f"sandbox_isolation: {sandbox.isolation}")
    measured = {}
    for name, action in {**baselines, **gates}.items():
        measured[name] = _median_seconds(action, args.runs)
        kind = "baseline" if name in baselines else "gate"
        print(f"{kind}_{name}_s: {measured[name]:.3f}")
    total = sum(measured[name] for name in gates)
    print(f"gates_total_s: {total:.3f}")
    tests_over = measured["tests_in_sandbox"] / measured["sandbox_python_pass"]
    bandit_over = measured["bandit"] / measured["bandit_one_line"]
    print(f"tests_over_sandbox_baseline: {tests_over:.2f}")
    print(f"bandit_over_one_line_baseline: {bandit_over:.2f}")


if __name__ == "__main__":
    main()
