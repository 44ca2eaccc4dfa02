"""The test repair loop: failures go to the LLM, one file is replaced per round, bounded,
every round recorded, and the suite carries the repaired tree."""

from collections.abc import Callable
from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.stages.test_suite import build_test_suite
from quantumlayer_dagster.testing.test_repair import repair_tests
from quantumlayer_dagster.testing.test_run import run_pytest
from tests.fixtures import wordcount, wordcount_stages

pytestmark = pytest.mark.sandbox  # every test runs pytest under bwrap

SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=60))
BUGGY = SourceFile(path="calc/ops.py", content="def add(a, b):\n    return a - b\n")
FIXED = "def add(a, b):\n    return a + b\n"
TEST = SourceFile(
    path="tests/test_ops.py",
    content="from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
)
MARKER = SourceFile(path="calc/__init__.py", content="")
NO_DEPENDENCIES = DependencyManifest(package="wordcount")


def buggy_project() -> ProjectTree:
    return ProjectTree(package="calc", sources=[MARKER, BUGGY], tests=[TEST])


@pytest.fixture
def llm_with(scripted_config: Path, register_script: Callable[..., object]):  # type: ignore[no-untyped-def]
    """A client whose ``test_repair`` replies are the given ones (in order)."""

    def make(*replies: object):  # type: ignore[no-untyped-def]
        provider = register_script(stages={"test_repair": list(replies)}, files={})
        return LiteLLMClient(load_llm_config(scripted_config)), provider

    return make


def test_failing_code_is_replaced_and_the_tests_pass(llm_with) -> None:  # type: ignore[no-untyped-def]
    llm, provider = llm_with({"path": "calc/ops.py", "content": FIXED, "reason": "add adds"})
    project = buggy_project()
    first = run_pytest(project, SANDBOX)
    assert first.failed == 1

    out = repair_tests(project, first, llm, SANDBOX, run_pytest, max_repairs=2)

    assert out.run.ok, out.run.summary
    assert out.project.sources[1].content == FIXED
    [attempt] = out.attempts
    assert (attempt.attempt, attempt.file_changed, attempt.changed_kind) == (
        1,
        "calc/ops.py",
        "code",
    )
    assert (attempt.passed, attempt.failed) == (1, 0)
    assert attempt.failures_sent[0].test == "tests.test_ops::test_add"
    assert "assert -1 == 5" in attempt.failures_sent[0].message
    prompt = provider.requests_for("test_repair")[0].messages[-1]["content"]
    assert "assert -1 == 5" in prompt and "return a - b" in prompt


def test_repairs_stop_after_the_configured_number_of_rounds(llm_with) -> None:  # type: ignore[no-untyped-def]
    still_wrong = {"path": "calc/ops.py", "content": "def add(a, b):\n    return 0\n"}
    llm, provider = llm_with(still_wrong)
    project = buggy_project()

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=2
    )

    assert [a.attempt for a in out.attempts] == [1, 2]
    assert len(provider.requests_for("test_repair")) == 2
    assert not out.run.ok
    assert "assert 0 == 5" in out.attempts[1].failures_sent[0].message


def test_a_reply_naming_a_file_outside_the_project_is_refused_and_asked_again(llm_with) -> None:  # type: ignore[no-untyped-def]
    llm, provider = llm_with(
        {"path": "../../etc/cron.d/x", "content": "boom"},
        {"path": "calc/new.py", "content": "x = 1\n"},
        {"path": "calc/ops.py", "content": FIXED},
    )
    project = buggy_project()

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=1
    )

    calls = provider.requests_for("test_repair")
    assert len(calls) == 3
    assert [f.path for f in out.project.all_files] == [f.path for f in project.all_files]
    assert out.run.ok, out.run.summary


def test_a_reply_that_does_not_parse_is_recorded_and_ends_the_loop(llm_with) -> None:  # type: ignore[no-untyped-def]
    llm, _ = llm_with({"path": "calc/ops.py", "content": "def add(a, b:\n"})
    project = buggy_project()

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=3
    )

    [attempt] = out.attempts
    assert attempt.file_changed is None
    assert attempt.error and "fails a blocking check: calc/ops.py:1" in attempt.error
    assert out.project == project


