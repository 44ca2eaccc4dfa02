"""The interfaces of JavaScript/TypeScript files already written, as a prompt section for the
next ones: the file, how to import it, and what it exports (functions with their parameters
and return types, classes with their public methods, constants), never the bodies."""

import posixpath

from tree_sitter import Node

from quantumlayer_dagster.analysis.code_index import Definition
from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.interfaces import INTERFACES_CHARS

_NODE_LANGUAGES = ("javascript", "typescript")
_FUNCTION_VALUES = ("arrow_function", "function_expression", "function")


def _public(method: Node) -> bool:
    return not _text(method.child_by_field_name("name")).startswith(("#", "_"))


def node_interfaces_text(
    files: list[SourceFile], importer: str, limit: int = INTERFACES_CHARS
) -> str:
    """One block per JS/TS file, with the specifier ``importer`` imports it by, e.g.::

        src/text.ts (import from "./text.js"):
        - export function slugify(text: string): string
        - export class Stack: methods push(item: T), pop()

    Files past ``limit`` characters are named without their exports."""
    blocks: list[str] = []
    used = 0
    for source in files:
        if source.language not in _NODE_LANGUAGES:
            continue
        tree = parse(source.language or "", source.content)
        if tree is None or tree.root_node.has_error:
            continue
        head = f'{source.path} (import from "{specifier(importer, source.path)}")'
        lines = [_export_line(n) for n in tree.root_node.children if n.type == "export_statement"]
        shown = [line for line in lines if line] or ["- (exports nothing)"]
        block = "\n".join([f"{head}:", *shown])
        if used + len(block) > limit:
            block = f"{head}: exports not shown"
        blocks.append(block)
        used += len(block)
    return "\n".join(blocks)


def specifier(importer: str, path: str) -> str:
    """The relative specifier ``importer`` imports ``path`` by, as Node resolves ES modules:
    the compiled ``.js`` name for a ``.ts`` file."""
    relative = posixpath.relpath(path, posixpath.dirname(importer) or ".")
    if not relative.startswith("."):
        relative = f"./{relative}"
    stem, suffix = posixpath.splitext(relative)
    return f"{stem}.js" if suffix in (".ts", ".tsx") else relative


def _export_line(node: Node) -> str:
    declaration = node.child_by_field_name("declaration")
    if declaration is None:
        return ""
    kind = declaration.type
    if kind in ("function_declaration", "generator_function_declaration"):
        return f"- export function {_signature(declaration)}"
    if kind in ("class_declaration", "abstract_class_declaration"):
        name = _text(declaration.child_by_field_name("name"))
        body = declaration.child_by_field_name("body")
        methods = [
            _signature(m)
            for m in (body.named_children if body is not None else [])
            if m.type == "method_definition" and _public(m)
        ]
        return f"- export class {name}" + (f": methods {', '.join(methods)}" if methods else "")
    if kind in ("lexical_declaration", "variable_declaration"):
        parts = []
        for declarator in declaration.named_children:
            if declarator.type != "variable_declarator":
                continue
            value = declarator.child_by_field_name("value")
            name = _text(declarator.child_by_field_name("name"))
            if value is not None and value.type in _FUNCTION_VALUES:
                parts.append(f"- export const {name} = {_signature(value, name='')}")
            else:
                parts.append(f"- export const {name}")
        return "\n".join(parts)
    if kind in ("interface_declaration", "type_alias_declaration", "enum_declaration"):
        keyword = kind.split("_")[0]
        return f"- export {keyword} {_text(declaration.child_by_field_name('name'))}"
    return ""


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
