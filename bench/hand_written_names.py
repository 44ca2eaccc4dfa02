"""The hand-written undefined-name finder that ruff replaced (issue 18), kept unchanged as
the baseline of ``bench/validation_corruptions.py``: the same corruptions judged by it and
by ruff in one run. Nothing outside ``bench/`` uses it.

Undefined names in Python source, found statically with the compiler's own scope analysis.

``symtable`` applies Python's scoping rules exactly (function locals, closures, class
scopes not visible to their methods, ``global``/``nonlocal``, comprehension variables,
walrus targets); this module only decides which names that resolve to the module's
globals are bound nowhere, and finds where they are used. Nothing is imported or run.

To keep false positives near zero, in a file that star-imports (names come from
elsewhere) or writes its namespace dynamically (``globals()``, ``exec``, ``__builtins__``,
or ``locals()``/``vars()`` called at module level, where they are the module's namespace)
only near-misses of a name bound in the same scope are reported (neither can bind a
function's locals, so ``handlr`` next to a local ``handler`` is a typo); a use inside a
``try`` whose handler catches ``NameError`` is treated as guarded. Each finding
carries the closest bound name as a suggestion.
"""

import ast
import builtins
import difflib
import symtable
from typing import NamedTuple

# Names every module or class namespace has without binding them.
_IMPLICIT = frozenset(
    {
        "__name__",
        "__file__",
        "__doc__",
        "__spec__",
        "__loader__",
        "__package__",
        "__builtins__",
        "__path__",
        "__cached__",
        "__annotations__",
        "__dict__",
        "__module__",
        "__qualname__",
        "WindowsError",  # a builtin only on Windows; code using it is guarded by platform checks
    }
)
_BUILTINS = frozenset(dir(builtins)) | _IMPLICIT
_DYNAMIC_NAMESPACE = frozenset({"globals", "exec", "__builtins__"})
# Without arguments these return the module namespace only at module level; in a function
# they are a snapshot that cannot bind a name, and ``vars(obj)`` is about ``obj``.
_NAMESPACE_AT_MODULE_LEVEL = frozenset({"locals", "vars"})
_NAME_ERROR_GUARDS = frozenset({"NameError", "Exception", "BaseException"})


class UndefinedName(NamedTuple):
    """A use of a name bound nowhere; line and column are 1-based; ``suggestion`` is the
    closest bound name ("" when none is close)."""

    name: str
    line: int
    column: int
    suggestion: str = ""


def undefined_names(tree: ast.Module, source: str, filename: str) -> list[UndefinedName]:
    """Every name used in ``tree`` that is neither bound in the file nor a builtin.

    ``tree`` must be the ``ast`` of ``source`` (already known to compile). Reports each
    undefined name once per scope, at its first unguarded use, sorted by position.
    """
    dynamic = _has_dynamic_namespace(tree)
    top = symtable.symtable(source, filename, "exec")
    tables = _all_tables(top)
    bound = {s.get_name() for s in top.get_symbols() if _binds(s)}
    for table in tables:
        bound |= {
            s.get_name()
            for s in table.get_symbols()
            if s.is_declared_global() and (s.is_assigned() or s.is_imported())
        }
    nodes = _scope_nodes(tree)
    guarded = _guarded_names(tree)
    found: dict[tuple[str, int, int], UndefinedName] = {}
    for table in tables:
        for sym in table.get_symbols():
            name = sym.get_name()
            if not _resolves_to_globals(sym) or name in bound or name in _BUILTINS:
                continue
            local = [s.get_name() for s in table.get_symbols() if s.is_local()]
            if dynamic and not any(_one_edit_apart(name, other) for other in local):
                continue
            suggestion = _closest(name, local) or _closest(name, bound)
            scope = tree if table is top else nodes.get((table.get_lineno(), table.get_name()))
            use = _first_use(scope or tree, name, guarded)
            if use is not None:
                found[(name, use.line, use.column)] = use._replace(suggestion=suggestion)
    return sorted(found.values(), key=lambda u: (u.line, u.column))


def _closest(name: str, candidates: list[str] | set[str]) -> str:
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.8)
    return matches[0] if matches else ""


def _one_edit_apart(a: str, b: str) -> bool:
    """One character inserted, deleted, replaced or two neighbours swapped (a typo)."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _resolves_to_globals(sym: symtable.Symbol) -> bool:
    # is_local() as well: Python 3.11's symtable takes any table named "top" for the module
    # and calls its bound names global
    return sym.is_referenced() and sym.is_global() and not sym.is_local()


def _binds(sym: symtable.Symbol) -> bool:
    return sym.is_assigned() or sym.is_imported() or sym.is_namespace() or sym.is_local()


def _all_tables(top: symtable.SymbolTable) -> list[symtable.SymbolTable]:
    tables, stack = [], [top]
    while stack:
        table = stack.pop()
        tables.append(table)
        stack.extend(table.get_children())
    return tables


def _has_dynamic_namespace(tree: ast.Module) -> bool:
    """Star imports or namespace writes at runtime: bindings we cannot see statically."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMESPACE:
            return True
    return any(_module_namespace_call(node) for node in _module_level_nodes(tree))


def _module_level_nodes(tree: ast.Module) -> list[ast.AST]:
    """Nodes run in the module's own scope (not inside a function, lambda or class body)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _module_namespace_call(node: ast.AST) -> bool:
    """A call of ``locals()`` or ``vars()`` with no argument."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in _NAMESPACE_AT_MODULE_LEVEL and not node.args
    return False


def _scope_nodes(tree: ast.Module) -> dict[tuple[int, str], ast.AST]:
    """(line, symtable name) -> AST node, for functions, classes, lambdas and comprehensions."""
    names = {
        ast.Lambda: "lambda",
        ast.ListComp: "listcomp",
        ast.SetComp: "setcomp",
        ast.DictComp: "dictcomp",
        ast.GeneratorExp: "genexpr",
    }
    nodes: dict[tuple[int, str], ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            nodes.setdefault((node.lineno, node.name), node)
        elif type(node) in names:
            nodes.setdefault((getattr(node, "lineno", 0), names[type(node)]), node)
    return nodes


def _guarded_names(tree: ast.Module) -> set[int]:
    """ids of Name nodes inside a ``try`` body whose handlers catch NameError."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_name_error(h) for h in node.handlers):
            for stmt in node.body:
                ids.update(id(n) for n in ast.walk(stmt) if isinstance(n, ast.Name))
    return ids


def _catches_name_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _NAME_ERROR_GUARDS for t in types)


def _first_use(scope: ast.AST, name: str, guarded: set[int]) -> UndefinedName | None:
    uses = [
        n
        for n in ast.walk(scope)
        if isinstance(n, ast.Name)
        and n.id == name
        and not isinstance(n.ctx, ast.Store)
        and id(n) not in guarded
    ]
    if not uses:
        return None
    first = min(uses, key=lambda n: (n.lineno, n.col_offset))
    return UndefinedName(name, first.lineno, first.col_offset + 1)
