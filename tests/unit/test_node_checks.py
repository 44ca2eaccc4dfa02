"""The checks of a Node package's files: imports must find what they name, and TypeScript
passes our ``tsc --noEmit`` (per file, line and column), through the same ``check_file``
path semantic validation and every generation use. ``tsc`` takes about 2 s per tree."""

import json

import pytest

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.semantic_validation import validate_code

pytestmark = pytest.mark.slow

PACKAGE = SourceFile(path="package.json", content=json.dumps({"type": "module"}))
STRINGS = SourceFile(
    path="src/strings.ts",
    content="export function shout(s: string): string {\n  return s.toUpperCase();\n}\n",
)


def ts(path: str, content: str) -> SourceFile:
    return SourceFile(path=path, content=content)


def errors(files: list[SourceFile], declared: list[str] | None = None) -> list[str]:
    report = validate_code(files, declared=declared or [])
    return [i.describe() for i in report.issues if i.severity == "error"]


def test_a_type_error_is_reported_by_tsc_with_file_line_and_column() -> None:
    code = 'import { shout } from "./strings.js";\n\nconst n: number = shout("a");\n'
    bad = ts("src/main.ts", code)
    found = validate_code([PACKAGE, STRINGS, bad]).issues
    [issue] = [i for i in found if i.severity == "error"]
    assert (issue.path, issue.line, issue.column, issue.kind) == ("src/main.ts", 3, 7, "compile")
    assert issue.message == "TS2322: Type 'string' is not assignable to type 'number'."


def test_a_name_a_sibling_does_not_export_is_an_import_error() -> None:
    bad = ts("src/main.ts", 'import { whisper } from "./strings.js";\n\nwhisper("a");\n')
    [issue] = [i for i in validate_code([PACKAGE, STRINGS, bad]).issues if i.severity == "error"]
    assert issue.kind == "import" and "has no exported member 'whisper'" in issue.message


def test_a_relative_import_of_a_missing_file_is_blocking_in_javascript() -> None:
    bad = SourceFile(path="src/cli.js", content='import { count } from "./count.js";\ncount();\n')
    assert errors([PACKAGE, bad]) == [
        "src/cli.js:1:23 import of './count.js' finds no file 'src/count.js' in the project"
    ]


def test_a_relative_import_of_a_missing_file_is_blocking_in_typescript() -> None:
    bad = ts("src/main.ts", 'import { shout } from "./strings.js";\nshout("a");\n')
    assert errors([PACKAGE, bad]) == [
        "src/main.ts:1:23 import of './strings.js' finds no file 'src/strings.js' in the project"
    ]


def test_a_planned_file_not_written_yet_counts_as_present_for_generation() -> None:
    main = ts("src/main.ts", 'import { shout } from "./strings.js";\nshout("a");\n')
    paths = ["package.json", "src/strings.ts", "src/main.ts"]
    context = project_context(paths, [], {"package.json": PACKAGE.content})
    assert blocking_issues(main, context) == []


def test_bare_imports_need_a_builtin_or_a_declared_dependency() -> None:
    code = (
        'import fs from "node:fs";\nimport path from "path";\nimport _ from "lodash";\n'
        'import left from "left-pad";\nconsole.log(fs, path, _, left);\n'
    )
    found = errors([PACKAGE, SourceFile(path="src/a.js", content=code)], declared=["lodash"])
    assert found == [
        "src/a.js:4:18 import of 'left-pad': neither a Node built-in nor a dependency declared "
        "in package.json"
    ]


def test_the_projects_own_tsconfig_is_never_read() -> None:
    # a strict tsconfig (and a plugin) in the tree change nothing: our options are used
    tsconfig = SourceFile(
        path="tsconfig.json",
        content=json.dumps(
            {"compilerOptions": {"strict": True, "plugins": [{"name": "evil"}]}, "files": []}
        ),
    )
    loose = ts("src/a.ts", "export function f(x) {\n  return x;\n}\n")
    assert errors([PACKAGE, tsconfig, loose]) == []


def test_without_a_package_json_a_tree_gets_syntax_checks_only() -> None:
    # `quantumlayer validate` on any folder: JS files of a non-Node tree are judged as before
    lone = SourceFile(path="web/app.js", content='import x from "./missing.js";\nx();\n')
    assert errors([lone]) == []
