"""Run a generated Node package's tests in the sandbox: JavaScript as it is, TypeScript
compiled first with our ``tsc`` and our compiler options (outside the sandbox: ``tsc`` only
reads the files), then the emitted JavaScript with the package's ``package.json``."""

from quantumlayer_dagster.analysis.typescript_check import compile_typescript, typescript_files
from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.generation.node_package import OUT_DIR
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.node_test_run import run_node_tests


def run_node_project(project: ProjectTree, sandbox: CodeSandbox) -> TestRun:
    """``node --test`` over a generated project's sources and tests (``run_node_files``)."""
    return run_node_files(project.all_files, sandbox)


def run_node_files(files: list[SourceFile], sandbox: CodeSandbox) -> TestRun:
    """``node --test`` over a tree's files, compiled to ``dist/`` first when it holds
    TypeScript; a compiler that cannot run is recorded in the ``TestRun``, never raised."""
    contents = {f.path: f.content for f in files}
    if typescript_files(contents):
        emitted, result = compile_typescript(contents, OUT_DIR)
        if result.problem:
            why = f"not run: the TypeScript could not be compiled: {result.problem}"
            return TestRun(runner="node", junit_error=why, summary=why)
        # only package.json of the tree goes along: it makes the emitted .js ES modules
        files = [f for f in files if f.path == "package.json"] + [
            SourceFile(path=path, content=text) for path, text in emitted.items()
        ]
    return run_node_tests(files, sandbox)
