"""Examples run in the sandbox: every version of a module in one sandbox call, each example
bounded; a hanging example is a failing example, not a failed run."""

from pathlib import Path

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.run_examples import ExampleJob, run_examples
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from tests.fixtures.sandbox_modes import bwrap_only

EXAMPLES = (
    Example(call="add(2, 3)", expected="5"),
    Example(call="add(0.1, 0.2)", expected="0.3"),
    Example(call="add('a', 1)", raises="TypeError"),
)
PACKAGE = [SourceFile(path="calc/__init__.py", content="")]


class CountingSandbox(Sandbox):
    """The real sandbox, counting its runs."""

    runs = 0

    def run(self, argv: list[str], workdir: Path, **kwargs: object):  # type: ignore[override]
        self.runs += 1
        return super().run(argv, workdir, **kwargs)  # type: ignore[arg-type]


def job(body: str) -> ExampleJob:
    return ExampleJob("calc/ops.py", f"def add(a, b):\n{body}", EXAMPLES)


@bwrap_only
def test_every_version_of_a_module_runs_in_one_sandbox_call():
    sandbox = CountingSandbox()
    right, wrong = job("    return a + b\n"), job("    return a - b\n")
    outcomes = run_examples(PACKAGE, [right, wrong], sandbox)
    assert sandbox.runs == 1
    assert [o.passed for o in outcomes[0]] == [True, True, True]  # 0.1 + 0.2 within tolerance
    assert [o.passed for o in outcomes[1]] == [False, False, True]
    assert outcomes[1][0].describe() == "`add(2, 3)` should be 5 but returned -1"


@bwrap_only
def test_an_exception_is_reported_with_its_type_message_and_line():
    [outcomes] = run_examples(PACKAGE, [job("    x = 1\n    return a / 0\n")], Sandbox())
    assert outcomes[0].detail == "raised ZeroDivisionError: division by zero (line 3)"


@bwrap_only
def test_a_hanging_example_fails_and_the_others_still_run():
    body = "    if a == 2:\n        while True:\n            pass\n    return a + b\n"
    [outcomes] = run_examples(PACKAGE, [job(body)], Sandbox(), timeout_s=1.0)
    assert [o.passed for o in outcomes] == [False, True, True]
    assert outcomes[0].detail == "did not finish within 1 s"


@bwrap_only
def test_a_body_that_swallows_the_alarm_is_stopped_by_the_sandbox_limit_as_a_failing_example():
    body = "    while True:\n        try:\n            pass\n"
    body += "        except BaseException:\n            pass\n"
    sandbox = Sandbox(SandboxLimits(wall_timeout_s=4))
    [outcomes] = run_examples(PACKAGE, [job(body)], sandbox, timeout_s=1.0)
    assert not any(o.passed for o in outcomes)
    assert all(o.detail.startswith(("did not finish", "not run")) for o in outcomes)


@bwrap_only
def test_a_module_that_fails_to_load_fails_every_example_saying_why():
    [outcomes] = run_examples(
        PACKAGE, [ExampleJob("calc/ops.py", "import nowhere\n", EXAMPLES)], Sandbox()
    )
    assert {o.detail for o in outcomes} == {
        "the module failed to load: ModuleNotFoundError: No module named 'nowhere' (line 1)"
    }


@bwrap_only
def test_what_the_tested_code_prints_does_not_reach_the_results():
    [outcomes] = run_examples(
        PACKAGE, [job("    print('{\"job\": 0}' * 1000)\n    return a + b\n")], Sandbox()
    )
    assert outcomes[0].passed and outcomes[0].detail == "returned 5"
