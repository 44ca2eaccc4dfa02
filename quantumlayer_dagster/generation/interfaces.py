"""The interfaces of modules already written, as a prompt section for the next ones: module
path, public functions and classes with their signatures and first docstring line, never the
bodies (so the prompt stays small and the model imports and calls what really exists)."""

import ast

from quantumlayer_dagster.analysis.parsing import python_module_names
from quantumlayer_dagster.artifacts.code import SourceFile

INTERFACES_CHARS = 3000
"""Most characters of interfaces sent with one file's request."""


def interfaces_text(files: list[SourceFile], limit: int = INTERFACES_CHARS) -> str:
    """One block per Python module that compiles, e.g.::

        pkg/ops.py (import as pkg.ops):
        - def add(a, b) -> int: Add two numbers.
        - class Stack(items=None): methods push(item), pop()

    Modules past ``limit`` characters are named without their definitions."""
    blocks: list[str] = []
    used = 0
    for source in files:
        names = python_module_names(source.path)
        if not names:
            continue
        lines = _definition_lines(source)
        if lines is None:
            continue
        block = "\n".join([f"{source.path} (import as {names[-1]}):", *lines])
        if used + len(block) > limit:
            block = f"{source.path} (import as {names[-1]}): definitions not shown"
        blocks.append(block)
        used += len(block)
    return "\n".join(blocks)


def _definition_lines(source: SourceFile) -> list[str] | None:
    try:
        tree = ast.parse(source.content, source.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _public(node.name):
            lines.append(f"- def {_signature(node)}{_doc(node)}")
        elif isinstance(node, ast.ClassDef) and _public(node.name):
            methods = [
                n
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and _public(n.name)
            ]
            init = next(
                (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                None,
            )
            params = _without_self(ast.unparse(init.args)) if init else ""
            shown = ", ".join(_without_self_sig(m) for m in methods)
            lines.append(
                f"- class {node.name}({params}){_doc(node)}"
                + (f"; methods {shown}" if shown else "")
            )
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    lines.append(f"- constant {target.id}")
    return lines or ["- (no public functions or classes)"]


def _public(name: str) -> bool:
    return not name.startswith("_")


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{node.name}({ast.unparse(node.args)}){returns}"


def _without_self(params: str) -> str:
    first, _, rest = params.partition(",")
    return rest.strip() if first.strip() in ("self", "cls") else params


def _without_self_sig(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return f"{node.name}({_without_self(ast.unparse(node.args))})"


def _doc(node: ast.AST) -> str:
    doc = (
        ast.get_docstring(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        else None
    )
    first = (doc or "").strip().splitlines()
    return f": {first[0][:100]}" if first else ""
