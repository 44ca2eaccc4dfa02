"""Tree-sitter parsing of generated source files, one cached parser per language.

Used by semantic validation (stage 6), dependency discovery (stage 7) and by the
code-generation repair loop, which feeds ``SyntaxIssue.describe()`` back to the LLM.
"""

import ast
import importlib
import threading
from functools import cache
from pathlib import PurePosixPath
from typing import NamedTuple

from tree_sitter import Language, Node, Parser, Tree

from quantumlayer_dagster.artifacts.code import language_of
from quantumlayer_dagster.artifacts.validation import SyntaxIssue

# language name (as returned by language_of) -> (grammar module, function giving the grammar)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
}

SNIPPET_CHARS = 120
"""Longest source line quoted in an issue."""

_ERROR_TEXT_CHARS = 40


@cache
def _grammar(language: str) -> Language | None:
    spec = _GRAMMARS.get(language)
    if spec is None:
        return None
    try:
        module = importlib.import_module(spec[0])
    except ImportError:
        return None
    return Language(getattr(module, spec[1])())


@cache
def _parser(language: str) -> tuple[Parser, threading.Lock] | None:
    grammar = _grammar(language)
    # A Parser is not safe to share between threads; the lock serialises use of the cached one.
    return (Parser(grammar), threading.Lock()) if grammar is not None else None


def has_grammar(language: str | None) -> bool:
    """Whether ``language`` (a name from ``language_of``) has an installed tree-sitter grammar."""
    return language is not None and _parser(language) is not None


def parse(language: str, content: str) -> Tree | None:
    """Parse ``content`` with the grammar for ``language``; None when there is no grammar."""
    cached = _parser(language)
    if cached is None:
        return None
    parser, lock = cached
    with lock:
        return parser.parse(content.encode("utf-8"))


def syntax_errors(path: str, content: str) -> list[SyntaxIssue] | None:
    """Every ERROR and MISSING node in ``content`` as a SyntaxIssue, sorted by position.

    The language comes from the suffix of ``path``. Returns an empty list for a clean
    parse and None when no grammar is installed for the language (the file is unchecked).
    """
    language = language_of(path)
    tree = parse(language, content) if language else None
    if tree is None:
        return None
    lines = content.encode("utf-8").split(b"\n")
    issues = [_issue(path, node, lines) for node in _error_nodes(tree.root_node)]
    return sorted(issues, key=lambda i: (i.line, i.column))


def _error_nodes(root: Node) -> list[Node]:
    """ERROR and MISSING nodes, outermost only; walks only subtrees that contain errors."""
    found: list[Node] = []
    stack = [root]  # explicit stack: deeply nested generated code must not hit the recursion limit
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(node)
            continue
        stack.extend(child for child in node.children if child.has_error)
    return found


def _issue(path: str, node: Node, lines: list[bytes]) -> SyntaxIssue:
    row, byte_col = node.start_point
    line = lines[row] if row < len(lines) else b""
    column = len(line[:byte_col].decode("utf-8", errors="replace")) + 1
    return SyntaxIssue(
        path=path, line=row + 1, column=column, message=_message(node), snippet=source_line(line)
    )


def _message(node: Node) -> str:
    """ "missing `;`", "unexpected `)` in argument list": the token and where it went wrong."""
    where = _context(node.parent)
    if node.is_missing:
        return f"missing `{node.type}`{where}" if not node.is_named else f"missing {node.type}"
    token = _first_token(node)
    if not token:
        return f"syntax error{where}"
    if len(token) > _ERROR_TEXT_CHARS:
        token = token[:_ERROR_TEXT_CHARS] + "…"
    if token[0] in "\"'`":
        return f"unterminated or malformed string starting `{token}`{where}"
    return f"unexpected `{token}`{where}"


def _first_token(node: Node) -> str:
    """The first line of an ERROR node's text: the tokens the parser could not place."""
    text = (node.text or b"").decode("utf-8", errors="replace").strip()
    return text.splitlines()[0].strip() if text else ""


def _context(parent: Node | None) -> str:
    if parent is None or parent.parent is None:  # the file's root node adds nothing
        return ""
    return f" in {parent.type.replace('_', ' ')}"


def source_line(line: bytes | str) -> str:
    """One source line, stripped and cut to ``SNIPPET_CHARS`` characters for quoting."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    text = text.strip()
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


class PythonImport(NamedTuple):
    """One imported module: ``from ..a.b import c`` is module "a.b", level 2, names ("c",)."""

    module: str
    level: int
    names: tuple[str, ...]
    line: int


def python_imports(content: str) -> list[PythonImport]:
    """Every import statement in Python source, in source order, including nested ones.

    Uses ``ast``; source that does not parse falls back to tree-sitter's import nodes, so a
    broken file still reports the imports that are recognisable.
    """
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _tree_sitter_imports(content)
    found: list[PythonImport] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [PythonImport(a.name, 0, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            found.append(PythonImport(node.module or "", node.level, names, node.lineno))
    return sorted(found, key=lambda i: i.line)


def _tree_sitter_imports(content: str) -> list[PythonImport]:
    tree = parse("python", content)
    if tree is None:
        return []
    found: list[PythonImport] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        line = node.start_point[0] + 1
        if node.type == "import_statement":
            for target in node.children_by_field_name("name"):
                dotted = target.child_by_field_name("name") or target  # aliased_import
                found.append(PythonImport(_text(dotted), 0, (), line))
        elif node.type == "import_from_statement":
            source = node.child_by_field_name("module_name")
            if source is None:
                continue
            level, module = 0, _text(source)
            if source.type == "relative_import":
                level = module.count(".")
                module = module.lstrip(".")
            names = tuple(
                _text(n.child_by_field_name("name") or n)
                for n in node.children_by_field_name("name")
            )
            found.append(PythonImport(module, level, names, line))
    return sorted(found, key=lambda i: i.line)


def _text(node: Node) -> str:
    return "".join((node.text or b"").decode("utf-8", errors="replace").split())


def python_module_names(path: str) -> list[str]:
    """The dotted names a ``.py`` file is importable as from the project root.

    "app/api.py" -> ["app.api"]; "app/__init__.py" -> ["app"]; a file under "src/" also
    gets its src-layout name ("src/app/x.py" -> ["src.app.x", "app.x"]). Empty for other files.
    """
    pure = PurePosixPath(path)
    if pure.suffix != ".py":
        return []
    parts = [*pure.parent.parts, pure.stem]
    if parts[-1] == "__init__":
        parts.pop()
    names = [".".join(parts)] if parts else []
    if len(parts) > 1 and parts[0] == "src":
        names.append(".".join(parts[1:]))
    return names


def project_modules(paths: list[str]) -> set[str]:
    """Every module and package the project's ``.py`` files make importable, with prefixes.

    Includes namespace-package prefixes ("app/sub/x.py" gives "app", "app.sub", "app.sub.x").
    pytest puts a test file's folder on ``sys.path`` when it has no ``__init__.py``, so the
    stems of every module in such a folder count too (``tests/helpers.py`` -> ``helpers``).
    """
    pures = [PurePosixPath(p) for p in paths]
    packages = {p.parent for p in pures if p.name == "__init__.py"}
    test_folders = {p.parent for p in pures if _is_test_file(p.name)} - packages
    modules: set[str] = set()
    for pure in pures:
        for name in python_module_names(str(pure)):
            parts = name.split(".")
            modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        if pure.suffix == ".py" and pure.parent in test_folders:
            modules.add(pure.stem)
    return modules


def _is_test_file(name: str) -> bool:
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    )
