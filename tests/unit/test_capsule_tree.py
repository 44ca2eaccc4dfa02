"""The capsule packages exactly the tree the gates judged: each gate records the digest of
the tree it saw, and packaging refuses (naming the gate) when they differ."""

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile, tree_digest
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.capsule import CapsuleRefused, judged_validation
from quantumlayer_dagster.stages.semantic_validation import validate_code

MAIN = SourceFile(path="app/main.py", content="def run():\n    return 1\n")
TEST = SourceFile(path="tests/test_main.py", content="from app.main import run\n")


def suite(sources: list[SourceFile], **fields: object) -> TestSuite:
    project = ProjectTree(package="app", sources=sources, tests=[TEST])
    return TestSuite(
        request_id="r1",
        project=project,
        requirements_txt="",
        run=TestRun(passed=1, exit_code=0, summary="1 passed"),
        case_count=1,
        tested_sha256=tree_digest(project.all_files),
        **fields,
    )


def test_the_digest_names_the_tree_whatever_the_order_of_its_files() -> None:
    other = SourceFile(path="app/x.py", content="")
    assert tree_digest([MAIN, other]) == tree_digest([other, MAIN])
    assert tree_digest([MAIN]) != tree_digest([MAIN.model_copy(update={"content": "garbage"})])


def test_the_code_parses_gate_records_the_digest_of_the_tree_it_judged() -> None:
    report = validate_code([MAIN])
    assert gates.code_parses(report).tree_sha256 == tree_digest([MAIN]) != ""


def test_the_capsule_packages_the_tree_semantic_validation_judged() -> None:
    report = validate_code([MAIN])
    assert judged_validation(report, suite([MAIN])) is report


def test_a_code_file_replaced_after_validation_is_refused_naming_the_gate() -> None:
    report = validate_code([MAIN])
    garbage = MAIN.model_copy(update={"content": "x = (\n"})
    with pytest.raises(CapsuleRefused, match=r"^gate code_parses judged tree [0-9a-f]{12} but"):
        judged_validation(report, suite([garbage]))


def test_a_replaced_code_file_that_was_validated_again_is_packaged_with_that_report() -> None:
    replaced = MAIN.model_copy(update={"content": "def run():\n    return 2\n"})
    again = validate_code([replaced])
    assert (
        judged_validation(validate_code([MAIN]), suite([replaced], code_validation=again)) == again
    )


def test_a_test_run_of_another_tree_is_refused_naming_tests_pass() -> None:
    stale = suite([MAIN]).model_copy(update={"tested_sha256": tree_digest([MAIN])})
    with pytest.raises(CapsuleRefused, match=r"^gate tests_pass judged tree"):
        judged_validation(validate_code([MAIN]), stale)
