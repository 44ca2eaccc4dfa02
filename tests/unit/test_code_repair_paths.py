"""Each repair path of code generation on the scripted provider: a first reply with the
mistake, the repair prompt carrying the finding, a fixed second reply, and the record (the
file's attempts, which the asset shows) holding both."""

import pytest

from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.stages.code_tree import generate_code
from tests.fixtures import wordcount_stages

OPS = '"""Arithmetic."""\n\n\ndef add(a, b):\n    """Add two numbers."""\n    return a + b\n'
MAIN = '"""Entry point."""\n\nfrom wordcount.ops import add\n\nprint(add(1, 2))\n'


def two_modules(llm, *, uses: bool = False, entry: str = "main", checks: str = "full"):  # type: ignore[no-untyped-def]
    """The word-count plan with ``wordcount/ops.py`` and ``wordcount/<entry>.py``."""
    structure: ProjectStructure = wordcount_stages.project_structure(llm)
    caller = f"wordcount/{entry}.py"
    files = [
        PlannedFile(path="wordcount/__init__.py", purpose="marks", kind="package_marker"),
        PlannedFile(path=caller, purpose="runs it", uses=["wordcount/ops.py"] if uses else []),
        PlannedFile(path="wordcount/ops.py", purpose="adds"),
    ]
    brief = structure.brief.model_copy(
        update={"options": structure.brief.options.model_copy(update={"generation_checks": checks})}
    )
    return structure.model_copy(update={"files": files, "brief": brief, "libraries": []})


@pytest.mark.parametrize(
    ("mistake", "finding"),
    [
        ("def f(a, a):\n    return a\n", "duplicate argument 'a' in function definition"),
        ("def f():\n    return totl\n", "Undefined name `totl` [F821]"),
        ("import frobnicator_zz\n", "import of `frobnicator_zz`: no project module"),
    ],
    ids=["compile", "name", "import"],
)
def test_a_blocking_finding_goes_back_and_the_fixed_reply_is_kept(
    scripted_llm, register_script, mistake: str, finding: str
) -> None:
    llm, _ = scripted_llm
    structure = two_modules(llm)
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": [mistake, OPS], "wordcount/main.py": MAIN}}
    )

    tree = generate_code(structure, llm)

    ops = tree.file("wordcount/ops.py")
    assert ops.content == OPS
    first, second = ops.attempts
    assert finding in first.errors[0] and second.errors == []
    assert second.sent_back == first.errors
    repair = [r for r in provider.requests_for("code_tree") if r.file == "wordcount/ops.py"][1]
    assert mistake.strip() in repair.messages[-2]["content"]
    assert finding in repair.messages[-1]["content"]


def test_a_name_a_written_sibling_does_not_define_goes_back_with_a_suggestion(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    wrong = MAIN.replace("import add", "import ad").replace("add(1", "ad(1")
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": OPS, "wordcount/main.py": [wrong, MAIN]}}
    )

    tree = generate_code(two_modules(llm), llm)

    assert tree.file("wordcount/main.py").content == MAIN
    [error] = tree.file("wordcount/main.py").attempts[0].errors
    assert error == (
        "wordcount/main.py:3 imports `ad` from 'wordcount.ops', which does not define it "
        "(did you mean `add`?)"
    )
    assert [r.file for r in provider.requests_for("code_tree")] == [
        "wordcount/ops.py",
        "wordcount/main.py",
        "wordcount/main.py",
    ]


def test_modules_are_written_after_what_they_use_and_see_its_interface(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": OPS, "wordcount/report.py": MAIN}}
    )

    generate_code(two_modules(llm, uses=True, entry="report"), llm)

    ops_request, report_request = provider.requests_for("code_tree")
    assert (ops_request.file, report_request.file) == ("wordcount/ops.py", "wordcount/report.py")
    assert "- def add(a, b): Add two numbers." in report_request.messages[-1]["content"]
    assert "wordcount/ops.py (import as wordcount.ops):" in report_request.messages[-1]["content"]
    assert "def add" not in ops_request.messages[-1]["content"]


def test_a_wrong_call_between_modules_written_together_is_repaired_by_the_project_pass(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    wrong = MAIN.replace("add(1, 2)", "add(1, 2, 3)")
    # no `uses` and no entry name: both modules are written in one wave, blind to each other
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": OPS, "wordcount/report.py": [wrong, MAIN]}}
    )

    tree = generate_code(two_modules(llm, entry="report"), llm)

    report = tree.file("wordcount/report.py")
    assert report.content == MAIN
    written, repaired = report.attempts
    assert (written.phase, written.errors) == ("write", [])
    assert repaired.phase == "project" and repaired.errors == []
    assert repaired.sent_back == [
        "wordcount/report.py:5:7 call to `add` takes 2 positional arguments but 3 were given; "
        "it is `add(a, b)` in wordcount.ops"
    ]
    last = provider.requests_for("code_tree")[-1]
    assert repaired.sent_back[0] in last.messages[-1]["content"]
    assert "- def add(a, b)" in last.messages[1]["content"]
    # what the asset shows in the UI: both attempts, what went back, and the result
    table = tree.attempts_markdown().splitlines()
    assert "| `wordcount/report.py` | 1 | - | write | - | passes |  |" in table
    assert any(
        row.startswith("| `wordcount/report.py` | 2 | - | project | wordcount/report.py:5:7 call")
        and row.endswith("| passes | yes |")
        for row in table
    )
    assert tree.repair_count == 1


