"""The checks one source file must pass, against the project around it: syntax (tree-sitter),
compile errors and warnings (Python compiled to bytecode, never run), names bound nowhere
(ruff, judged with what the project knows: ``analysis.name_issues``), imports nothing
provides, names a project module does not define, and calls that cannot bind to a project
function's parameters.

One path for everyone: semantic validation (stage 6) reports what ``check_file`` finds, and
code generation and every repair keep a file only when ``blocking_issues`` is empty.
"""

import ast
import difflib
import importlib.util
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from quantumlayer_dagster.analysis.import_map import declared_pins, distribution_for, import_key
from quantumlayer_dagster.analysis.missing_imports import missing_imports
from quantumlayer_dagster.analysis.module_facts import (
    ModuleFacts,
    call_mismatch,
    callables_of,
    module_facts,
    rebound_names,
)
from quantumlayer_dagster.analysis.name_issues import (
    StarSource,
    name_issues,
    star_imports,
    star_names,
    star_source,
)
from quantumlayer_dagster.analysis.node_checks import (
    declared_packages,
    is_node_package,
    node_issues,
    npm_name,
)
from quantumlayer_dagster.analysis.parsing import (
    parse,
    project_modules,
    python_imports,
    python_module_names,
    source_line,
    syntax_errors,
)
from quantumlayer_dagster.analysis.ruff_names import NameCheck, check_names
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.validation import IssueKind, Severity, ValidationIssue


@dataclass(frozen=True)
class ProjectContext:
    """What one file is checked against: the project's importable modules, the declared
    requirements, and the facts of every module whose content is known. A module planned
    but not written yet has no facts, so imports from it are not judged."""

    modules: set[str]
    pins: dict[str, str | None]
    facts: dict[str, ModuleFacts] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=set)
    """Package names with no ``__init__.py``: only their submodules can be imported."""
    node: "NodeContext | None" = None
    """Set for a Node package (a root ``package.json``): its JS/TS files get import and
    ``tsc`` checks too."""
    stars: dict[str, StarSource] = field(default_factory=dict)
    """The known modules that star-import, by module name: what their star imports bind."""


@dataclass(frozen=True)
class NodeContext:
    """What a Node package's files are checked against: every project path (written or
    planned), the dependency names declared, the files known so far (path -> source)."""

    paths: frozenset[str]
    declared: frozenset[str]
    contents: Mapping[str, str]


def project_context(
    paths: list[str], declared: list[str], contents: Mapping[str, str]
) -> ProjectContext:
    """The context for checking files of a project whose files are at ``paths`` (written or
    still planned); ``contents`` holds the ones already known (path -> source)."""
    modules = project_modules(paths)
    facts: dict[str, ModuleFacts] = {}
    stars: dict[str, StarSource] = {}
    named: set[str] = set()
    for path in paths:
        names = python_module_names(path)
        named.update(names)
        content = contents.get(path)
        found = module_facts(path, content) if content is not None else None
        if found is not None:
            facts.update((name, found) for name in names)
        star = star_source(path, content) if content is not None and names else None
        if star is not None:
            stars.update((name, star) for name in names)
    node = (
        NodeContext(
            paths=frozenset(paths),
            declared=frozenset(
                declared_packages(contents.get("package.json")) | {npm_name(d) for d in declared}
            ),
            contents=dict(contents),
        )
        if is_node_package(paths)
        else None
    )
    return ProjectContext(
        node=node,
        modules=modules,
        pins=declared_pins(declared),
        facts=facts,
        stars=stars,
        namespaces={
            m for m in modules if m not in named and any(n.startswith(f"{m}.") for n in named)
        },
    )


def blocking_issues(source: SourceFile, context: ProjectContext) -> list[ValidationIssue]:
    """The errors ``check_file`` finds in ``source`` (what stops the ``code_parses`` gate)."""
    return [i for i in check_file(source, context) or [] if i.severity == "error"]


