"""What a body may import and define when the file itself is the plan (a user's file of
stubs, or a module being repaired after its tests failed): the standard library and the
modules the file already imports; the names the file defines are taken, its other functions
are siblings."""

import ast

from quantumlayer_dagster.generation.splice_body import Allowance, standard_library


def file_allowance(source: str) -> Allowance:
    """The standard library and the top-level packages ``source`` imports (absolutely)."""
    imported = imported_modules(source)

    def allowed(module: str) -> str | None:
        if standard_library(module) or module.split(".")[0] in imported:
            return None
        return (
            f"the body imports `{module}`, which the file does not import and the standard "
            "library does not have"
        )

    return allowed


def imported_modules(source: str) -> set[str]:
    """The top-level packages of the file's absolute top-level imports."""
    found: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def defined_names(source: str) -> set[str]:
    """The names the file itself defines at the top level (functions, classes, assigned
    names): what a body's helpers and imports may not rebind. Its imports are not among
    them: a body may import what the file imports again."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def top_level_functions(source: str) -> set[str]:
    """The names of the file's top-level functions and classes."""
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
