"""Names in Python judged by ruff (``analysis.ruff_names``) with what only the project knows
(``analysis.name_issues``), as semantic validation and every generation check see them."""

import tempfile

import pytest

from quantumlayer_dagster.analysis import ruff_names
from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.analysis.ruff_names import check_names, processes_started
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.semantic_validation import validate_code


def src(path: str, content: str) -> SourceFile:
    return SourceFile(path=path, content=content)


def names(files: list[SourceFile], **kwargs) -> list[tuple[str, int | None, str, str | None]]:
    """(severity, line, message, code) of every name finding of ``validate_code``."""
    report = validate_code(files, **kwargs)
    return [(i.severity, i.line, i.message, i.code) for i in report.issues if i.kind == "name"]


def test_an_undefined_name_is_an_error_with_ruffs_code_and_the_closest_bound_name():
    content = "import numpy_zz as npx\n\n\ndef mean(xs):\n    return np.mean(xs)\n"
    report = validate_code([src("stats.py", content)])
    [issue] = [i for i in report.issues if i.code == "F821"]
    assert (issue.severity, issue.kind, issue.line, issue.column) == ("error", "name", 5, 12)
    assert issue.describe() == ("stats.py:5:12 Undefined name `np` (did you mean `npx`?) [F821]")
    assert issue.snippet == "return np.mean(xs)"


def test_a_name_used_in_a_default_argument_is_checked_where_the_default_is_evaluated():
    content = "LIMIT = 10\n\n\ndef page(items, size=LIMT):\n    return items[:size]\n"
    assert names([src("paging.py", content)]) == [
        ("error", 4, "Undefined name `LIMT` (did you mean `LIMIT`?)", "F821")
    ]


def test_an_import_removed_from_a_module_that_uses_it_only_inside_a_function_is_an_error():
    content = '"""Save."""\n\n\ndef save(data, path):\n    path.write_text(json.dumps(data))\n'
    assert names([src("store.py", content)]) == [("error", 5, "Undefined name `json`", "F821")]


def test_each_undefined_name_is_reported_once_per_file_at_its_first_use():
    content = "def a():\n    return os.sep\n\n\ndef b():\n    return os.getcwd()\n"
    assert [line for _, line, _, _ in names([src("m.py", content)])] == [2]


def test_undefined_names_in_all_and_locals_used_before_assignment_are_errors():
    content = (
        '__all__ = ["run", "stop"]\ncount = 0\n\n\n'
        "def run():\n    print(count)\n    count = 1\n    return count\n"
    )
    assert sorted(code for _, _, _, code in names([src("m.py", content)])) == ["F822", "F823"]


def test_unused_imports_redefinitions_and_unused_locals_are_warnings():
    content = (
        "import os\nimport sys\n\n\ndef f():\n    unused = 1\n    return sys.argv\n\n\n"
        "def g():\n    return 1\n\n\ndef g():\n    return 2\n"
    )
    report = validate_code([src("m.py", content)])
    assert report.valid
    assert sorted((i.severity, i.code) for i in report.issues) == [
        ("warning", "F401"),
        ("warning", "F811"),
        ("warning", "F841"),
    ]


def test_a_noqa_for_the_code_hides_a_finding_but_a_file_wide_exemption_does_not():
    content = "# ruff: noqa\n# flake8: noqa\nA = frozendict  # noqa: F821\nB = frozenset_zz\n"
    assert names([src("m.py", content)]) == [
        ("error", 4, "Undefined name `frozenset_zz` (did you mean `frozenset`?)", "F821")
    ]


def test_a_star_import_of_an_unknown_module_leaves_unbound_names_unjudged_but_not_typos():
    content = (
        "from os.path import *\n\n\ndef full(parts, handler):\n    return join(*parts), handlr\n"
    )
    assert names([src("m.py", content)]) == [
        (
            "error",
            5,
            "`handlr` may be undefined, or defined from star imports (did you mean `handler`?)",
            "F405",
        )
    ]


def test_a_name_no_star_imported_project_module_binds_is_an_error():
    files = [
        src("shapes/__init__.py", ""),
        src("shapes/base.py", "from shapes.units import *\n\nclass Shape:\n    pass\n"),
        src("shapes/units.py", "METRE = 1.0\n"),
        src("shapes/circle.py", "from .base import *\n\nR = Shape, METRE, Circle_zz\n"),
    ]
    found = names(files)
    assert [(s, line, code) for s, line, _, code in found] == [("error", 3, "F405")]
    assert found[0][2] == (
        "`Circle_zz` may be undefined, or defined from star imports; "
        "no star-imported project module binds it"
    )


