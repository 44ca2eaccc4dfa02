"""The imports a reply brings with a TypeScript or JavaScript body: what a body may import
(``node_allowance``), each import statement of a reply judged (not allowed, a name the
module already binds, the skeleton's own import written again), ``require()`` and
``import()`` inside the code, and the kept ones added to a module's import block."""

import posixpath

from tree_sitter import Node

from quantumlayer_dagster.analysis.node_checks import NODE_BUILTINS
from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.generation.node_annotations import import_binding
from quantumlayer_dagster.generation.node_interfaces import specifier
from quantumlayer_dagster.generation.splice_body import Allowance


def node_allowance(outside: list[str], project: set[str]) -> Allowance:
    """What a body may import: Node built-ins (``node:x`` or a bare built-in name), the
    outside modules its module's plan names, and the relative ``specifiers`` of the
    project modules its module uses (``project``)."""
    planned = {s.removeprefix("node:") for s in outside}

    def allowed(specifier: str) -> str | None:
        name = specifier.removeprefix("node:")
        if name.split("/")[0] in NODE_BUILTINS or name in planned or specifier in project:
            return None
        package = "/".join(name.split("/")[:2]) if name.startswith("@") else name.split("/")[0]
        if package in planned:
            return None
        allowance = ", ".join(sorted(planned | project)) or "Node built-ins only"
        return f"the body imports '{specifier}', outside the plan's allowance ({allowance})"

    return allowed


def module_scope(content: str, language: str) -> tuple[Allowance, set[str], set[str]]:
    """What a body of a module already written may import (what the module imports, and
    Node built-ins), the names the module binds at its top level (imports and declarations)
    and the functions and classes among them: the scope of a body repaired after the tests."""
    tree = parse(language, content)
    outside: list[str] = []
    project: set[str] = set()
    names: set[str] = set()
    functions: set[str] = set()
    for node in tree.root_node.named_children if tree is not None else []:
        if node.type == "import_statement":
            specifier = _text(node.child_by_field_name("source"))[1:-1]
            if specifier.startswith("."):
                project.add(specifier)
            else:
                outside.append(specifier)
            clause = next((c for c in node.named_children if c.type == "import_clause"), None)
            names.update(_bound(clause) if clause is not None else [])
            continue
        exported = node.type == "export_statement"
        declaration = node.child_by_field_name("declaration") if exported else node
        if declaration is None:
            continue
        name = _text(declaration.child_by_field_name("name"))
        if declaration.type in ("function_declaration", "class_declaration") and name:
            names.add(name)
            functions.add(name)
        elif declaration.type in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.named_children:
                bound = _text(declarator.child_by_field_name("name"))
                names.update([bound] if bound else [])
    return node_allowance(outside, project), names, functions


def relative_specifiers(importer: str, paths: list[str]) -> set[str]:
    """The specifiers ``importer`` may import the project ``paths`` by (``./ops.js``)."""
    return {specifier(importer, p) for p in paths if posixpath.normpath(p) != importer}


def reply_import(node: Node, allowed: Allowance, taken: frozenset[str], findings: list[str]) -> str:
    """A reply's import statement to hoist (its text, one line), or "" to add nothing;
    problems (not allowed, a name the module already binds) go to ``findings``."""
    source = node.child_by_field_name("source")
    specifier = _text(source)[1:-1]
    problems = [p for p in [allowed(specifier)] if p]
    if specifier.startswith(".") and not problems and specifier.endswith((".ts", ".tsx")):
        problems.append(f"import '{specifier}' by its .js name (Node runs the compiled files)")
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    bound = _bound(clause) if clause is not None else []
    namespace = clause is not None and any(c.type == "namespace_import" for c in clause.children)
    again = specifier.startswith(".") or (namespace and bound == [import_binding(specifier)])
    if not problems and bound and set(bound) <= taken and again:
        return ""  # the skeleton's own import written again: nothing to add
    problems += [
        f"the reply imports `{name}`, a name the module already has"
        for name in bound
        if name in taken
    ]
    findings += problems
    return "" if problems else " ".join(_text(node).split())


def _bound(clause: Node) -> list[str]:
    names: list[str] = []
    stack = [clause]
    while stack:
        node = stack.pop()
        if node.type == "import_specifier":
            alias = node.child_by_field_name("alias") or node.child_by_field_name("name")
            names.append(_text(alias))
        elif node.type == "identifier":
            names.append(_text(node))
        else:
            stack += node.named_children
    return names


def inner_import_problems(root: Node, allowed: Allowance) -> list[str]:
    """``require()`` anywhere, and ``import("x")`` of a specifier not allowed."""
    findings: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        stack += node.named_children
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        name = _text(callee)
        if name == "require":
            findings.append("`require()` does not work in an ES module: use `import`")
        elif callee is not None and callee.type == "import":
            arguments = node.child_by_field_name("arguments")
            given = arguments.named_children if arguments is not None else []
            literal = [a for a in given if a.type == "string"]
            problem = allowed(_text(literal[0])[1:-1]) if literal else "import() of a computed name"
            findings += [problem] if problem else []
    return findings


def add_imports(content: str, wanted: list[str], language: str) -> str:
    """``content`` with the ``wanted`` import statements it does not have, after its
    top-level imports (or its leading comment)."""
    tree = parse("javascript" if language == "javascript" else "typescript", content)
    if tree is None:
        return content
    root = tree.root_node
    present = {
        " ".join(_text(n).split()) for n in root.named_children if n.type == "import_statement"
    }
    new = [i for i in dict.fromkeys(wanted) if i not in present]
    if not new:
        return content
    at = 0
    for node in root.named_children:
        leading = node.type == "comment" and at == node.start_point[0]
        if node.type == "import_statement" or leading:
            at = node.end_point[0] + 1
        elif node.type != "comment":
            break
    lines = content.splitlines()
    lines[at:at] = new
    return "\n".join(lines) + ("\n" if content.endswith("\n") else "")


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""
