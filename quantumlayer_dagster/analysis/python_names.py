"""What ruff cannot know about the names of one Python file: that the file writes its own
namespace at run time, and which bound name a misspelt one was meant to be.

ruff (``analysis.ruff_names``) finds undefined names statically, as pyflakes does. A
module that calls ``globals()``, runs ``exec`` of code at module level, calls ``locals()``
or ``vars()`` at module level (where they are the module's namespace) or touches
``__builtins__`` can bind names ruff never sees; in such a file only a near-miss of a
name bound in it is taken as a mistake (``handlr`` next to ``handler`` is a typo).
Nothing is imported or run.
"""

import ast
import builtins
import difflib

_NAMESPACE_AT_MODULE_LEVEL = frozenset({"locals", "vars"})
BUILTIN_NAMES = frozenset(dir(builtins))


def writes_namespace(tree: ast.Module) -> bool:
    """Whether the module may bind names at run time that no statement binds."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            return True
        call = _call_to(node, {"globals"})
        if call is not None and not call.args:
            return True
    return any(_module_namespace_write(node) for node in _module_level_nodes(tree))


def bound_names(tree: ast.Module) -> set[str]:
    """Every name the file binds, in any scope (assignments, parameters, definitions,
    imports, handlers, patterns, ``global``/``nonlocal``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


def closest(name: str, candidates: set[str]) -> str:
    """The candidate ``name`` was most likely meant to be ("" when none is close)."""
    matches = difflib.get_close_matches(name, sorted(candidates - {name}), n=1, cutoff=0.8)
    return matches[0] if matches else ""


def one_edit_apart(a: str, b: str) -> bool:
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


def _call_to(node: ast.AST, names: set[str] | frozenset[str]) -> ast.Call | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        return node
    return None


def _module_namespace_write(node: ast.AST) -> bool:
    """``exec(code)`` with no namespace given, or ``locals()``/``vars()`` with no argument:
    at module level each reaches the module's own namespace."""
    call = _call_to(node, {"exec"})
    if call is not None:
        return len(call.args) < 2 and not call.keywords
    call = _call_to(node, _NAMESPACE_AT_MODULE_LEVEL)
    return call is not None and not call.args


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
