"""Type checking with mypy (stage 6): findings per file with line, column and mypy's code, our
configuration only (the project's own never loads a plugin), a check that could not run
said so, non-blocking by default and blocking with the gate setting."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from quantumlayer_cli.validate_command import validate
from quantumlayer_dagster.analysis.type_check import PROJECT_LEVEL, type_checker, type_issues
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.semantic_validation import validate_code
from quantumlayer_dagster.testing.tree_writer import write_source_files

INIT = SourceFile(path="calc/__init__.py", content='"""Calculator."""\n')
OPS = SourceFile(
    path="calc/ops.py",
    content='"""Operations."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n',
)
WRONG_RETURN = SourceFile(
    path="calc/ops.py",
    content='"""Operations."""\n\n\ndef add(a: int, b: int) -> str:\n    return a + b\n',
)
MESSAGE = 'Incompatible return value type (got "int", expected "str")'


def test_a_type_error_is_reported_with_its_path_line_column_and_code() -> None:
    [issue] = type_issues([INIT, WRONG_RETURN])

    assert (issue.path, issue.line, issue.column) == ("calc/ops.py", 5, 12)
    assert (issue.kind, issue.severity, issue.code) == ("type", "warning", "return-value")
    assert issue.message == MESSAGE
    assert issue.snippet == "return a + b"
    assert issue.describe() == f"calc/ops.py:5:12 {MESSAGE} [return-value]"


def test_a_clean_tree_has_no_type_issue() -> None:
    assert type_issues([INIT, OPS]) == []


def test_a_fix_of_the_same_length_written_at_once_is_judged_on_its_content() -> None:
    """mypy's cache trusts a file whose size and whole-second mtime match: a repaired reply
    of the same length as the mistake, checked within the same second, is still re-read."""
    assert len(WRONG_RETURN.content) == len(OPS.content)
    with type_checker() as checker:
        verdicts = [
            [i.code for i in checker.check([INIT, source], "error")]
            for source in (WRONG_RETURN, OPS)
        ]

    assert verdicts == [["return-value"], []]


def test_calls_between_modules_are_checked_across_a_src_layout() -> None:
    main = SourceFile(
        path="src/calc/main.py",
        content='from calc.ops import add\n\nprint(add("1", 2))\nimport requests\n',
    )
    ops = OPS.model_copy(update={"path": "src/calc/ops.py"})

    [issue] = type_issues([INIT.model_copy(update={"path": "src/calc/__init__.py"}), ops, main])

    assert (issue.path, issue.line, issue.code) == ("src/calc/main.py", 3, "arg-type")
    assert 'Argument 1 to "add" has incompatible type "str"' in issue.message


def test_the_projects_own_mypy_configuration_never_loads_its_plugin(tmp_path: Path) -> None:
    marker = tmp_path / "plugin-ran"
    plugin = SourceFile(
        path="plug.py",
        content=f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "def plugin(version):\n    from mypy.plugin import Plugin\n    return Plugin\n",
    )
    configs = [
        SourceFile(path="mypy.ini", content="[mypy]\nplugins = plug.py\n"),
        SourceFile(path="setup.cfg", content="[mypy]\nplugins = plug.py\n"),
        SourceFile(path="pyproject.toml", content='[tool.mypy]\nplugins = ["plug.py"]\n'),
        SourceFile(path="calc/mypy.ini", content="[mypy]\nplugins = ../plug.py\n"),
    ]
    inline = SourceFile(path="calc/inline.py", content="# mypy: plugins=plug.py\nx: int = 1\n")

    tree = [*configs, plugin, inline, INIT, WRONG_RETURN]

    found = type_issues(tree)

    assert not marker.exists()
    assert [(i.path, i.code) for i in found] == [("calc/ops.py", "return-value")]  # mypy ran
    # the control: mypy started in the tree with its own configuration runs the plugin
    write_source_files(tree, tmp_path / "tree")
    subprocess.run(
        [sys.executable, "-m", "mypy", "calc"], cwd=tmp_path / "tree", capture_output=True
    )
    assert marker.read_text() == "ran"


def test_a_type_check_that_cannot_run_says_so() -> None:
    [issue] = type_issues([INIT, OPS], timeout_s=0.001)

    assert issue.path == PROJECT_LEVEL and issue.kind == "type"
    assert issue.message.startswith("type checking did not run: mypy did not finish within")


def test_a_file_that_does_not_parse_is_left_to_the_syntax_check() -> None:
    broken = SourceFile(path="calc/broken.py", content="def f(:\n")

    found = type_issues([INIT, WRONG_RETURN, broken])

    assert [(i.path, i.line) for i in found] == [("calc/ops.py", 5)]


def test_type_issues_do_not_block_code_parses_by_default() -> None:
    report = validate_code([INIT, WRONG_RETURN], types="warn")

    [issue] = report.issues
    assert (issue.kind, issue.severity) == ("type", "warning")
    assert gates.code_parses(report).passed
    assert report.files[1].warning_count == 1


def test_type_issues_block_code_parses_with_the_gate_setting() -> None:
    thresholds = gates.GateThresholds(types_blocking=True)

    report = validate_code([INIT, WRONG_RETURN], types=thresholds.types)

    gate = gates.code_parses(report)
    assert not gate.passed
    assert gate.detail == f"1 errors, first: calc/ops.py:5:12 {MESSAGE} [return-value]"
    assert report.files[1].error_count == 1


def test_types_blocking_comes_from_the_environment_to_the_quality_gates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from quantumlayer_dagster.definitions import build_definitions

    monkeypatch.setenv("QL_TYPES_BLOCKING", "on")
    defs = build_definitions(Settings.from_env().model_copy(update={"home": tmp_path}))

    assert defs.resources["quality_gates"].thresholds().types == "block"


def test_validate_prints_type_issues_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for source in (INIT, WRONG_RETURN):
        (tmp_path / source.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source.path).write_text(source.content)

    code = validate(argparse.Namespace(path=str(tmp_path), json=False, types="warn"))

    out = capsys.readouterr().out
    assert code == 0
    assert f"calc/ops.py:5:12  warning  type       {MESSAGE} [return-value]" in out
    assert validate(argparse.Namespace(path=str(tmp_path), json=False, types="block")) == 1
