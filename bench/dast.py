"""Benchmark: what the dynamic test of a generated HTTP service costs, against the test
stage's sandboxed pytest run of the same project, measured in the same run.

Prints ``name: value`` lines (medians of the timed runs; seconds unless named otherwise):

- ``pytest_s``: the planted FastAPI service's own tests through ``run_pytest`` (baseline:
  what the test stage spends on the project);
- ``dast_s``: ``attack_service`` on the same project (start in the sandbox, schemathesis,
  replays, probes, stop), ``dast_startup_s`` of it until the service answered;
- ``dast_cases`` / ``dast_probes`` / ``dast_failures``: generated cases, probe requests
  and failures found (the planted crash, schema break and traversal: 3);
- ``dast_cases_per_s``: generated cases and probes per second of ``dast_s``;
- ``dast_over_pytest_ratio``: ``dast_s`` / ``pytest_s``;
- ``dast_fixed_s``: the fixed twin (no failures, so no replays).

    .venv/bin/python bench/dast.py [--runs 3] [--max-examples 25]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.dast import DastReport
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.dast.run import attack_service
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.testing.test_run import run_pytest
from tests.fixtures.http_services import fixed_service, vulnerable_service

TESTS = SourceFile(
    path="tests/test_main.py",
    content="from app.main import ratio, read_file\n\n\n"
    "def test_ratio():\n    assert ratio(4, 2) == {'ratio': 2.0}\n\n\n"
    "def test_read_file():\n    assert read_file('readme.txt') == {'content': 'hello\\n'}\n",
)


def timed(work: "object") -> tuple[float, object]:
    start = time.perf_counter()
    result = work()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=25)
    args = parser.parse_args()
    sandbox = Sandbox(SandboxLimits(wall_timeout_s=120))
    if sandbox.unavailable:
        sys.exit(sandbox.unavailable)
    options = DastOptions(max_examples=args.max_examples)
    sources = vulnerable_service()
    project = ProjectTree(package="app", sources=sources, tests=[TESTS])
    run_pytest(project, sandbox)  # warm-up: page cache, bwrap probe

    pytest_s, dast_s, fixed_s, startup_s = [], [], [], []
    report = DastReport()
    for _ in range(args.runs):
        seconds, _ = timed(lambda: run_pytest(project, sandbox))
        pytest_s.append(seconds)
        seconds, outcome = timed(lambda: attack_service(sources, sandbox, options=options))
        assert isinstance(outcome, DastReport)
        report = outcome
        dast_s.append(seconds)
        startup_s.append(report.startup_s or 0.0)
        seconds, _ = timed(lambda: attack_service(fixed_service(), sandbox, options=options))
        fixed_s.append(seconds)

    dast = statistics.median(dast_s)
    pytest = statistics.median(pytest_s)
    print(f"pytest_s: {pytest:.3f}")
    print(f"dast_s: {dast:.3f}")
    print(f"dast_startup_s: {statistics.median(startup_s):.3f}")
    print(f"dast_cases: {report.cases}")
    print(f"dast_probes: {report.probes}")
    print(f"dast_failures: {len(report.failures)}")
    print(f"dast_cases_per_s: {(report.cases + report.probes) / dast:.1f}")
    print(f"dast_over_pytest_ratio: {dast / pytest:.2f}")
    print(f"dast_fixed_s: {statistics.median(fixed_s):.3f}")


if __name__ == "__main__":
    main()