def test_a_module_writing_its_namespace_at_run_time_reports_only_typos():
    content = "globals().update({'RED': 1})\nHANDLER = 2\n\nprint(RED, HANDLR)\n"
    assert names([src("colours.py", content)]) == [
        ("error", 4, "Undefined name `HANDLR` (did you mean `HANDLER`?)", "F821")
    ]


def test_exec_with_its_own_namespaces_inside_a_function_does_not_hide_undefined_names():
    content = "def run(code):\n    env = {}\n    exec(code, env, env)\n    return sys.exc_info()\n"
    assert names([src("m.py", content)]) == [("error", 4, "Undefined name `sys`", "F821")]


HOSTILE = 'builtins = ["missing_name", "missing_above"]\n'
IGNORE = 'per-file-ignores = {"*.py" = ["F821"]}\n'
HOSTILE_PYPROJECT = f"[tool.ruff]\n{HOSTILE}\n[tool.ruff.lint]\n{IGNORE}"
HOSTILE_RUFF_TOML = f"{HOSTILE}\n[lint]\n{IGNORE}"
"""Configuration that would hide the undefined names below from a ruff that read it."""


def test_a_hostile_ruff_configuration_in_the_tree_is_never_read():
    files = [
        src("pyproject.toml", HOSTILE_PYPROJECT),
        src("ruff.toml", HOSTILE_RUFF_TOML),
        src("build/app.py", "print(missing_name)\n"),
    ]
    assert names(files) == [("error", 1, "Undefined name `missing_name`", "F821")]


def test_no_ruff_configuration_above_the_copy_is_read_either(tmp_path, monkeypatch):
    # ruff looks for configuration in every folder above the files it checks
    for name, text in [("pyproject.toml", HOSTILE_PYPROJECT), ("ruff.toml", HOSTILE_RUFF_TOML)]:
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    found = check_names([src("app.py", "print(missing_above)\n")])
    assert [(f.code, f.name) for f in found["app.py"].findings] == [("F821", "missing_above")]


def test_an_undefined_name_in_a_module_read_only_as_a_reference_is_reported():
    files = [src("main.py", "from big import table\n\nprint(table)\n")]
    report = validate_code(files, references={"big.py": "table = [row]\n"})
    assert [(i.path, i.line, i.code) for i in report.issues] == [("big.py", 1, "F821")]


def test_a_whole_tree_is_checked_by_one_ruff_process():
    files = [src(f"pkg/m{n}.py", f"VALUE_{n} = {n}  # tree-{n}\n") for n in range(6)]
    before = processes_started()
    report = validate_code([src("pkg/__init__.py", "# one tree\n"), *files])
    assert report.valid
    assert processes_started() - before == 1


def test_the_same_content_at_the_same_path_is_checked_once():
    source = src("calc.py", "def add(a, b):\n    return a + b  # checked once\n")
    context = project_context([source.path], [], {source.path: source.content})
    first = blocking_issues(source, context)
    before = processes_started()
    again = blocking_issues(source, context)
    assert first == again == []
    assert processes_started() == before
    blocking_issues(source.model_copy(update={"path": "other.py"}), context)
    assert processes_started() == before + 1


def test_when_ruff_cannot_run_the_file_gets_an_error_saying_so_and_nothing_is_remembered(
    monkeypatch: pytest.MonkeyPatch,
):
    source = src("slow.py", "print('not remembered')\n")
    context = project_context([source.path], [], {source.path: source.content})
    with monkeypatch.context() as patch:
        patch.setattr(ruff_names, "RUFF_TIMEOUT_S", 1e-6)
        [issue] = blocking_issues(source, context)
    assert (issue.kind, issue.severity) == ("name", "error")
    assert issue.message == "names were not checked: ruff did not finish within 1e-06s"
    assert blocking_issues(source, context) == []


def test_check_names_answers_only_for_python_files():
    found = check_names([src("a.py", "x = 1\n"), src("a.js", "let x = y;\n")])
    assert list(found) == ["a.py"]