def check_file(
    source: SourceFile, context: ProjectContext, names: NameCheck | None = None
) -> list[ValidationIssue] | None:
    """Every issue in one file, sorted by position; None when it has no grammar (unchecked).
    The one check behind semantic validation and every generation or repair that keeps a file.
    ``names`` is ruff's answer for the file when the caller checked a whole tree at once
    (``check_names``); without it ruff is asked about this file alone (answers are cached)."""
    syntax = syntax_errors(source.path, source.content)
    if syntax is None:
        return None
    issues = [ValidationIssue.from_syntax(s) for s in syntax]
    if not syntax and source.language in ("go", "java", "rust"):
        issues += _missing_import_issues(source)
    if not syntax and context.node and source.language in ("javascript", "typescript"):
        node = context.node
        issues += node_issues(source, set(node.paths), set(node.declared), node.contents)
    if source.language == "python":
        syntax_lines = {s.line for s in syntax}
        compiled = _compile_issues(source)
        issues += [i for i in compiled if i.line not in syntax_lines]
        # names and import targets of a file that does not compile are not worth reporting yet
        if not syntax and not any(i.severity == "error" for i in compiled):
            issues += _import_issues(source, context)
            issues += _python_semantic_issues(source, context, names)
    return sorted(issues, key=lambda i: (i.line or 0, i.column or 0))


def _missing_import_issues(source: SourceFile) -> list[ValidationIssue]:
    """Standard-library names used without an import (see ``missing_imports``)."""
    tree = parse(source.language or "", source.content)
    if tree is None:
        return []
    lines = source.content.splitlines()
    return [
        ValidationIssue(
            path=source.path,
            line=m.line,
            column=m.column,
            kind="name",
            message=m.message,
            snippet=_line(lines, m.line),
        )
        for m in missing_imports(source.language or "", tree.root_node)
    ]


