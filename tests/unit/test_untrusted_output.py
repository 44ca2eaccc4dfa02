"""File paths, counts and sizes proposed by the LLM are untrusted: the models refuse unsafe
ones before anything is written, and the structure stage does not accept them."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.code import CodeTree, ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES, MAX_PROJECT_FILES, MAX_TEST_FILES
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.structure import (
    PlannedFile,
    ProjectStructure,
    ProjectStructureDraft,
)
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.stages.project_structure import plan_structure
from tests.fixtures import wordcount, wordcount_stages

UNSAFE_PATHS = {
    "absolute": ("/etc/cron.d/job.py", "absolute path"),
    "windows-drive": ("C:/Windows/job.py", "absolute path"),
    "parent-segment": ("wordcount/../../escape.py", "'..' segment"),
    "only-parent": ("../escape.py", "'..' segment"),
    "backslash": ("wordcount\\..\\escape.py", "backslash"),
    "nul": ("wordcount/counter.py\x00.txt", "NUL"),
    "hidden": ("wordcount/.pth", "unsafe segment"),
    "newline": ("wordcount/counter.py\n", "unsafe segment"),
    "empty": ("", "empty path"),
    "too-long": ("wordcount/" + "a" * 120 + ".py", "longer than"),
}


def source(path: str, content: str = "x = 1\n") -> SourceFile:
    return SourceFile(path=path, content=content)


def brief() -> Brief:
    return Brief(
        request_id=wordcount_stages.REQUEST_ID,
        title="Word counter",
        summary="Counts words.",
        language="python",
        options=RequestOptions(),
    )


def structure(files: list[PlannedFile], package: str = "wordcount") -> ProjectStructure:
    return ProjectStructure(
        request_id=wordcount_stages.REQUEST_ID,
        brief=brief(),
        package=package,
        files=files,
        libraries=[],
        requirement_notes=[],
    )


@pytest.mark.parametrize(("path", "reason"), UNSAFE_PATHS.values(), ids=UNSAFE_PATHS.keys())
def test_a_source_file_with_an_unsafe_path_is_rejected_saying_why(path: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        source(path)


@pytest.mark.parametrize(("path", "reason"), UNSAFE_PATHS.values(), ids=UNSAFE_PATHS.keys())
def test_a_planned_file_with_an_unsafe_path_is_rejected_saying_why(path: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        PlannedFile(path=path, purpose="does something")


@pytest.mark.parametrize(
    "path",
    ["/abs/counter.py", "wordcount/../counter.py", "wordcount\\counter.py", "Wordcount/x.py"],
)
def test_a_structure_draft_with_an_unsafe_path_is_rejected(path: str) -> None:
    with pytest.raises(ValidationError, match=r"files\.0\.path"):
        ProjectStructureDraft(package="wordcount", files=[{"path": path, "purpose": "x"}])


def test_a_safe_path_is_kept_with_empty_segments_removed() -> None:
    assert source("wordcount//io/./reader.py").path == "wordcount/io/reader.py"


def test_a_file_over_the_size_limit_is_rejected() -> None:
    with pytest.raises(ValidationError, match=f"over the {MAX_FILE_BYTES}-byte limit"):
        source("wordcount/big.py", "#" * (MAX_FILE_BYTES + 1))


def test_a_file_of_exactly_the_size_limit_is_accepted() -> None:
    assert len(source("wordcount/big.py", "#" * MAX_FILE_BYTES).content) == MAX_FILE_BYTES


def test_the_size_limit_counts_utf8_bytes_not_characters() -> None:
    two_byte_chars = "é" * (MAX_FILE_BYTES // 2 + 1)
    with pytest.raises(ValidationError, match="byte limit"):
        source("wordcount/accents.py", two_byte_chars)


def test_a_code_tree_with_a_path_twice_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"duplicate path 'wordcount/counter\.py'"):
        CodeTree(package="wordcount", files=[source("wordcount/counter.py")] * 2)


def test_a_code_tree_with_paths_differing_only_in_case_is_rejected() -> None:
    # They would overwrite each other on a case-insensitive file system (macOS, Windows).
    files = [source("wordcount/counter.py"), source("wordcount/Counter.py")]
    with pytest.raises(ValidationError, match=r"duplicate path 'wordcount/Counter\.py'"):
        CodeTree(package="wordcount", files=files)


def test_paths_equal_after_normalising_count_as_duplicates() -> None:
    files = [source("wordcount/counter.py"), source("wordcount//counter.py")]
    with pytest.raises(ValidationError, match="duplicate path"):
        CodeTree(package="wordcount", files=files)


def test_a_code_tree_over_the_file_limit_is_rejected() -> None:
    files = [source(f"wordcount/m{i}.py") for i in range(MAX_PROJECT_FILES + 1)]
    with pytest.raises(ValidationError, match=f"over the limit of {MAX_PROJECT_FILES}"):
        CodeTree(package="wordcount", files=files)


def test_a_code_tree_at_the_file_limit_is_accepted() -> None:
    files = [source(f"wordcount/m{i}.py") for i in range(MAX_PROJECT_FILES)]
    assert len(CodeTree(package="wordcount", files=files).files) == MAX_PROJECT_FILES


def test_a_project_tree_over_the_source_limit_is_rejected() -> None:
    sources = [source(f"wordcount/m{i}.py") for i in range(MAX_PROJECT_FILES + 1)]
    with pytest.raises(ValidationError, match="source files, over"):
        ProjectTree(package="wordcount", sources=sources, tests=[])


def test_a_project_tree_over_the_test_file_limit_is_rejected() -> None:
    tests = [source(f"tests/test_{i}.py") for i in range(MAX_TEST_FILES + 1)]
    with pytest.raises(ValidationError, match=f"test files, over {MAX_TEST_FILES}"):
        ProjectTree(package="wordcount", sources=[source("wordcount/a.py")], tests=tests)


def test_a_test_file_may_not_share_a_path_with_a_source_file() -> None:
    clash = source("wordcount/counter.py")
    with pytest.raises(ValidationError, match="duplicate path"):
        ProjectTree(package="wordcount", sources=[clash], tests=[clash])


def test_a_planned_file_must_be_a_module_of_a_supported_language() -> None:
    with pytest.raises(ValidationError, match="only Python, TypeScript or JavaScript modules"):
        PlannedFile(path="wordcount/run.sh", purpose="starts it")


def test_tests_cannot_be_planned_as_source_files() -> None:
    with pytest.raises(ValidationError, match="planned by the test plan"):
        PlannedFile(path="tests/test_counter.py", purpose="tests it")


def test_a_structure_with_a_path_twice_in_different_case_is_rejected() -> None:
    files = [
        PlannedFile(path="wordcount/io.py", purpose="a"),
        PlannedFile(path="wordcount/IO.py", purpose="b"),
    ]
    with pytest.raises(ValidationError, match="duplicate path"):
        structure(files)


def test_a_structure_over_the_file_limit_is_rejected() -> None:
    files = [
        PlannedFile(path=f"wordcount/m{i}.py", purpose="a") for i in range(MAX_PROJECT_FILES + 1)
    ]
    with pytest.raises(ValidationError, match=f"files planned, over {MAX_PROJECT_FILES}"):
        structure(files)


@pytest.mark.parametrize("package", ["../wordcount", "WordCount", "word-count", "a" * 31])
def test_a_structure_with_a_package_name_that_is_not_a_short_identifier_is_rejected(
    package: str,
) -> None:
    with pytest.raises(ValidationError, match="not a short lowercase identifier"):
        structure([PlannedFile(path="x/a.py", purpose="a")], package=package)


def test_a_structure_draft_over_eight_files_is_rejected() -> None:
    files = [{"path": f"wordcount/m{i}.py", "purpose": "a"} for i in range(9)]
    with pytest.raises(ValidationError, match="at most 8 items"):
        ProjectStructureDraft(package="wordcount", files=files)


def test_a_structure_reply_with_an_absolute_path_is_retried_then_fails_naming_the_field(
    scripted_llm, register_script, tmp_path: Path
) -> None:
    llm, _ = scripted_llm
    spec = wordcount_stages.requirements_spec(llm, max_repair_attempts=2)
    target = tmp_path / "planted.py"
    bad = {"package": "wordcount", "files": [{"path": str(target), "purpose": "plant a file"}]}
    provider = register_script(stages={**wordcount.STAGE_REPLIES, "project_structure": bad})

    with pytest.raises(LLMStageError) as caught:
        plan_structure(spec, llm)

    assert len(provider.requests_for("project_structure")) == 2
    assert "after 2 attempts" in caught.value.reason
    assert "files.0.path" in caught.value.reason
    assert [c.error is not None for c in caught.value.calls] == [True, True]
    assert not target.exists()


def test_a_structure_reply_needing_more_markers_than_the_file_limit_fails_the_stage(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    spec = wordcount_stages.requirements_spec(llm)
    deep = "wordcount/" + "/".join("abcdefghijklmnopqrstuvwxyz") + "/counter.py"
    reply = {"package": "wordcount", "files": [{"path": deep, "purpose": "Count words"}]}
    register_script(stages={**wordcount.STAGE_REPLIES, "project_structure": reply})
    with pytest.raises(LLMStageError):
        plan_structure(spec, llm)
