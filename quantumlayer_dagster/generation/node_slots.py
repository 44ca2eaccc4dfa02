"""Slots of a TypeScript or JavaScript module: the functions whose bodies are still to be
written, read with tree-sitter (nothing is run).

A function is a slot when its body holds nothing but comments, or comments and one
placeholder ``throw new Error("not implemented: ...")`` (a message saying "not implemented",
"unimplemented" or "TODO"). Functions are top-level ``function`` declarations (exported or
not), ``const f = (...) => { ... }`` / ``function`` expressions with a block body, and the
methods (constructor included) of top-level classes; nested functions belong to their
parent's body.

Lines (``Slot.first``..``Slot.last``, 1-based) are those strictly between the line of the
body's ``{`` and the line of its ``}``: the module up to ``first - 1`` ends with the
signature. When the body shares a line with a brace (``{ return 1; }`` on one line),
``first`` is the line after the ``{`` line and ``last`` may be ``first - 1`` or cover only part
of the body: ``node_splice.node_assemble`` always replaces everything between the braces,
found again by syntax tree, so the lines only say where the signature ends."""

from dataclasses import dataclass

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.generation.node_doc import doc_examples
from quantumlayer_dagster.generation.slots import Slot

_PLACEHOLDER_WORDS = ("not implemented", "unimplemented", "todo")
_FUNCTION_VALUES = ("arrow_function", "function_expression", "function")
_PARAMS = ("required_parameter", "optional_parameter")


@dataclass(frozen=True)
class FunctionSite:
    """Where a function is in a parsed module: its qualname (``name``, ``Class.name``), the
    declaration (``start``: the export statement or declaration its doc comment precedes),
    its parameters and its body block."""

    qualname: str
    start: Node
    function: Node
    body: Node
    owner: str | None


def find_node_slots(content: str, language: str = "typescript") -> list[Slot]:
    """The slots of a module, in source order; SyntaxError when it does not parse."""
    root = _root(content, language)
    lines = content.splitlines()
    return [_slot(site, lines) for site in function_sites(root) if is_placeholder_body(site.body)]


def node_function_slot(content: str, qualname: str, language: str = "typescript") -> Slot:
    """The slot of the function ``qualname`` whether or not its body is a placeholder (its
    lines span the body, which a new body replaces). KeyError when the module has no such
    function; SyntaxError when it does not parse."""
    site = find_site(_root(content, language), qualname)
    if site is None:
        raise KeyError(f"no function {qualname!r} in the module")
    return _slot(site, content.splitlines())


def find_site(root: Node, qualname: str) -> FunctionSite | None:
    """The last function of ``qualname`` with a body (overload signatures have none)."""
    sites = [s for s in function_sites(root) if s.qualname == qualname]
    return sites[-1] if sites else None


def function_sites(root: Node) -> list[FunctionSite]:
    """Every top-level function and top-level class method with a block body."""
    found: list[FunctionSite] = []
    for child in root.named_children:
        start = child
        node: Node | None = child
        if child.type == "export_statement":
            node = child.child_by_field_name("declaration")
        if node is None:
            continue
        if node.type in ("function_declaration", "generator_function_declaration"):
            found += _site(_text(node.child_by_field_name("name")), start, node, None)
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                value = declarator.child_by_field_name("value")
                if value is not None and value.type in _FUNCTION_VALUES:
                    name = _text(declarator.child_by_field_name("name"))
                    found += _site(name, start, value, None)
        elif node.type in ("class_declaration", "class"):
            owner = _text(node.child_by_field_name("name"))
            body = node.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                if member.type == "method_definition":
                    name = _text(member.child_by_field_name("name"))
                    found += _site(f"{owner}.{name}", member, member, owner)
    return found


def _site(qualname: str, start: Node, function: Node, owner: str | None) -> list[FunctionSite]:
    body = function.child_by_field_name("body")
    if not qualname or body is None or body.type != "statement_block":
        return []
    return [FunctionSite(qualname, start, function, body, owner)]


def is_placeholder_body(body: Node) -> bool:
    """Whether a body block is a placeholder (see the module docstring)."""
    statements = [c for c in body.named_children if c.type != "comment"]
    if not statements:
        return True
    if len(statements) != 1 or statements[0].type != "throw_statement":
        return False
    thrown = statements[0].named_children[0] if statements[0].named_children else None
    if thrown is None or thrown.type not in ("new_expression", "call_expression"):
        return False
    arguments = thrown.child_by_field_name("arguments")
    message = _text(arguments).lower() if arguments is not None else ""
    return any(word in message for word in _PLACEHOLDER_WORDS)


def param_names(function: Node) -> tuple[str, ...]:
    """The parameter names of a function node, in order (``...rest`` for a rest parameter;
    a destructuring pattern as written)."""
    params = function.child_by_field_name("parameters")
    if params is None:
        single = function.child_by_field_name("parameter")  # `x => ...`
        return (_text(single),) if single is not None else ()
    names: list[str] = []
    for param in params.named_children:
        if param.type == "comment":
            continue
        node = param.child_by_field_name("pattern") if param.type in _PARAMS else param
        if node is None or _text(node) == "this":
            continue
        if node.type == "assignment_pattern":
            node = node.child_by_field_name("left") or node
        if node.type == "rest_pattern":
            inner = node.named_children[0] if node.named_children else node
            names.append(f"...{_text(inner)}")
            continue
        names.append(" ".join(_text(node).split()))
    return tuple(names)


def doc_comment_of(site: FunctionSite) -> str:
    """The text of the ``/** */`` comment right before the function (its markers and the
    leading ``*`` of each line removed)."""
    previous = site.start.prev_named_sibling
    if previous is None or previous.type != "comment" or not _text(previous).startswith("/**"):
        return ""
    if site.start.start_point[0] - previous.end_point[0] > 1:
        return ""
    inner = _text(previous).removeprefix("/**").removesuffix("*/")
    lines = [line.strip().removeprefix("*").strip() for line in inner.splitlines()]
    return "\n".join(lines).strip("\n")


def _slot(site: FunctionSite, lines: list[str]) -> Slot:
    body = site.body
    open_row, close_row = body.start_point[0], body.end_point[0]
    first = open_row + 2
    last = max(close_row, first - 1)  # the `}` line is 1-based close_row + 1
    own_lines = [c for c in body.named_children if c.start_point[0] > open_row]
    decl_row = site.start.start_point[0]
    indent = _indent(lines[decl_row]) + "  "
    if own_lines:
        indent = _indent(lines[own_lines[0].start_point[0]])
    brace_line = lines[open_row].encode("utf-8")[: body.start_point[1] + 1]
    header = "\n".join([*lines[decl_row:open_row], brace_line.decode("utf-8", "replace")])
    doc = doc_comment_of(site)
    name = site.owner or site.qualname
    return Slot(
        qualname=site.qualname,
        first=first,
        last=last,
        indent=indent,
        params=param_names(site.function),
        header=header.strip("\n"),
        docstring=doc,
        examples=tuple(doc_examples(doc, name)),
        is_async=any(c.type == "async" for c in site.function.children),
    )


def _root(content: str, language: str) -> Node:
    tree = parse("javascript" if language == "javascript" else "typescript", content)
    if tree is None:
        raise SyntaxError(f"no grammar for {language}")
    if tree.root_node.has_error:
        raise SyntaxError(f"the {language} module does not parse")
    return tree.root_node


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""
