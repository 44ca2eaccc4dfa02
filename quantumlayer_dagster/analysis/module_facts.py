"""What one Python module offers to the rest of its project: the names it binds at top level
and the parameters of its plain functions and classes. Read with ``ast`` and ``symtable``,
never imported or run.

Semantic validation uses these facts to check, across files, that a name imported from a
project module exists there and that calls to project functions pass a fitting number of
arguments; code generation uses them the same way while modules are still being written.
"""

import ast
import symtable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Params:
    """The parameters a call must fit (``self`` already dropped for a class)."""

    name: str
    positional: tuple[str, ...]
    """Positional-or-keyword parameters, in order (positional-only ones first)."""
    positional_only: int
    required_positional: int
    keyword_only: tuple[str, ...]
    required_keyword: tuple[str, ...]
    varargs: bool
    varkw: bool
    line: int
    text: str
    """The signature as written, e.g. ``total(items, *, tax=0.0)``."""


@dataclass(frozen=True)
class ModuleFacts:
    """``exports`` is None when any name may come from the module (a star import or a module
    ``__getattr__``); ``callables`` are its top-level undecorated functions and classes."""

    exports: frozenset[str] | None
    callables: dict[str, Params] = field(default_factory=dict)


def module_facts(path: str, content: str) -> ModuleFacts | None:
    """The facts of a Python module, or None when it does not compile (nothing is known)."""
    try:
        tree = ast.parse(content, path)
        top = symtable.symtable(content, path, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ModuleFacts(exports=_exports(tree, top), callables=callables_of(tree))


def _exports(tree: ast.Module, top: symtable.SymbolTable) -> frozenset[str] | None:
    if any(
        isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "__getattr__"
        for stmt in tree.body
    ):
        return None
    if any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for node in ast.walk(tree)
    ):
        return None
    names = {
        s.get_name()
        for s in top.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    stack = list(top.get_children())
    while stack:  # `global x` then `x = ...` in a function binds a module name too
        table = stack.pop()
        stack.extend(table.get_children())
        names |= {
            s.get_name()
            for s in table.get_symbols()
            if s.is_declared_global() and (s.is_assigned() or s.is_imported())
        }
    return frozenset(names)


def callables_of(tree: ast.Module) -> dict[str, Params]:
    """Top-level functions and classes whose call signature is plain to read: undecorated,
    and for a class, one without bases or metaclass that defines ``__init__`` itself."""
    found: dict[str, Params] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.decorator_list:
            found[node.name] = _params(node.name, node.args, node.lineno, drop_first=False)
        elif isinstance(node, ast.ClassDef) and not (
            node.decorator_list or node.bases or node.keywords
        ):
            init = next(
                (
                    n
                    for n in node.body
                    if isinstance(n, ast.FunctionDef)
                    and n.name == "__init__"
                    and not n.decorator_list
                ),
                None,
            )
            if init is not None:
                found[node.name] = _params(node.name, init.args, node.lineno, drop_first=True)
    return found


def _params(name: str, args: ast.arguments, line: int, *, drop_first: bool) -> Params:
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    positional_only = len(args.posonlyargs)
    required = len(positional) - len(args.defaults)
    if drop_first and positional:
        positional = positional[1:]
        positional_only = max(0, positional_only - 1)
        required = max(0, required - 1)
    keyword_only = tuple(a.arg for a in args.kwonlyargs)
    required_keyword = tuple(
        a.arg
        for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        if default is None
    )
    shown = ast.unparse(args)
    if drop_first:
        shown = shown.partition(",")[2].strip() if "," in shown else ""
    return Params(
        name=name,
        positional=tuple(positional),
        positional_only=positional_only,
        required_positional=required,
        keyword_only=keyword_only,
        required_keyword=required_keyword,
        varargs=args.vararg is not None,
        varkw=args.kwarg is not None,
        line=line,
        text=f"{name}({shown})",
    )


def call_mismatch(params: Params, call: ast.Call) -> str | None:
    """Why ``call`` cannot bind to ``params`` (e.g. "takes 2 positional arguments but 3 were
    given"), or None when it fits or cannot be judged (``*args``/``**kwargs`` at the call)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    given = len(call.args)
    if given > len(params.positional) and not params.varargs:
        most = len(params.positional)
        return f"takes {most} positional argument{'s' * (most != 1)} but {given} were given"
    filled = set(params.positional[:given])
    for keyword in call.keywords:
        name = keyword.arg or ""
        by_keyword = params.positional[params.positional_only :] + params.keyword_only
        if name in filled:
            return f"got multiple values for argument `{name}`"
        if name not in by_keyword and not params.varkw:
            return f"got an unexpected keyword argument `{name}`"
        filled.add(name)
    missing = [p for p in params.positional[: params.required_positional] if p not in filled] + [
        p for p in params.required_keyword if p not in filled
    ]
    if missing:
        listed = ", ".join(f"`{m}`" for m in missing)
        return f"missing required argument{'s' * (len(missing) != 1)} {listed}"
    return None


def rebound_names(tree: ast.Module) -> set[str]:
    """Names bound anywhere but by a top-level ``def``/``class``/import: parameters, nested
    definitions, assignment and loop targets. A call through such a name may not reach the
    top-level function, so arity is not judged for it."""
    top_defs = {
        id(n)
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and id(node) not in top_defs
        ):
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    top_imports = {id(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    seen: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if id(node) not in top_imports or bound in seen:
                    names.add(bound)
                seen.add(bound)
    for node in tree.body:  # a name defined twice at top level: which one a call reaches varies
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name in seen:
                names.add(node.name)
            seen.add(node.name)
    return names
