"""Which test runner a project needs, and running it: pytest for Python, Node for JS (and
TypeScript, compiled with our ``tsc`` first)."""

from pathlib import PurePosixPath

from quantumlayer_dagster.artifacts.code import SourceFile, language_of
from quantumlayer_dagster.artifacts.testing import Runner, TestRun
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.node_project_tests import run_node_files
from quantumlayer_dagster.testing.test_run import run_pytest_files

NO_RUNNER = "no Python or JavaScript files: nothing this sandbox can test"


def runner_for(files: list[SourceFile]) -> Runner | None:
    """ "node" for a JavaScript or TypeScript project (a package.json, or more JS/TS files
    than Python files), "pytest" when there is Python, else None."""
    python = sum(1 for f in files if f.language == "python")
    javascript = sum(1 for f in files if language_of(f.path) in ("javascript", "typescript"))
    has_package = any(PurePosixPath(f.path).name == "package.json" for f in files)
    if javascript and (has_package or javascript > python):
        return "node"
    return "pytest" if python else None


def is_python_test_file(path: str) -> bool:
    """pytest's default test file names, its conftest, and anything under a tests folder."""
    pure = PurePosixPath(path)
    name = pure.name
    return (
        name == "conftest.py"
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or any(part in ("tests", "test") for part in pure.parts[:-1])
    )


def run_project_tests(files: list[SourceFile], sandbox: CodeSandbox) -> TestRun:
    """Run the tests of any project tree in the sandbox with the runner its language needs;
    coverage is measured over the Python files that are not tests."""
    runner = runner_for(files)
    if runner == "node":
        return run_node_files(files, sandbox)
    if runner == "pytest":
        sources = {f.path for f in files if f.language == "python"}
        sources -= {p for p in sources if is_python_test_file(p)}
        return run_pytest_files(files, sandbox, source_paths=sources)
    return TestRun(junit_error=NO_RUNNER, summary=NO_RUNNER)
