"""JavaScript literals: string patterns of a TypeScript type's literals, for schema-
constrained decoding of a Node plan's examples, and the check that a text is a literal.

The patterns follow ``literal_patterns``' rules (read its docstring): only what llama.cpp's
schema-to-grammar converter reads, and never ``"`` or ``\\``, so a literal cannot end the
JSON string early; strings are therefore single-quoted (``'abc'``). A literal is a number
(decimal), a string, ``true``/``false``, ``null``, ``undefined``, or an array or plain
object of them (``[1, 2]``, ``{a: 1, 'b c': [true]}``). What a reply holds is still checked
with ``is_js_literal`` (tree-sitter's JavaScript grammar: literal nodes only) after."""

import re
import unicodedata

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.generation.examples import MAX_EXAMPLE_CHARS, Example
from quantumlayer_dagster.generation.literal_patterns import anchored
from quantumlayer_dagster.generation.node_annotations import parse_type

NUMBER = "-?[0-9]+([.][0-9]+)?"
BOOL = "(true|false)"
STR = "'[^'\"\\\\]*'"
NULL = "null"
UNDEFINED = "undefined"
KEY = f"([A-Za-z_][A-Za-z0-9_]*|{STR})"
ANY = f'({NUMBER}|{STR}|{BOOL}|{NULL}|\\[[^\\[\\]"\\\\]*\\]|\\{{[^{{}}"\\\\]*\\}})'
RAISES = "raises [A-Z][A-Za-z]*"

_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
_SIMPLE_TEXT = re.compile(r"^[A-Za-z0-9 _-]*\Z")
_MAX_DEPTH = 32
_ARRAYS = ("Array", "ReadonlyArray", "Iterable", "Set", "ReadonlySet")
_PREDEFINED = {
    "number": NUMBER,
    "string": STR,
    "boolean": BOOL,
    "null": NULL,
    "undefined": UNDEFINED,
    "void": UNDEFINED,
}


def pattern_for(type_text: str) -> str:
    """The literal pattern (unanchored) for values of the TypeScript type ``type_text``."""
    node = parse_type(type_text)
    return ANY if node is None else _pattern(node, 0)


def result_schema(type_text: str) -> dict[str, str]:
    """The schema of an example's result: a literal of the return type, or ``raises X``."""
    return anchored(f"{pattern_for(type_text)}|{RAISES}")


def _pattern(node: Node, depth: int) -> str:
    kind = node.type
    if depth > 2:
        return ANY
    if kind in ("parenthesized_type", "readonly_type", "optional_type", "type_annotation"):
        inner = node.named_children
        return _pattern(inner[0], depth) if inner else ANY
    if kind == "predefined_type":
        return _PREDEFINED.get(_text(node), ANY)
    if kind == "literal_type":
        return _literal_type(node)
    if kind == "union_type":
        return "(" + "|".join(_pattern(c, depth + 1) for c in node.named_children) + ")"
    if kind == "array_type":
        return _list(_pattern(node.named_children[0], depth + 1))
    if kind == "tuple_type":
        items = ", ".join(_pattern(c, depth + 1) for c in node.named_children)
        return f"\\[{items}\\]"
    if kind == "generic_type":
        name = _text(node.child_by_field_name("name"))
        arguments = node.child_by_field_name("type_arguments")
        inner = arguments.named_children if arguments is not None else []
        if name in _ARRAYS[:3] and len(inner) == 1:
            return _list(_pattern(inner[0], depth + 1))
        if name == "Record" and len(inner) == 2:
            return _object(_key(inner[0]), _pattern(inner[1], depth + 1))
        if name == "Promise" and len(inner) == 1:
            return _pattern(inner[0], depth)  # an example's call is awaited
        return ANY
    if kind == "object_type":
        return _object_type(node, depth)
    return ANY


def _literal_type(node: Node) -> str:
    text = _text(node)
    inner = node.named_children[0] if node.named_children else None
    if inner is not None and inner.type == "string":
        body = text[1:-1]
        return f"'{body}'" if _SIMPLE_TEXT.match(body) else STR
    if inner is not None and inner.type in ("true", "false", "null", "undefined"):
        return inner.type
    if re.match(r"^-?[0-9]+\Z", text):
        return text
    return NUMBER if inner is not None else ANY


def _list(item: str) -> str:
    return f"\\[({item}(, {item})*)?\\]"


def _object(key: str, value: str) -> str:
    return f"\\{{({key}: {value}(, {key}: {value})*)?\\}}"


def _key(node: Node) -> str:
    return "[0-9]+" if _text(node) == "number" else KEY


