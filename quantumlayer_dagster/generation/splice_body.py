"""Splicing a model's reply into a slot, by syntax tree.

The reply may be the whole function (``def`` line, docstring, body), the function inside its
class, or only the body. What is kept: the statements of the body under OUR ``def`` line and
docstring (so the model cannot change a signature or rename), the imports it needs when
the plan allows them (hoisted to the module's import block), and the helper functions,
classes and constants it defines beside the function (nested at the start of the body, so
two bodies' helpers can never clash). Everything else at the top level of a reply (example
calls, prints, asserts, a ``__main__`` block, other planned functions written again) is
dropped. A reply that changes the parameters, imports what the plan does not allow, or
defines a helper under a name the module already uses is refused with a finding; one that
only names the parameters otherwise (as many, of the same kinds) has its names replaced by
ours where that cannot change what a name refers to."""

import ast
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.generation.slots import Slot, is_stub_body

Allowance = Callable[[str], str | None]
"""Module name -> None when the body may import it, else why not (one line)."""


@dataclass(frozen=True)
class Body:
    """A body to splice: its statements (unindented, ending with a newline, helpers first)
    and the import statements to hoist."""

    text: str
    imports: tuple[str, ...] = ()


class SpliceRefused(ValueError):
    """The reply cannot be spliced; ``findings`` say why, one line each."""

    def __init__(self, findings: list[str]):
        super().__init__("; ".join(findings))
        self.findings = findings


def body_from_reply(
    code: str,
    slot: Slot,
    *,
    allowed: Allowance,
    taken: frozenset[str] = frozenset(),
    siblings: frozenset[str] = frozenset(),
) -> Body:
    """The body ``code`` (the code of a reply) gives for ``slot``. ``taken`` are the names
    the module already binds (imports, planned functions and classes); ``siblings`` are the
    other slots' names, whose definitions in a reply are dropped. Raises SpliceRefused."""
    tree = _parse(code, slot)
    target = _target(tree, slot, siblings)
    if target is None:
        if any(
            isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in tree.body
        ):
            raise SpliceRefused([f"the reply does not define `{slot.name}`: write that function"])
        statements, source = tree.body, code  # a bare body
    else:
        renamed = _renamed_to_plan(tree, target, slot)
        if renamed is not None:  # the reply named the parameters otherwise: ours are used
            return body_from_reply(renamed, slot, allowed=allowed, taken=taken, siblings=siblings)
        _check_params(target, slot)
        statements, source = target.body, code
        if statements and _docstring(statements[0]):
            statements = statements[1:]
    if not statements or is_stub_body(statements):
        raise SpliceRefused([f"the body of `{slot.name}` is still a placeholder: write it"])
    lines = source.splitlines()
    findings: list[str] = []
    helpers: list[str] = []
    imports: list[str] = []
    if target is not None:
        for node in tree.body:
            if node is target or _holds(node, target):
                continue
            own = frozenset({target.name, slot.name})
            kept = _top_level(node, lines, allowed, taken, siblings, findings, own)
            if kept is None:
                continue
            (imports if isinstance(node, ast.Import | ast.ImportFrom) else helpers).append(kept)
    inner = [
        n for s in statements for n in ast.walk(s) if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    for node in inner:
        findings += _import_problems(node, allowed, taken, top_level=False)
    if findings:
        raise SpliceRefused(list(dict.fromkeys(findings)))
    body = _segment(lines, statements[0], statements[-1])
    text = "\n\n".join([*helpers, body]) if helpers else body
    return Body(text=text.rstrip("\n") + "\n", imports=tuple(dict.fromkeys(imports)))


def _parse(code: str, slot: Slot) -> ast.Module:
    for candidate in (code, textwrap.dedent(code)):
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    try:
        ast.parse(code)
    except SyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        raise SpliceRefused(
            [f"the reply for `{slot.name}` does not parse: {where}{exc.msg}"]
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SpliceRefused([f"the reply for `{slot.name}` does not parse: {exc}"]) from None
    raise AssertionError("unreachable")


def _target(
    tree: ast.Module, slot: Slot, siblings: frozenset[str]
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The reply's definition of the slot: a top-level def of its name; else the reply's one
    function with the slot's parameters under another name (not a sibling's); else the
    method in a class of the owner's name (any class, for a function)."""
    defs = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == slot.name
    ]
    if defs:
        return defs[-1]
    renamed = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and _params(n) == slot.params
        and n.name not in siblings
    ]
    if len(renamed) == 1 and slot.owner is None:
        return renamed[0]  # the one function of the reply, under a name the model chose
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and (slot.owner is None or node.name == slot.owner):
            methods = [
                n
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == slot.name
            ]
            if methods:
                return methods[-1]
    return None


def _holds(node: ast.stmt, target: ast.AST) -> bool:
    return isinstance(node, ast.ClassDef) and any(item is target for item in node.body)


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    args = node.args
    given = [a.arg for a in [*args.posonlyargs, *args.args]]
    given += [f"*{args.vararg.arg}"] if args.vararg else []
    given += [a.arg for a in args.kwonlyargs]
    given += [f"**{args.kwarg.arg}"] if args.kwarg else []
    return tuple(given)


