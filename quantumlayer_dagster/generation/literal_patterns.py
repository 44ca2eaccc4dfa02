"""String patterns for literals of a type, for schema-constrained decoding of examples.

The decoding schema types each example argument by its parameter's annotation (``int`` ->
an integer literal, ``list[str]`` -> a list of string literals...), so even a tiny model
writes a call the signature accepts. The patterns use only what llama.cpp's schema-to-
grammar converter reads (character classes, groups, ``|``, ``?``, ``*``, ``+``; no ``\\.``
escapes, no bounded repetition, which it unrolls), and exclude ``"`` and ``\\`` so a
literal never ends the JSON string early. A reply is still checked with ``ast`` after."""

import ast

INT = "-?[0-9]+"
FLOAT = "-?[0-9]+([.][0-9]+)?"
BOOL = "(True|False)"
STR = "'[^'\"\\\\]*'"
NONE = "None"
ANY = f'({FLOAT}|{STR}|{BOOL}|{NONE}|\\[[^\\[\\]"\\\\]*\\]|\\{{[^{{}}"\\\\]*\\}}|\\([^()"\\\\]*\\))'
RAISES = "raises [A-Z][A-Za-z]*"


def pattern_for(annotation: str) -> str:
    """The literal pattern (unanchored) for values of ``annotation``."""
    try:
        node = ast.parse(annotation.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return ANY
    return _pattern(node, depth=0)


def anchored(pattern: str) -> dict[str, str]:
    """A JSON schema string of exactly ``pattern``."""
    return {"type": "string", "pattern": f"^({pattern})$"}


def result_schema(annotation: str) -> dict[str, str]:
    """The schema of an example's result: a literal of the return type, or ``raises X``."""
    return anchored(f"{pattern_for(annotation)}|{RAISES}")


def _pattern(node: ast.expr, depth: int) -> str:
    if depth > 2:
        return ANY
    if isinstance(node, ast.Constant) and node.value is None:
        return NONE
    if isinstance(node, ast.Name):
        return {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "None": NONE}.get(
            node.id, _container(node.id, [], depth)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return f"({_pattern(node.left, depth + 1)}|{_pattern(node.right, depth + 1)})"
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if node.value.id == "Optional" and len(inner) == 1:
            return f"({_pattern(inner[0], depth + 1)}|{NONE})"
        return _container(node.value.id, inner, depth)
    return ANY


def _container(name: str, inner: list[ast.expr], depth: int) -> str:
    lowered = name.lower()
    if lowered in ("list", "sequence", "iterable") and len(inner) == 1:
        item = _pattern(inner[0], depth + 1)
        return f"\\[({item}(, {item})*)?\\]"
    if lowered in ("set", "frozenset") and len(inner) == 1:
        item = _pattern(inner[0], depth + 1)
        return f"\\{{{item}(, {item})*\\}}"
    if lowered in ("dict", "mapping") and len(inner) == 2:
        key, value = _pattern(inner[0], depth + 1), _pattern(inner[1], depth + 1)
        return f"\\{{({key}: {value}(, {key}: {value})*)?\\}}"
    if lowered == "tuple" and inner and not (len(inner) == 2 and _is_ellipsis(inner[1])):
        items = ", ".join(_pattern(i, depth + 1) for i in inner)
        return f"\\({items}{',' if len(inner) == 1 else ''}\\)"
    return ANY


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis
