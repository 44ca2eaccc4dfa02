"""Running examples in the sandbox: one sandbox call for many versions of a module.

Each ``ExampleJob`` is one version of one module (a candidate body spliced in) with the
examples to run against it. All jobs of a call share one work folder holding the project
(the other modules as currently chosen) and run one after another in forked children of
our harness (``example_harness``), each example bounded by ``timeout_s``. A job whose
examples hang is stopped and its examples reported as failing; a run the sandbox stops
(wall time, memory) reports every example it did not reach as failing with the limit's
name, so a hanging body is a failing example, never a failed stage."""

import json
import secrets
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.test_reports import read_report
from quantumlayer_dagster.testing.tree_writer import write_source_files

EXAMPLE_TIMEOUT_S = 2.0
"""Wall seconds for one example call (and for loading one module version)."""

_HARNESS = "example_harness.py"


@dataclass(frozen=True)
class ExampleJob:
    """One module version (``source`` as the module at ``path``) and its examples."""

    path: str
    source: str
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class ExampleOutcome:
    """How one example went: passed or not, and what happened (``returned 6``, ``raised
    ZeroDivisionError: division by zero (line 12)``, ``did not finish within 2 s``)."""

    example: Example
    passed: bool
    detail: str

    def describe(self) -> str:
        """For the model: ``add(2, 3) should be 5 but returned 6``."""
        want = (
            f"raise {self.example.raises}" if self.example.raises else f"be {self.example.expected}"
        )
        return f"`{self.example.call}` should {want} but {self.detail}"


def run_examples(
    project: list[SourceFile],
    jobs: list[ExampleJob],
    sandbox: CodeSandbox,
    *,
    timeout_s: float = EXAMPLE_TIMEOUT_S,
    python: str = sys.executable,
) -> list[list[ExampleOutcome]]:
    """The outcome of every example of every job, in order, from one sandbox call.
    ``project`` is the tree the jobs import their siblings from (a job's own module is
    executed from its ``source``, whatever the tree holds at its path)."""
    if not any(job.examples for job in jobs):
        return [[] for _ in jobs]
    if sandbox.unavailable:
        return _all_failed(jobs, f"not run: {sandbox.unavailable}")
    spec = {
        "timeout_s": timeout_s,
        "jobs": [
            {
                "id": n,
                "path": job.path,
                "module": _module_name(job.path),
                "source": job.source,
                "examples": [
                    {"call": e.call, "expected": e.expected, "raises": e.raises}
                    for e in job.examples
                ],
            }
            for n, job in enumerate(jobs)
        ],
    }
    token = secrets.token_hex(8)
    harness = resources.files(__package__).joinpath(_HARNESS).read_text(encoding="utf-8")
    with sandbox.workspace() as root:
        write_source_files(project, root)
        spec_path = root / f".ql-examples-{token}.json"
        results_path = root / f".ql-examples-{token}.jsonl"
        (root / f".ql-harness-{token}.py").write_text(harness, encoding="utf-8")
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        argv = [python, "-I", f".ql-harness-{token}.py", spec_path.name, results_path.name]
        result = sandbox.run(argv, root)
        text, error = read_report(Path(results_path), "example results")
    stopped = (
        f"not run: the sandbox stopped the run ({result.limit} limit)"
        if result.limit
        else f"not run: {error or 'the example runner ended early'} "
        f"(exit {result.exit_code}): {result.stderr.strip()[-200:]}"
    )
    return _read(text, jobs, stopped)


def _read(text: str, jobs: list[ExampleJob], missing: str) -> list[list[ExampleOutcome]]:
    """The outcomes the results file holds; an example with no line gets ``missing``."""
    found: dict[tuple[int, int], tuple[bool, str]] = {}
    for line in text.splitlines():
        try:
            item = json.loads(line)
            key = (int(item["job"]), int(item["example"]))
            found[key] = (item["passed"] is True, str(item["detail"])[:400])
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


def _module_name(path: str) -> str:
    parts = Path(path).with_suffix("").parts
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "__main__"
