"""Names and TypeScript types a Node plan may use, checked without running anything.

A type is a TypeScript type expression read with tree-sitter: the predefined types
(``number``, ``string``, ``boolean``, ``void``, ``null``, ``undefined``, ``unknown``, ``any``,
``object``), literal types (``'a'``, ``3``, ``true``), the global types in ``GLOBAL_TYPES``
(``Array<T>``, ``Record<K, V>``, ``Map<K, V>``, ``Promise<T>``, ``Date``...), the project's
planned classes, and ``binding.Name`` of a module the plan imports (``fs.Stats``), combined
with ``T[]``, ``[A, B]`` tuples, ``A | B``, ``(T)``, ``readonly T[]`` and object types
``{ name: string; age?: number }``. Anything else (a function type, ``typeof``, a
conditional type, a name nothing provides) is refused with the reason. JavaScript plans use
the same types in their JSDoc."""

import re

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse

PREDEFINED = frozenset(
    {"number", "string", "boolean", "void", "null", "undefined", "unknown", "any", "object",
     "never", "bigint", "symbol"}
)  # fmt: skip
GLOBAL_TYPES = frozenset(
    {"Array", "ReadonlyArray", "Record", "Map", "ReadonlyMap", "Set", "ReadonlySet", "Promise",
     "Date", "RegExp", "Error", "Partial", "Readonly", "Required", "Iterable", "Iterator",
     "Uint8Array", "Buffer", "Object", "String", "Number", "Boolean", "Function", "Symbol",
     "BigInt", "JSON", "Math", "WeakMap", "WeakSet", "Generator", "AsyncIterable"}
)  # fmt: skip
"""Global names a type may use (TypeScript's lib and @types/node); a class may not take one."""
JS_RESERVED = frozenset(
    {"break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
     "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
     "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this",
     "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let",
     "static", "implements", "interface", "package", "private", "protected", "public",
     "await", "arguments", "eval", "undefined", "NaN", "Infinity"}
)  # fmt: skip
"""Words a JavaScript/TypeScript binding cannot be (or, in an ES module, should not be)."""

NODE_ERRORS = frozenset(
    {"Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError",
     "URIError", "AggregateError"}
)  # fmt: skip
"""The built-in error classes an example may say a call throws."""

IDENTIFIER = r"^[a-z_][A-Za-z0-9_]*$"
"""A function, method or parameter name of a Node plan (camelCase or snake_case)."""
CLASS_NAME = r"^[A-Z][A-Za-z0-9]*$"
TYPE_EXPRESSION = (
    r"^[A-Za-z_][A-Za-z0-9_]*(<[A-Za-z0-9_, <>|\[\]]*>)?(\[\])*"
    r"( [|] [A-Za-z_][A-Za-z0-9_]*(<[A-Za-z0-9_, <>|\[\]]*>)?(\[\])*)*$"
)
"""A decoding pattern for a type (no ``\\.``, no bounded repetition: see ``literal_patterns``):
``number``, ``string[]``, ``Record<string, number>``, ``number | null``. Every type a reply
gives is still checked with ``type_problem``."""

_IDENTIFIER = re.compile(IDENTIFIER.replace("$", r"\Z"))
_CLASS = re.compile(CLASS_NAME.replace("$", r"\Z"))
_STRUCTURE = frozenset(
    {"union_type", "array_type", "tuple_type", "parenthesized_type", "readonly_type",
     "type_arguments", "optional_type", "type_annotation", "object_type", "property_signature",
     "property_identifier", "string", "string_fragment", "number", "true", "false", "null",
     "undefined", "unary_expression", "literal_type"}
)  # fmt: skip
_MAX_CHARS = 120


def identifier_problem(name: str, what: str = "name") -> str | None:
    """Why ``name`` cannot name a function, method or parameter (None when it can)."""
    if not _IDENTIFIER.match(name) or len(name) > 40:
        return f"{what} {name!r} is not a camelCase identifier"
    if name in JS_RESERVED:
        return f"{what} {name!r} is a reserved word in JavaScript"
    if name.startswith("__") or name == "constructor":
        return f"{what} {name!r} is reserved"
    return None


def class_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a class (None when it can): PascalCase, not a global."""
    if not _CLASS.match(name) or len(name) > 40:
        return f"class {name!r} is not a PascalCase name"
    if name in GLOBAL_TYPES | NODE_ERRORS:
        return f"class {name!r} would hide the global {name}"
    return None


def parse_type(text: str) -> Node | None:
    """The type node of ``text`` (None when it is not exactly one type expression)."""
    if not text.strip() or len(text) > _MAX_CHARS or "\n" in text:
        return None
    tree = parse("typescript", f"type T = {text.strip()};")
    if tree is None or tree.root_node.has_error or len(tree.root_node.children) != 1:
        return None
    alias = tree.root_node.children[0]
    if alias.type != "type_alias_declaration":
        return None
    return alias.child_by_field_name("value")


def type_problem(text: str, known: frozenset[str], modules: frozenset[str]) -> str | None:
    """Why ``text`` is not a type the plan may use (None when it is). ``known`` are the
    planned classes visible to the module; ``modules`` the bindings of the modules it
    imports (``fs`` for ``node:fs``: ``import_binding``)."""
    root = parse_type(text)
    if root is None:
        return f"type {text!r} does not parse as one TypeScript type"
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "predefined_type":
            continue
        if kind == "type_identifier":
            name = _text(node)
            if name not in GLOBAL_TYPES | known:
                return f"type {text!r} names `{name}`, which is not a type the plan has"
            continue
        if kind == "generic_type":
            name = _text(node.child_by_field_name("name"))
            if name not in GLOBAL_TYPES | known:
                return f"type {text!r} names `{name}`, which is not a type the plan has"
            arguments = node.child_by_field_name("type_arguments")
            stack += [arguments] if arguments is not None else []
            continue
        if kind == "nested_type_identifier":
            base = _text(node.child_by_field_name("module")).split(".")[0]
            if base not in modules:
                return f"type {text!r}: `{_text(node)}` is not from an imported module"
            continue
        if kind not in _STRUCTURE:
            return f"type {text!r} is not a plain type expression ({kind.replace('_', ' ')})"
        stack += node.named_children
    return None


def type_names(text: str) -> set[str]:
    """The type names ``text`` refers to (``Stack`` in ``Stack[] | null``)."""
    root = parse_type(text)
    if root is None:
        return set()
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "type_identifier":
            found.add(_text(node))
        stack += node.named_children
    return found


def import_binding(specifier: str) -> str:
    """The name a module's namespace import binds: ``node:fs`` -> ``fs``,
    ``node:fs/promises`` -> ``fsPromises``, ``@scope/date-fns`` -> ``dateFns``."""
    name = specifier.removeprefix("node:")
    parts = name.split("/")
    if name.startswith("@") and len(parts) > 1:
        parts = parts[1:]
    words = [w for w in re.split(r"[^A-Za-z0-9]+", "/".join(parts)) if w]
    if not words:
        return "module"
    camel = words[0][0].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    camel = camel if not camel[0].isdigit() else f"m{camel}"
    return f"{camel}Module" if camel in JS_RESERVED else camel


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""