def _object_type(node: Node, depth: int) -> str:
    pairs: list[str] = []
    for member in node.named_children:
        if member.type == "index_signature":
            value = member.child_by_field_name("type")
            index = member.child_by_field_name("index_type")
            key = _key(index) if index is not None else KEY
            return _object(key, _pattern(value, depth + 1) if value is not None else ANY)
        name = member.child_by_field_name("name")
        annotation = member.child_by_field_name("type")
        if member.type != "property_signature" or name is None:
            return ANY
        if name.type != "property_identifier":
            return ANY
        item = _pattern(annotation, depth + 1) if annotation is not None else ANY
        pairs.append(f"{_text(name)}: {item}")
    return "\\{" + ", ".join(pairs) + "\\}" if pairs else "\\{\\}"


def is_js_literal(text: str) -> bool:
    """Whether ``text`` is one JavaScript literal (see the module docstring), at most
    ``MAX_EXAMPLE_CHARS`` long."""
    if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text):
        return False  # a raw control character or line separator: write it as an escape
    node = _expression(text)
    return node is not None and _literal(node)


def js_literal_call(text: str) -> bool:
    """A call of a name with literal arguments (``add(2, 3)``), or of a method on such a
    call or on ``new Name(literals)`` (``new Stack([1]).push(2)``)."""
    node = _expression(text)
    top = True
    while node is not None:
        if node.type == "new_expression":
            constructor = node.child_by_field_name("constructor")
            return (
                not top
                and constructor is not None
                and constructor.type == "identifier"
                and _literal_arguments(node.child_by_field_name("arguments"))
            )
        top = False
        if node.type != "call_expression":
            return False
        if not _literal_arguments(node.child_by_field_name("arguments")):
            return False
        callee = node.child_by_field_name("function")
        if callee is None:
            return False
        if callee.type == "identifier":
            return _text(callee) not in ("eval", "require", "import", "Function")
        if callee.type != "member_expression":
            return False
        prop = callee.child_by_field_name("property")
        if prop is None or prop.type != "property_identifier":
            return False
        node = callee.child_by_field_name("object")
    return False


def node_example(call: str, result: str) -> Example | None:
    """The example a Node plan states (``result`` a JS literal or ``raises Name``), or None
    when the call or the result is not acceptable."""
    raised = re.match(r"^raises\s+(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)\Z", result.strip())
    if raised:
        return Example(call=call.strip(), raises=raised["name"]) if js_literal_call(call) else None
    if not (js_literal_call(call) and is_js_literal(result)):
        return None
    return Example(call=call.strip(), expected=result.strip())


def example_call(
    name: str, args: list[str], owner: str | None = None, init: list[str] | None = None
) -> str:
    """``add(2, 3)``, or for a method ``new Counter(1).increment(2)``."""
    call = f"{name}({', '.join(a.strip() for a in args)})"
    if owner is None:
        return call
    return f"new {owner}({', '.join(a.strip() for a in init or [])}).{call}"


def _expression(text: str) -> Node | None:
    """The single expression ``text`` is, or None."""
    if not text.strip() or len(text) > MAX_EXAMPLE_CHARS:
        return None
    tree = parse("javascript", f"({text.strip()});")
    if tree is None or tree.root_node.has_error or len(tree.root_node.named_children) != 1:
        return None
    statement = tree.root_node.named_children[0]
    if statement.type != "expression_statement" or not statement.named_children:
        return None
    wrapper = statement.named_children[0]
    if wrapper.type != "parenthesized_expression" or len(wrapper.named_children) != 1:
        return None
    return wrapper.named_children[0]


def _literal_arguments(arguments: Node | None) -> bool:
    if arguments is None or arguments.type != "arguments":
        return False
    return _no_holes(arguments) and all(_literal(a) for a in arguments.named_children)


def _literal(root: Node) -> bool:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH or node.type == "comment":
            return False
        kind = node.type
        if kind in ("true", "false", "null", "undefined"):
            continue
        if kind == "number":
            if not _DECIMAL.match(_text(node)):
                return False
        elif kind == "unary_expression":
            operand = node.child_by_field_name("argument")
            operator = node.child_by_field_name("operator")
            if _text(operator) != "-" or operand is None or operand.type != "number":
                return False
            stack.append((operand, depth + 1))
        elif kind == "string":
            parts = {c.type for c in node.named_children}
            if not parts <= {"string_fragment", "escape_sequence"}:
                return False
        elif kind == "array":
            if not _no_holes(node):
                return False
            stack += [(c, depth + 1) for c in node.named_children]
        elif kind == "object":
            for pair in node.named_children:
                if pair.type != "pair":
                    return False
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key is None or value is None:
                    return False
                if key.type not in ("property_identifier", "string", "number"):
                    return False
                if _text(key).strip("'\"") == "__proto__":
                    return False
                stack += [(key, depth + 1), (value, depth + 1)]
        elif kind != "property_identifier":
            return False
    return True


def _no_holes(node: Node) -> bool:
    """No elision (``[1, , 2]``) or spread among the items of an array or arguments list."""
    previous = "("
    for child in node.children:
        if child.type == "," and previous in ("(", "[", ","):
            return False
        if child.type == "spread_element":
            return False
        previous = child.type
    return True


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""