def _python_semantic_issues(
    source: SourceFile, context: ProjectContext, names: NameCheck | None
) -> list[ValidationIssue]:
    """Names, calls and third-party imports nothing provides, for a file that compiles."""
    try:
        tree = ast.parse(source.content, source.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # already reported by the compile check
    lines = source.content.splitlines()
    check = names if names is not None else check_names([source])[source.path]
    stars = star_imports(source.path, source.content)
    known = star_names(stars, context.stars, context.facts, context.modules) if stars else None
    found = name_issues(source, tree, check, known)
    found += _call_issues(source, tree, context)
    for node, guarded in _third_party_imports(tree, context.modules):
        for module in _imported_modules(node):
            if _provided(module, context.pins):
                continue
            where = "guarded import" if guarded else "import"
            found.append(
                ValidationIssue(
                    path=source.path,
                    line=node.lineno,
                    column=node.col_offset + 1,
                    severity="warning" if guarded else "error",
                    kind="import",
                    message=f"{where} of `{module}`: no project module, standard-library "
                    "module, installed or known distribution or declared requirement provides it",
                    snippet=_line(lines, node.lineno),
                )
            )
    return found


def _line(lines: list[str], line: int) -> str:
    return source_line(lines[line - 1]) if 0 < line <= len(lines) else ""


def _third_party_imports(
    tree: ast.Module, modules: set[str]
) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Absolute imports outside the project and the standard library, each with whether it
    is guarded (inside a try, if, function or class: optional or lazily needed)."""
    own_tops = {m.split(".")[0] for m in modules}
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
    stack: list[tuple[ast.AST, bool]] = [(stmt, False) for stmt in tree.body]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            tops = {m.split(".")[0] for m in _imported_modules(node)}
            if tops and not tops <= (own_tops | set(sys.stdlib_module_names)):
                found.append((node, guarded))
            continue
        inner = guarded or not isinstance(node, ast.With)  # a with block is not a guard
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return sorted(found, key=lambda f: f[0].lineno)


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.level == 0 and node.module else []
    return [alias.name for alias in node.names]


def _provided(module: str, pins: dict[str, str | None]) -> bool:
    """Whether the standard library, a known distribution or the environment provides it."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or distribution_for(import_key(module), pins)[0]:
        return True
    try:
        # top-level only: finding a submodule's spec would import (run) its parent package
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _compile_issues(source: SourceFile) -> list[ValidationIssue]:
    """Errors and warnings from compiling (not running) the file to bytecode."""
    lines = source.content.splitlines()
    found: list[ValidationIssue] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source.content, source.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            # the grammar does not track indentation, so the compiler is what finds these
            kind: IssueKind = "syntax" if isinstance(exc, IndentationError) else "compile"
            found.append(
                _compile_issue(source.path, lines, "error", exc.msg, exc.lineno, exc.offset, kind)
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            # NUL bytes or nesting too deep for the compiler: still a file that cannot run
            found.append(
                _compile_issue(
                    source.path, lines, "error", str(exc) or type(exc).__name__, None, None
                )
            )
    for w in caught:
        if issubclass(w.category, (SyntaxWarning, DeprecationWarning)):
            found.append(
                _compile_issue(source.path, lines, "warning", str(w.message), w.lineno, None)
            )
    return found


def _compile_issue(
    path: str,
    lines: list[str],
    severity: Severity,
    message: str,
    line: int | None,
    column: int | None,
    kind: IssueKind = "compile",
) -> ValidationIssue:
    snippet = source_line(lines[line - 1]) if line and 0 < line <= len(lines) else ""
    if line is not None and not column:
        column = 1  # the compiler gives offset 0 for some errors; positions are 1-based
    return ValidationIssue(
        path=path,
        line=line,
        column=column,
        severity=severity,
        kind=kind,
        message=message,
        snippet=snippet,
    )


def _import_issues(source: SourceFile, context: ProjectContext) -> list[ValidationIssue]:
    """Imports of the project's own modules (absolute or relative) that no file provides, of
    the module itself, and names imported from a project module that it does not define."""
    modules = context.modules
    own_tops = {m.split(".")[0] for m in modules}
    names = python_module_names(source.path)
    is_package = PurePosixPath(source.path).name == "__init__.py"
    lines = source.content.splitlines()
    found: list[ValidationIssue] = []
    for imp in python_imports(source.content):
        target = imp.module
        if imp.level == 0:
            if imp.module.split(".")[0] not in own_tops:
                continue
            message = (
                ""
                if imp.module in modules
                else (f"imports '{imp.module}', which is not a module in the project")
            )
        else:
            # the package the file lives in: itself for __init__.py, else its parent
            package = names[0].split(".") if names else []
            package = package if is_package else package[:-1]
            if imp.level > len(package):
                message = "relative import has no parent package to resolve against"
            else:
                base = package[: len(package) - (imp.level - 1)]
                target = ".".join([*base, *([imp.module] if imp.module else [])])
                dots = "." * imp.level
                message = (
                    ""
                    if target in modules
                    else f"relative import of '{dots}{imp.module}' finds no module '{target}'"
                )
        if not message and target in names and not is_package:
            # a module importing from itself: a circular import, whatever names it asks for
            message = f"imports from '{target}', the module itself"
        messages = [message] if message else _names_missing(imp.names, target, context)
        found += [
            ValidationIssue(
                path=source.path,
                line=imp.line,
                kind="import",
                message=text,
                snippet=source_line(lines[imp.line - 1]) if imp.line <= len(lines) else "",
            )
            for text in messages
        ]
    return found


def _names_missing(names: tuple[str, ...], module: str, context: ProjectContext) -> list[str]:
    """For ``from module import names``: each name that is neither bound in that project
    module nor one of its submodules. Modules whose content is unknown are not judged."""
    facts = context.facts.get(module)
    if module in context.namespaces:
        exports: frozenset[str] = frozenset()
    elif facts is None or facts.exports is None:
        return []
    else:
        exports = facts.exports
    missing: list[str] = []
    for name in names:
        if name == "*" or name in exports or f"{module}.{name}" in context.modules:
            continue
        close = difflib.get_close_matches(name, sorted(exports), n=1, cutoff=0.8)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        missing.append(f"imports `{name}` from '{module}', which does not define it{hint}")
    return missing


def _call_issues(
    source: SourceFile, tree: ast.Module, context: ProjectContext
) -> list[ValidationIssue]:
    """Calls to this file's own top-level functions and classes, or to ones imported from
    a project module, whose arguments cannot bind to the parameters (checked statically;
    names rebound anywhere in the file are not judged)."""
    visible = dict(callables_of(tree))
    where = {name: source.path for name in visible}
    names = python_module_names(source.path)
    is_package = PurePosixPath(source.path).name == "__init__.py"
    package = names[0].split(".") if names else []
    package = package if is_package else package[:-1]
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            if node.level > len(package):
                continue
            base = package[: len(package) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        facts = context.facts.get(module)
        if facts is None:
            continue
        for alias in node.names:
            if alias.name in facts.callables:
                visible[alias.asname or alias.name] = facts.callables[alias.name]
                where[alias.asname or alias.name] = module
    for name in rebound_names(tree):
        visible.pop(name, None)
    lines = source.content.splitlines()
    found: list[ValidationIssue] = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        params = visible.get(call.func.id)
        problem = call_mismatch(params, call) if params else None
        if params and problem:
            found.append(
                ValidationIssue(
                    path=source.path,
                    line=call.lineno,
                    column=call.col_offset + 1,
                    kind="call",
                    message=f"call to `{call.func.id}` {problem}; it is "
                    f"`{params.text}` in {where[call.func.id]}",
                    snippet=_line(lines, call.lineno),
                )
            )
    return found
