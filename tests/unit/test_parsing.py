"""tree-sitter syntax checks and static import discovery (quantumlayer_dagster.analysis.parsing)."""

import pytest

from quantumlayer_dagster.analysis.parsing import (
    SNIPPET_CHARS,
    project_modules,
    python_imports,
    syntax_errors,
)

BROKEN = [
    ("app/main.py", "import os\n\ndef handler(:\n    return os.getcwd()\n", 3),
    ("web/app.js", "function add(a, b) {\n  return a + b;\n}\nlet y = add(1;\n", 4),
    (
        "web/app.ts",
        "interface P { x: number }\nfunction f(p: P): number {\n  return p.x +;\n}\n",
        3,
    ),
    ("web/view.tsx", "const ok = <div>{1}</div>;\nconst broken = <div>;\n", 2),
    ("cmd/main.go", "package main\n\nfunc main() {\n\tx := 1\n\tprintln(x\n}\n", 5),
    ("src/main.rs", 'fn main() {\n    let x = 1\n    println!("{}", x);\n}\n', 2),
    ("src/A.java", "class A {\n  void f() {\n    int x = 1\n    g(x);\n  }\n}\n", 3),
]

VALID = [
    ("app/main.py", "import os\n\n\ndef handler() -> str:\n    return os.getcwd()\n"),
    ("web/app.js", "export function add(a, b) {\n  return a + b;\n}\n"),
    ("web/app.ts", "interface P { x: number }\nexport const f = (p: P): number => p.x;\n"),
    ("web/view.tsx", 'export const View = () => <div className="a">{1}</div>;\n'),
    ("cmd/main.go", "package main\n\nfunc main() {\n\tx := 1\n\tprintln(x)\n}\n"),
    ("src/main.rs", 'fn main() {\n    let x = 1;\n    println!("{}", x);\n}\n'),
    ("src/A.java", "class A {\n  int f(int x) {\n    return x + 1;\n  }\n}\n"),
]


@pytest.mark.parametrize(("path", "content", "line"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_source_reports_an_issue_on_the_offending_line(path, content, line):
    issues = syntax_errors(path, content)
    assert issues, f"no issue found in {path}"
    assert issues[0].line == line
    assert issues[0].path == path


@pytest.mark.parametrize(("path", "content"), VALID, ids=[v[0] for v in VALID])
def test_valid_source_reports_no_issues(path, content):
    assert syntax_errors(path, content) == []


def test_unknown_extension_has_no_grammar_and_returns_none():
    assert syntax_errors("docs/notes.md", "# (((") is None


def test_missing_token_is_described_as_path_line_column_message():
    issues = syntax_errors("app/main.py", "import os\n\ndef f(:\n    pass\n")
    assert issues is not None
    assert [str(i) for i in issues] == ["app/main.py:3:7 missing `)` in parameters"]
    assert issues[0].describe() == "app/main.py:3:7 missing `)` in parameters"
    assert issues[0].snippet == "def f(:"


def test_error_node_message_quotes_the_unparsable_text():
    issues = syntax_errors("a.py", "x = 1\nif ready\n    go()\n")
    assert issues is not None
    assert issues[0].line == 2
    assert issues[0].message == "unexpected `if ready`"


def test_column_counts_characters_not_utf8_bytes():
    issues = syntax_errors("a.py", "def é(:\n    pass\n")
    assert issues is not None
    assert (issues[0].line, issues[0].column) == (1, 7)


def test_snippet_is_the_offending_line_cut_to_a_readable_length():
    long_line = "x = f(" + ", ".join(str(i) for i in range(200))
    issues = syntax_errors("a.py", long_line + "\n")
    assert issues
    assert len(issues[0].snippet) <= SNIPPET_CHARS
    assert issues[0].snippet.startswith("x = f(0, 1, 2")


def test_python_imports_reads_absolute_relative_and_nested_imports():
    source = "import os, a.b as c\nfrom ..pkg import d\n\ndef f():\n    import yaml\n"
    found = [(i.module, i.level, i.names, i.line) for i in python_imports(source)]
    assert found == [("os", 0, (), 1), ("a.b", 0, (), 1), ("pkg", 2, ("d",), 2), ("yaml", 0, (), 5)]


def test_python_imports_still_finds_imports_in_a_file_that_does_not_parse():
    source = "import requests\nfrom PIL import Image\n\ndef broken(:\n    import yaml\n"
    assert [i.module for i in python_imports(source)] == ["requests", "PIL", "yaml"]


def test_project_modules_cover_packages_src_layout_and_test_helpers():
    modules = project_modules(
        [
            "shop/__init__.py",
            "shop/api.py",
            "src/lib/core.py",
            "tests/test_api.py",
            "tests/helpers.py",
            "README.md",
        ]
    )
    assert {"shop", "shop.api", "lib", "lib.core", "src.lib.core", "helpers"} <= modules
    assert "README" not in modules
