"""Stage 6: validate_code over a generated tree."""

from quantumlayer_dagster.analysis.parsing import syntax_errors
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.semantic_validation import validate_code


def src(path: str, content: str) -> SourceFile:
    return SourceFile(path=path, content=content)


def errors(report) -> list:
    """The issues that make a report invalid (unused imports in these trees are warnings)."""
    return [i for i in report.issues if i.severity == "error"]


def test_clean_project_is_valid_and_every_file_counts_as_validated():
    files = [
        src("shop/__init__.py", ""),
        src("shop/models.py", "class Item:\n    price = 1\n"),
        src(
            "shop/api.py",
            "from .models import Item\nfrom shop import models\n\nALL = [Item, models]\n",
        ),
        src("web/app.js", "export const x = 1;\n"),
    ]
    report = validate_code(files)
    assert report.valid
    assert report.issues == []
    assert report.files_validated == 4
    assert report.files_not_validated == []


def test_syntax_error_makes_the_report_invalid_and_names_file_and_line():
    report = validate_code([src("shop/api.py", "x = 1\ndef f(:\n    pass\n")])
    assert not report.valid
    assert report.error_count == 1
    issue = report.issues[0]
    assert (issue.path, issue.line, issue.kind, issue.severity) == (
        "shop/api.py",
        2,
        "syntax",
        "error",
    )


def test_return_outside_function_is_a_compile_error_tree_sitter_accepts():
    content = "x = 1\nreturn x\n"
    assert syntax_errors("main.py", content) == []
    report = validate_code([src("main.py", content)])
    assert not report.valid
    [issue] = report.issues
    assert (issue.kind, issue.line, issue.column) == ("compile", 2, 1)
    assert "'return' outside function" in issue.message
    assert issue.snippet == "return x"


def test_indentation_error_tree_sitter_accepts_is_caught_by_compile_as_a_syntax_error():
    report = validate_code([src("main.py", "if ready:\npass\n")])
    [issue] = report.issues
    assert (issue.kind, issue.line) == ("syntax", 2)
    assert "expected an indented block" in issue.message


def test_compile_error_on_a_line_tree_sitter_already_flagged_is_not_repeated():
    report = validate_code([src("main.py", "x = 1 = 2\n")])
    assert [(i.kind, i.line) for i in report.issues] == [("syntax", 1)]


def test_compile_warning_is_reported_as_a_warning_and_keeps_the_report_valid():
    report = validate_code([src("main.py", "x = 3\nok = x is 1\n")])
    assert report.valid
    [issue] = report.issues
    assert (issue.severity, issue.kind, issue.line) == ("warning", "compile", 2)


def test_file_without_grammar_is_listed_as_not_validated_and_never_counted_valid():
    report = validate_code([src("main.py", "x = 1\n"), src("config/app.toml", "[[[ broken")])
    assert report.files_validated == 1
    assert report.files_not_validated == ["config/app.toml"]
    assert "not validated" in report.markdown()


def test_import_of_a_project_module_that_does_not_exist_is_an_import_error():
    files = [
        src("shop/__init__.py", ""),
        src("shop/api.py", "from shop.db import session\nfrom .cache import get\n"),
    ]
    found = errors(validate_code(files))
    assert [(i.kind, i.line) for i in found] == [("import", 1), ("import", 2)]
    assert "shop.db" in found[0].message
    assert "shop.cache" in found[1].message


def test_planned_but_missing_file_is_an_error_and_unplanned_file_a_warning():
    files = [src("shop/api.py", "x = 1\n"), src("shop/extra.py", "y = 2\n")]
    report = validate_code(files, planned_paths=["shop/api.py", "shop/models.py"])
    structure = {(i.path, i.severity) for i in report.issues if i.kind == "structure"}
    assert structure == {("shop/models.py", "error"), ("shop/extra.py", "warning")}
    assert not report.valid


def test_empty_file_list_is_valid_with_zero_files_and_says_so():
    report = validate_code([])
    assert report.valid
    assert report.files_validated == 0
    assert "No files to validate" in report.markdown()


def test_markdown_is_a_table_capped_at_fifty_rows():
    files = [src(f"pkg/m{i}.py", "def f(:\n") for i in range(60)]
    text = validate_code(files).markdown()
    assert "| severity | path | line | col | kind | message |" in text
    assert text.count("| error | `pkg/m") == 50
    assert "and 10 more" in text
    assert "SyntaxIssue(" not in text and "ValidationIssue(" not in text


def test_report_round_trips_through_json():
    report = validate_code([src("main.py", "return 1\n"), src("a.md", "x")])
    again = type(report).model_validate_json(report.model_dump_json())
    assert again.issues == report.issues
    assert again.files_not_validated == ["a.md"]


def _kinds(report) -> list[tuple[str, int | None, str]]:
    return [(i.kind, i.line, i.severity) for i in report.issues]