def test_with_syntax_only_checks_an_undefined_name_is_not_sent_back(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": "x = totl\n", "wordcount/main.py": MAIN}}
    )

    tree = generate_code(two_modules(llm, checks="syntax"), llm)

    assert tree.file("wordcount/ops.py").content == "x = totl\n"
    assert len(provider.requests_for("code_tree")) == 2


@pytest.mark.sandbox  # the accepted test file then runs under bwrap
def test_a_test_file_importing_a_name_the_code_does_not_define_goes_back_before_it_runs(
    scripted_llm, register_script
) -> None:
    from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
    from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
    from quantumlayer_dagster.stages.test_suite import build_test_suite
    from tests.fixtures import wordcount

    llm, _ = scripted_llm
    wrong = wordcount.TEST_F1.replace("count_words", "count_wordz")
    provider = register_script(
        files={
            **wordcount.FILE_REPLIES,
            "test_suite": {
                wordcount.TEST_F1_PATH: [wrong, wordcount.TEST_F1],
                wordcount.TEST_F2_PATH: wordcount.TEST_F2,
            },
        }
    )
    plan = wordcount_stages.plan_of_tests(llm)
    code = wordcount_stages.code_tree(llm)

    suite = build_test_suite(
        plan,
        code,
        DependencyManifest(package="wordcount"),
        llm,
        Sandbox(SandboxLimits(wall_timeout_s=60)),
    )

    assert suite.run.ok, suite.run.summary
    test = next(t for t in suite.project.tests if t.path == wordcount.TEST_F1_PATH)
    first, second = test.attempts
    assert first.errors == [
        f"{wordcount.TEST_F1_PATH}:1 imports `count_wordz` from 'wordcount.counter', "
        "which does not define it (did you mean `count_words`?)"
    ]
    assert second.sent_back == first.errors and second.errors == []
    repair = [r for r in provider.requests_for("test_suite") if r.file == wordcount.TEST_F1_PATH]
    assert first.errors[0] in repair[1].messages[-1]["content"]


TYPED_OPS = OPS.replace("def add(a, b):", "def add(a: int, b: int) -> int:")


def test_with_blocking_types_a_type_error_goes_back_and_the_fixed_reply_is_kept(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    mistake = TYPED_OPS.replace("-> int:", "-> str:")
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": [mistake, TYPED_OPS], "wordcount/main.py": MAIN}}
    )

    tree = generate_code(two_modules(llm), llm, types="block")

    ops = tree.file("wordcount/ops.py")
    assert ops.content == TYPED_OPS
    first, second = ops.attempts
    assert first.errors == [
        'wordcount/ops.py:6:12 Incompatible return value type (got "int", expected "str") '
        "[return-value]"
    ]
    assert second.sent_back == first.errors and second.errors == []
    repair = [r for r in provider.requests_for("code_tree") if r.file == "wordcount/ops.py"][1]
    assert "-> str:" in repair.messages[-2]["content"]
    assert first.errors[0] in repair.messages[-1]["content"]
    table = tree.attempts_markdown()
    row = "| `wordcount/ops.py` | 2 | - | write | wordcount/ops.py:6:12 Incompatible return"
    assert row in table


def test_a_call_with_the_wrong_argument_type_is_repaired_against_the_written_sibling(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    wrong = MAIN.replace("add(1, 2)", 'add("1", 2)')
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": TYPED_OPS, "wordcount/report.py": [wrong, MAIN]}}
    )

    tree = generate_code(two_modules(llm, uses=True, entry="report"), llm, types="block")

    report = tree.file("wordcount/report.py")
    assert report.content == MAIN
    [error] = report.attempts[0].errors
    assert error.startswith('wordcount/report.py:5:11 Argument 1 to "add" has incompatible type')
    assert error.endswith("[arg-type]")
    assert error in provider.requests_for("code_tree")[-1].messages[-1]["content"]


def test_type_errors_are_not_sent_back_unless_they_block(scripted_llm, register_script) -> None:
    llm, _ = scripted_llm
    mistake = TYPED_OPS.replace("-> int:", "-> str:")
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": mistake, "wordcount/main.py": MAIN}}
    )

    tree = generate_code(two_modules(llm), llm)

    assert tree.file("wordcount/ops.py").content == mistake
    assert len(provider.requests_for("code_tree")) == 2
