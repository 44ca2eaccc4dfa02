"""Where things are defined in generated Python code (read with ast, never executed)."""

import ast
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.code import SourceFile


def module_name(path: str) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg``."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # "function" | "class"
    module: str
    path: str
    line: int
    signature: str
    doc: str


def public_definitions(files: list[SourceFile]) -> list[Definition]:
    """Top-level public functions and classes of every Python file that parses."""
    found: list[Definition] = []
    for f in files:
        if f.language != "python":
            continue
        try:
            tree = ast.parse(f.content, filename=f.path)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if node.name.startswith("_"):
                continue
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            signature = (
                node.name
                if isinstance(node, ast.ClassDef)
                else f"{node.name}({ast.unparse(node.args)})"
            )
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            found.append(
                Definition(
                    name=node.name,
                    kind=kind,
                    module=module_name(f.path),
                    path=f.path,
                    line=node.lineno,
                    signature=signature,
                    doc=doc[0] if doc else "",
                )
            )
    return found