def test_misspelt_name_is_a_name_error_at_its_line_and_column():
    content = "import os\n\n\ndef home():\n    return os.path.expanduser(hom_dir)\n"
    report = validate_code([src("app.py", content)])
    [issue] = report.issues
    assert (issue.kind, issue.line, issue.column) == ("name", 5, 31)
    assert (issue.message, issue.code) == ("Undefined name `hom_dir`", "F821")
    assert issue.describe() == "app.py:5:31 Undefined name `hom_dir` [F821]"
    assert issue.snippet == "return os.path.expanduser(hom_dir)"


SCOPES = """\
import os.path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Counter", "total"]
counter = 0


def bump(step: int = 1) -> int:
    global counter, created_later
    counter += step
    created_later = [n * step for n in range(3) if (last := n)]
    return last


def outer():
    seen = set()

    def inner(item):
        nonlocal seen
        seen = seen | {item}
        return [x for x in seen] + [y for y in (lambda z: [z])(item)]

    return inner


class Counter:
    limit = 3
    sizes = [limit * 2]

    def walk(self) -> "Iterator[int]":
        try:
            yield from range(self.limit)
        except ValueError as exc:
            raise RuntimeError(str(exc)) from exc
        print(__class__, __name__, __file__, created_later, os.path.sep)


def total(*args, **kwargs):
    with open(os.devnull) as handle:
        match args:
            case [first, *rest]:
                return first, rest, handle, kwargs
    return None
"""


def test_python_scoping_rules_give_no_false_name_errors():
    report = validate_code([src("scopes.py", SCOPES)])
    assert report.issues == []


def test_class_attribute_is_not_visible_inside_its_methods():
    content = "class A:\n    limit = 3\n\n    def f(self):\n        return limit\n"
    report = validate_code([src("a.py", content)])
    assert [(i.kind, i.line, i.message) for i in report.issues] == [
        ("name", 5, "Undefined name `limit`")
    ]


def test_star_import_or_dynamic_globals_suppress_name_checks():
    star = "from os.path import *\n\nprint(join('a', 'b'))\n"
    dynamic = "globals()['VALUE'] = 1\nprint(VALUE)\n"
    report = validate_code([src("star.py", star), src("dyn.py", dynamic)])
    assert report.issues == []


def test_name_guarded_by_except_name_error_is_not_flagged():
    content = "try:\n    text_type = unicode\nexcept NameError:\n    text_type = str\n"
    assert validate_code([src("compat.py", content)]).issues == []


def test_import_nothing_provides_is_an_error_and_a_guarded_one_a_warning():
    content = (
        "import requests\nimport yaml\nimport frobnicator_zz\n\n"
        "try:\n    import ujson_zz as json\nexcept ImportError:\n    import json\n"
    )
    report = validate_code([src("app.py", content)])
    imports = [i for i in report.issues if i.kind == "import"]
    assert [(i.line, i.severity) for i in imports] == [(3, "error"), (6, "warning")]
    assert "`frobnicator_zz`" in imports[0].message


def test_declared_requirement_resolves_an_import_not_installed_here():
    report = validate_code(
        [src("app.py", "import frobnicator_zz\n")], declared=["frobnicator-zz>=1.0"]
    )
    assert errors(report) == []


def test_go_package_used_without_import_is_a_name_error():
    content = 'package main\n\nimport "os"\n\nfunc main() {\n\tfmt.Println(os.Args)\n}\n'
    [issue] = validate_code([src("main.go", content)]).issues
    assert (issue.kind, issue.line, issue.column) == ("name", 6, 2)
    assert issue.message == 'undefined: fmt (missing import "fmt"?)'


def test_go_aliased_import_local_variable_and_dot_import_are_not_flagged():
    aliased = 'package a\n\nimport str "strings"\n\nfunc F() string { return str.ToUpper("a") }\n'
    local = "package a\n\nfunc F(sort Sorter) { sort.Run() }\n"
    dot = 'package a\n\nimport . "math"\n\nfunc F() { fmt.Println(Pi) }\n'
    files = [src("a.go", aliased), src("b.go", local), src("c.go", dot)]
    assert validate_code(files).issues == []


def test_java_class_used_without_import_is_a_name_error_unless_wildcard_imported():
    body = "class A {\n  List<String> names = new ArrayList<>();\n}\n"
    report = validate_code([src("A.java", "import java.util.List;\n" + body)])
    assert [(i.kind, i.line, i.message) for i in report.issues] == [
        ("name", 3, "cannot find symbol ArrayList (missing import?)")
    ]
    assert validate_code([src("B.java", "import java.util.*;\n" + body)]).issues == []


