"""Slots: the functions of a Python module whose bodies are still to be written.

A function is a slot when its body, after an optional docstring, is ``...``, ``pass`` or
``raise NotImplementedError`` (with or without a message), or nothing but the docstring.
Top-level functions and the methods of top-level classes are found; nested functions are
part of their parent's body. Everything is read from the syntax tree: nothing is run."""

import ast
from dataclasses import dataclass, field

from quantumlayer_dagster.generation.examples import Example, docstring_examples


@dataclass(frozen=True)
class Slot:
    """One function to fill. Lines are 1-based; ``first``..``last`` are the lines the body
    replaces (for a docstring-only function, ``first`` is the line after the docstring and
    ``last`` is ``first - 1``: the body is inserted there). ``indent`` is the body's
    indentation; ``params`` the parameter names in order (``self`` included for a method)."""

    qualname: str
    first: int
    last: int
    indent: str
    params: tuple[str, ...]
    header: str
    """The ``def`` line(s) as written, up to and including the colon."""
    docstring: str
    examples: tuple[Example, ...] = field(default=())
    is_async: bool = False

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def owner(self) -> str | None:
        """The class a method belongs to (None for a function)."""
        return self.qualname.rsplit(".", 1)[0] if "." in self.qualname else None


def find_slots(content: str, path: str = "<module>") -> list[Slot]:
    """The slots of a module, in source order. Raises SyntaxError when it does not parse."""
    tree = ast.parse(content, path)
    lines = content.splitlines()
    found: list[Slot] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            slot = _slot(node, node.name, lines)
            found += [slot] if slot else []
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    slot = _slot(item, f"{node.name}.{item.name}", lines, owner=node.name)
                    found += [slot] if slot else []
    return found


def function_slot(content: str, qualname: str) -> Slot:
    """The slot of the function ``qualname`` (``name`` or ``Class.name``) whether or not its
    body is a placeholder: ``first``..``last`` then span the body after its docstring, which
    a new body replaces. Raises KeyError when the module has no such function and
    SyntaxError when it does not parse."""
    tree = ast.parse(content)
    lines = content.splitlines()
    owner, _, name = qualname.rpartition(".")
    scope: list[ast.stmt] = tree.body
    if owner:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        scope = classes[-1].body if classes else []
    for node in reversed(scope):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            slot = _slot(node, qualname, lines, owner=owner or None, any_body=True)
            if slot is not None:
                return slot
    raise KeyError(f"no function {qualname!r} in the module")


def is_stub_body(body: list[ast.stmt]) -> bool:
    """Whether a function body is a placeholder (see the module docstring)."""
    rest = body[1:] if body and _is_docstring(body[0]) else body
    if not rest:
        return True
    if len(rest) != 1:
        return False
    stmt = rest[0]
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value is Ellipsis
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _slot(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    qualname: str,
    lines: list[str],
    owner: str | None = None,
    *,
    any_body: bool = False,
) -> Slot | None:
    if not any_body and not is_stub_body(node.body):
        return None
    has_doc = _is_docstring(node.body[0])
    docstring = ast.get_docstring(node) or ""
    rest = node.body[1:] if has_doc else node.body
    indent_of = node.body[0]
    indent = " " * indent_of.col_offset
    doc_end = (node.body[0].end_lineno or node.body[0].lineno) if has_doc else node.lineno
    first = rest[0].lineno if rest else doc_end + 1
    last = (rest[-1].end_lineno or rest[-1].lineno) if rest else doc_end
    header_end = node.body[0].lineno - 1
    if header_end < node.lineno:  # a body on the def line: `def f(): ...`
        return None
    header = "\n".join(lines[node.lineno - 1 : header_end]).strip("\n")
    args = node.args
    params = [a.arg for a in [*args.posonlyargs, *args.args]]
    params += [f"*{args.vararg.arg}"] if args.vararg else []
    params += [a.arg for a in args.kwonlyargs]
    params += [f"**{args.kwarg.arg}"] if args.kwarg else []
    name = owner or node.name
    return Slot(
        qualname=qualname,
        first=first,
        last=last,
        indent=indent,
        params=tuple(params),
        header=header,
        docstring=docstring,
        examples=tuple(docstring_examples(docstring, name if owner is None else owner)),
        is_async=isinstance(node, ast.AsyncFunctionDef),
    )


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )
