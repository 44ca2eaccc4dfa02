"""Type annotations a plan may use, and the imports they need.

An annotation is a Python type expression built from builtin types, ``typing`` names,
``collections.abc`` names, the project's planned classes, and attributes of modules the
plan imports (``datetime.date``), combined with ``[...]`` and ``|``. Anything else (a call,
a lambda, a name nothing provides) is refused with the reason."""

import ast
import builtins
import keyword
import re

BUILTIN_TYPES = frozenset(
    {"int", "float", "str", "bool", "bytes", "list", "dict", "set", "frozenset", "tuple",
     "object", "complex", "bytearray", "type", "range", "slice"}
)  # fmt: skip
TYPING_NAMES = frozenset(
    {"Any", "Optional", "Union", "Callable", "Iterable", "Iterator", "Sequence", "Mapping",
     "List", "Dict", "Set", "Tuple", "FrozenSet", "Literal", "Generator", "Type", "TypeVar"}
)  # fmt: skip
ABC_NAMES = frozenset({"Iterable", "Iterator", "Sequence", "Mapping", "Callable", "Generator"})
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*\Z")
_CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*\Z")


def identifier_problem(name: str, what: str = "name") -> str | None:
    """Why ``name`` cannot name a function, method or parameter (None when it can): lower
    case letters, digits and ``_``, not a keyword, not a dunder, at most 40 characters."""
    if not _IDENTIFIER.match(name) or len(name) > 40:
        return f"{what} {name!r} is not a lower_case identifier"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{what} {name!r} is a Python keyword"
    if name.startswith("__"):
        return f"{what} {name!r} starts with a double underscore"
    if name in ("self", "cls"):
        return f"{what} {name!r} is reserved for methods"
    return None


def class_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a class (None when it can): CapWords, not a builtin."""
    if not _CLASS_NAME.match(name) or len(name) > 40:
        return f"class {name!r} is not a CapWords name"
    if name in dir(builtins) or name in TYPING_NAMES:
        return f"class {name!r} would hide the builtin or typing name"
    return None


def annotation_problem(text: str, known: frozenset[str], modules: frozenset[str]) -> str | None:
    """Why ``text`` is not an annotation the plan may use (None when it is). ``known`` are
    the planned classes visible to the module; ``modules`` the modules it imports."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return f"annotation {text!r} does not parse"
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Name):
            if node.id not in BUILTIN_TYPES | TYPING_NAMES | known | {"None"}:
                return f"annotation {text!r} names `{node.id}`, which is not a type the plan has"
        elif isinstance(node, ast.Attribute):
            base = node
            while isinstance(base, ast.Attribute):
                base = base.value  # type: ignore[assignment]
            if not (isinstance(base, ast.Name) and base.id in modules):
                return f"annotation {text!r}: `{ast.unparse(node)}` is not from an imported module"
        elif isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, str | int | bool):
                return f"annotation {text!r} holds a value"
        elif not isinstance(
            node,
            ast.Subscript
            | ast.Tuple
            | ast.List
            | ast.BinOp
            | ast.BitOr
            | ast.Load
            | ast.Expression,
        ):
            return f"annotation {text!r} is not a type expression"
    return None


def typing_imports(annotations: list[str]) -> list[str]:
    """The ``from typing import ...`` line the annotations need (empty when none)."""
    used: set[str] = set()
    for text in annotations:
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            continue
        used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in TYPING_NAMES}
    return [f"from typing import {', '.join(sorted(used))}"] if used else []