def _renamed_to_plan(
    tree: ast.Module, target: ast.FunctionDef | ast.AsyncFunctionDef, slot: Slot
) -> str | None:
    """The reply with its function's parameters renamed to the planned ones, when it has as
    many, of the same kinds, and renaming is safe (no planned name used otherwise in the
    function, no nested function or lambda binding one of its names); else None."""
    given = list(_params(target))
    planned = list(slot.params)
    if slot.owner is not None and given[:1] != ["self"] and planned[:1] == ["self"]:
        planned = planned[1:]
    if given == planned or len(given) != len(planned):
        return None
    if [_stars(g) for g in given] != [_stars(p) for p in planned]:
        return None  # a *args or **kwargs where the plan has a plain parameter, or the reverse
    mapping = {g.lstrip("*"): p.lstrip("*") for g, p in zip(given, planned, strict=True)}
    used = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    nested = {
        a.arg
        for n in ast.walk(target)
        if n is not target and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for a in [*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs]
    }
    if (set(mapping.values()) - set(mapping)) & used or set(mapping) & nested:
        return None
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
        elif isinstance(node, ast.arg) and node.arg in mapping:
            node.arg = mapping[node.arg]
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return None


def _stars(param: str) -> int:
    return len(param) - len(param.lstrip("*"))


def _check_params(target: ast.FunctionDef | ast.AsyncFunctionDef, slot: Slot) -> None:
    given = list(_params(target))
    if slot.owner is not None and given[:1] != ["self"] and slot.params[:1] == ("self",):
        given = ["self", *given]  # the method written as a function: self is ours to add
    if tuple(given) != slot.params:
        planned = ", ".join(slot.params)
        raise SpliceRefused(
            [
                f"the reply changes the parameters of `{slot.name}`: planned "
                f"`{slot.name}({planned})`, the reply has `{slot.name}({', '.join(given)})`; "
                "keep the parameters as given"
            ]
        )


def _top_level(
    node: ast.stmt,
    lines: list[str],
    allowed: Allowance,
    taken: frozenset[str],
    siblings: frozenset[str],
    findings: list[str],
    own: frozenset[str],
) -> str | None:
    """The source of a top-level statement of the reply to keep (an import to hoist, or a
    helper to nest), or None to drop it; problems go to ``findings``."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        problems = _import_problems(node, allowed, taken, top_level=True)
        findings += problems
        return None if problems else _segment(lines, node, node)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        if node.name in siblings:
            return None  # another slot of the module, written by its own request
        if node.name in taken:
            findings.append(
                f"the reply defines `{node.name}`, a name the module already has: give the "
                "helper another name"
            )
            return None
        return _segment(lines, node, node, decorated=True)
    if isinstance(node, ast.Assign | ast.AnnAssign) and _constant_target(node):
        used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}  # type: ignore[arg-type]
        if used & (siblings | own):
            return None  # an example call (`result = add(2, 3)`), not a helper constant
        names = _assigned_names(node)
        clash = sorted(names & (taken | siblings))
        if clash:
            findings.append(
                f"the reply assigns `{clash[0]}`, a name the module already has: give it "
                "another name"
            )
            return None
        return _segment(lines, node, node)
    return None  # example calls, prints, asserts, a __main__ block: not part of the body


def _import_problems(
    node: ast.Import | ast.ImportFrom, allowed: Allowance, taken: frozenset[str], *, top_level: bool
) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            named = f"{'.' * node.level}{node.module or ''}"
            return [f"relative import `{named}`: import project modules by their full name"]
        modules = [node.module or ""]
        bound = [a.asname or a.name for a in node.names]
    else:
        modules = [a.name for a in node.names]
        # `import re` binds the module's own name: the same as the module's `import re`
        bound = [a.asname for a in node.names if a.asname]
    problems = [p for m in modules if (p := allowed(m))]
    if top_level:
        problems += [
            f"the reply imports `{name}`, a name the module already has"
            for name in bound
            if name in taken
        ]
    if any(a.name == "*" for a in node.names):
        problems.append("`import *` hides which names the body uses: import them by name")
    return problems


def _constant_target(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return all(isinstance(t, ast.Name) for t in targets) and node.value is not None


def _assigned_names(node: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def _segment(lines: list[str], first: ast.stmt, last: ast.stmt, *, decorated: bool = False) -> str:
    """The source lines from ``first`` to ``last``, dedented."""
    start = first.lineno
    if decorated and isinstance(first, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        start = min([start, *(d.lineno for d in first.decorator_list)])
    end = last.end_lineno or last.lineno
    return textwrap.dedent("\n".join(lines[start - 1 : end])).strip("\n")


def _docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def standard_library(module: str) -> bool:
    """Whether ``module`` belongs to the standard library."""
    return module.split(".")[0] in sys.stdlib_module_names


def assemble(content: str, bodies: dict[Slot, Body]) -> str:
    """``content`` with each slot's body spliced in (bottom-up, so line numbers hold) and
    the bodies' imports added after the module's last top-level import (or its docstring),
    each once and only when the module does not already have it."""
    lines = content.splitlines()
    for slot in sorted(bodies, key=lambda s: s.first, reverse=True):
        text = textwrap.indent(bodies[slot].text, slot.indent, lambda line: bool(line.strip()))
        lines[slot.first - 1 : slot.last] = text.rstrip("\n").splitlines()
    wanted = [i for body in bodies.values() for i in body.imports]
    if wanted:
        tree = ast.parse(content)
        present = {
            _segment(content.splitlines(), n, n)
            for n in tree.body
            if isinstance(n, ast.Import | ast.ImportFrom)
        }
        new = [i for i in dict.fromkeys(wanted) if i not in present]
        if new:
            at = _import_line(tree)
            lines[at:at] = new
    return "\n".join(lines) + "\n"


def _import_line(tree: ast.Module) -> int:
    """The 0-based line after the last top-level import before any definition (after the
    docstring when there is none)."""
    at = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or (_docstring(node) and at == 0):
            at = node.end_lineno or node.lineno
        else:
            break
    return at
