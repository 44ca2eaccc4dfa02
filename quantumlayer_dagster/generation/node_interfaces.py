"""How JavaScript/TypeScript files of a project are imported and what they export: the
relative specifier one file imports another by (as Node resolves ES modules), and the
exported functions and classes of written files (the docs' API list)."""

import posixpath

from tree_sitter import Node

from quantumlayer_dagster.analysis.code_index import Definition
from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.artifacts.code import SourceFile

_NODE_LANGUAGES = ("javascript", "typescript")


def specifier(importer: str, path: str) -> str:
    """The relative specifier ``importer`` imports ``path`` by, as Node resolves ES modules:
    the compiled ``.js`` name for a ``.ts`` file."""
    relative = posixpath.relpath(path, posixpath.dirname(importer) or ".")
    if not relative.startswith("."):
        relative = f"./{relative}"
    stem, suffix = posixpath.splitext(relative)
    return f"{stem}.js" if suffix in (".ts", ".tsx") else relative


def _signature(node: Node, name: str | None = None) -> str:
    shown = _text(node.child_by_field_name("name")) if name is None else name
    params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
    returns = node.child_by_field_name("return_type")
    text = f"{shown}{_text(params) if params is not None else '()'}"
    return text + (_text(returns) if returns is not None else "")


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    return " ".join((node.text or b"").decode("utf-8", errors="replace").split())


def node_definitions(files: list[SourceFile]) -> list[Definition]:
    """The exported functions and classes of every JS/TS file that parses (``module`` is the
    file's path), for finding the file a test case's target lives in."""
    found: list[Definition] = []
    for source in files:
        if source.language not in _NODE_LANGUAGES:
            continue
        tree = parse(source.language or "", source.content)
        if tree is None:
            continue
        for node in tree.root_node.children:
            if node.type != "export_statement":
                continue
            declaration = node.child_by_field_name("declaration")
            if declaration is None:
                continue
            names = [declaration.child_by_field_name("name")]
            if declaration.type in ("lexical_declaration", "variable_declaration"):
                names = [d.child_by_field_name("name") for d in declaration.named_children]
            for name in names:
                text = _text(name)
                if not text:
                    continue
                kind = "class" if "class" in declaration.type else "function"
                function = declaration.type.endswith("function_declaration")
                found.append(
                    Definition(
                        name=text,
                        kind=kind,
                        module=source.path,
                        path=source.path,
                        line=node.start_point[0] + 1,
                        signature=_signature(declaration) if function else text,
                        doc="",
                    )
                )
    return found