def test_a_replacement_that_breaks_what_the_tests_import_is_not_kept(llm_with) -> None:  # type: ignore[no-untyped-def]
    # parses, but no longer defines `add`, which tests/test_ops.py imports: before, this was
    # kept and the capsule shipped a tree semantic validation never judged
    llm, _ = llm_with({"path": "calc/ops.py", "content": "def plus(a, b):\n    return a + b\n"})
    project = buggy_project()

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=3
    )

    [attempt] = out.attempts
    assert attempt.file_changed is None
    assert attempt.error == (
        "the new calc/ops.py fails a blocking check: "
        "tests/test_ops.py:1 imports `add` from 'calc.ops', which does not define it"
    )
    assert out.project == project


def test_a_syntax_error_in_a_test_file_may_only_be_answered_in_that_file(llm_with) -> None:  # type: ignore[no-untyped-def]
    broken = TEST.model_copy(
        update={"content": TEST.content.replace("def test_add():", "def test_add(:")}
    )
    fixed_test = {"path": "tests/test_ops.py", "content": TEST.content}
    llm, provider = llm_with(fixed_test)
    project = ProjectTree(
        package="calc",
        sources=[MARKER, BUGGY.model_copy(update={"content": FIXED})],
        tests=[broken],
    )

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=1
    )

    [request] = provider.requests_for("test_repair")
    schema = request.params["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["path"]["enum"] == ["tests/test_ops.py"]
    assert out.attempts[0].file_changed == "tests/test_ops.py"
    assert out.run.ok, out.run.summary


def test_a_passing_run_is_not_sent_for_repair(llm_with) -> None:  # type: ignore[no-untyped-def]
    llm, provider = llm_with({"path": "calc/ops.py", "content": FIXED})
    fixed = ProjectTree(
        package="calc", sources=[MARKER, BUGGY.model_copy(update={"content": FIXED})], tests=[TEST]
    )
    out = repair_tests(fixed, run_pytest(fixed, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=2)
    assert out.attempts == []
    assert provider.requests_for("test_repair") == []


def test_suite_carries_the_repaired_test_and_every_attempt(
    scripted_config, register_script
) -> None:  # type: ignore[no-untyped-def]
    wrong_f2 = wordcount.TEST_F2.replace('("a", 2)', '("a", 1)')
    fixed_f2 = wordcount.TEST_F2.removeprefix("```python\n").removesuffix("```")
    register_script(
        stages={
            **wordcount.STAGE_REPLIES,
            "test_repair": {
                "path": wordcount.TEST_F2_PATH,
                "content": fixed_f2,
                "reason": "a appears twice",
            },
        },
        files={
            **wordcount.FILE_REPLIES,
            "test_suite": {
                wordcount.TEST_F1_PATH: wordcount.TEST_F1,
                wordcount.TEST_F2_PATH: wrong_f2,
            },
        },
    )
    llm = LiteLLMClient(load_llm_config(scripted_config))
    plan = wordcount_stages.plan_of_tests(llm)
    code = wordcount_stages.code_tree(llm)

    suite = build_test_suite(plan, code, NO_DEPENDENCIES, llm, SANDBOX, max_repairs=2)

    assert suite.run.ok, suite.run.summary
    assert "1 failed" in suite.first_run_summary
    [attempt] = suite.repairs
    assert (attempt.file_changed, attempt.changed_kind, attempt.reason) == (
        wordcount.TEST_F2_PATH,
        "test",
        "a appears twice",
    )
    assert suite.project.tests[1].content == fixed_f2
    assert any(c.stage == "test_repair" for c in suite.llm.calls)
    table = suite.repairs_markdown()
    assert f"`{wordcount.TEST_F2_PATH}` (test)" in table and "1 failed" in table


def test_a_repair_that_deletes_the_failing_test_is_recorded_as_removing_it(llm_with) -> None:  # type: ignore[no-untyped-def]
    gutted = "from calc.ops import add\n\n\ndef test_imports():\n    assert add\n"
    two_tests = TEST.model_copy(
        update={"content": TEST.content + "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"}
    )
    project = ProjectTree(package="calc", sources=[MARKER, BUGGY], tests=[two_tests])
    llm, _ = llm_with({"path": "tests/test_ops.py", "content": gutted})

    out = repair_tests(
        project, run_pytest(project, SANDBOX), llm, SANDBOX, run_pytest, max_repairs=1
    )

    [attempt] = out.attempts
    assert attempt.changed_kind == "test"
    assert attempt.tests_removed == 1
    assert out.run.ok  # it passes now, and the record shows how