def test_rust_item_used_without_use_is_a_name_error_unless_qualified():
    bare = "fn f() -> usize {\n    let m: HashMap<u8, u8> = HashMap::new();\n    m.len()\n}\n"
    qualified = "fn f() {\n    let m = std::collections::HashMap::<u8, u8>::new();\n}\n"
    imported = "use std::collections::HashMap;\n" + bare
    report = validate_code([src("a.rs", bare), src("b.rs", qualified), src("c.rs", imported)])
    assert [(i.path, i.kind, i.line) for i in report.issues] == [("a.rs", "name", 2)]


# Cross-file checks: names imported from the project's own modules, and calls into them


def test_a_name_imported_from_a_sibling_that_does_not_define_it_is_an_import_error():
    files = [
        src("shop/__init__.py", ""),
        src("shop/models.py", "def total(items):\n    return sum(items)\n"),
        src("shop/api.py", "from shop.models import totl\nfrom .models import total\n"),
    ]
    [issue] = errors(validate_code(files))
    assert (issue.path, issue.line, issue.kind) == ("shop/api.py", 1, "import")
    assert issue.message == (
        "imports `totl` from 'shop.models', which does not define it (did you mean `total`?)"
    )


def test_from_dot_import_of_a_module_that_does_not_exist_is_an_error():
    files = [
        src("shop/__init__.py", ""),
        src("shop/models.py", "X = 1\n"),
        src("shop/api.py", "from . import models\nfrom . import views\n"),
    ]
    [issue] = errors(validate_code(files))
    assert (issue.line, issue.message) == (
        2,
        "imports `views` from 'shop', which does not define it",
    )


def test_names_from_a_module_with_a_star_import_or_module_getattr_are_not_judged():
    files = [
        src("lazy.py", "def __getattr__(name):\n    return name\n"),
        src("star.py", "from os.path import *\n"),
        src("main.py", "from lazy import anything\nfrom star import join\n"),
    ]
    assert errors(validate_code(files)) == []


def test_a_file_over_the_size_limit_is_still_read_for_what_others_import_from_it():
    files = [src("main.py", "from big import table\nfrom big import chart\n")]
    report = validate_code(files, references={"big.py": "table = [1]\n"})
    assert [(i.line, i.message) for i in errors(report)] == [
        (2, "imports `chart` from 'big', which does not define it")
    ]


def test_a_call_with_the_wrong_number_of_arguments_to_a_project_function_is_a_call_error():
    files = [
        src("calc/__init__.py", ""),
        src("calc/ops.py", "def add(a, b, *, scale=1):\n    return (a + b) * scale\n"),
        src(
            "calc/main.py",
            "from calc.ops import add\n\nprint(add(1, 2, 3))\nprint(add(1))\n"
            "print(add(1, 2, scale=2))\nprint(add(1, 2, size=2))\n",
        ),
    ]
    issues = validate_code(files).issues
    assert [(i.line, i.kind, i.message) for i in issues] == [
        (
            3,
            "call",
            "call to `add` takes 2 positional arguments but 3 were given; "
            "it is `add(a, b, *, scale=1)` in calc.ops",
        ),
        (
            4,
            "call",
            "call to `add` missing required argument `b`; "
            "it is `add(a, b, *, scale=1)` in calc.ops",
        ),
        (
            6,
            "call",
            "call to `add` got an unexpected keyword argument `size`; "
            "it is `add(a, b, *, scale=1)` in calc.ops",
        ),
    ]


def test_calls_through_rebound_names_decorated_functions_or_star_args_are_not_judged():
    content = (
        "import functools\n\n"
        "def f(a):\n    return a\n\n"
        "@functools.cache\ndef g(a):\n    return a\n\n"
        "class Box:\n    def __init__(self, size):\n        self.size = size\n\n"
        "def use(f):\n    return f(1, 2)\n\n"
        "print(g(1, 2), f(*[1, 2]), Box(3), Box(size=3))\n"
    )
    assert validate_code([src("m.py", content)]).issues == []
    wrong = content.replace("Box(3)", "Box(3, 4)")
    assert [i.kind for i in validate_code([src("m.py", wrong)]).issues] == ["call"]


def test_undefined_names_are_still_found_in_a_file_calling_locals_or_vars_in_functions():
    content = "def show(obj):\n    print(locals(), vars(obj))\n    return undefined_thing\n"
    [issue] = validate_code([src("m.py", content)]).issues
    assert issue.message == "Undefined name `undefined_thing`"


def test_a_module_level_locals_write_still_suppresses_the_name_check():
    content = "locals()['VALUE'] = 1\nprint(VALUE)\n"
    assert validate_code([src("m.py", content)]).issues == []


def test_a_package_init_may_use_the_submodules_it_imports_from_by_name():
    files = [
        src("pkg/loader.py", "class Loader:\n    pass\n"),
        src("pkg/__init__.py", "from .loader import Loader\n\nDEFAULT = loader.Loader\n"),
    ]
    assert errors(validate_code(files)) == []
