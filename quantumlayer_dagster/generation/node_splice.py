"""Splicing a model's reply into a TypeScript or JavaScript slot, by syntax tree.

The same rules as ``splice_body`` for Python. The reply may be the whole function
(``export function name(...) { ... }``, or ``const name = (...) => ...``), the method in
its class, the method alone, or only the body. What is kept: the statements of the body
under OUR signature (the model cannot change a signature or rename; its parameter names
must match the plan's, its annotations are ignored), the imports it needs when ``allowed``
permits their specifiers (hoisted to the module's import block), and the helper functions,
classes and constants it defines beside the function (nested at the start of the body, so
two bodies' helpers can never clash). Everything else at the top level of a reply (example
calls, ``console.log``, other planned functions written again, a constant computed by
calling them) is dropped, and so is an import the skeleton already has (a project module's
names, or an outside module's namespace binding, written again). ``require()`` is refused
(the package is an ES module), and so is a reply that changes the parameters, imports what
is not allowed, or defines a helper under a name the module already has; each finding is
one line."""

import re

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse, syntax_errors
from quantumlayer_dagster.generation.node_body_imports import (
    add_imports,
    inner_import_problems,
    reply_import,
)
from quantumlayer_dagster.generation.node_slots import (
    FunctionSite,
    find_site,
    function_sites,
    is_placeholder_body,
    param_names,
)
from quantumlayer_dagster.generation.slots import Slot
from quantumlayer_dagster.generation.splice_body import Allowance, Body, SpliceRefused

_DECLARATIONS = ("function_declaration", "generator_function_declaration", "class_declaration")
_VARIABLES = ("lexical_declaration", "variable_declaration")
_WRAPPER = "__QlReplyClass"


def node_body_from_reply(
    code: str,
    slot: Slot,
    *,
    allowed: Allowance,
    taken: frozenset[str] = frozenset(),
    siblings: frozenset[str] = frozenset(),
    language: str = "typescript",
) -> Body:
    """The body ``code`` (a reply's code) gives for ``slot``. ``taken`` are the names the
    module already binds (imports, planned functions and classes); ``siblings`` the other
    slots' names, whose definitions in a reply are dropped. Raises SpliceRefused."""
    root, code = _parse(code, slot, language)
    lines = code.splitlines()
    site = _target(root, slot, siblings)
    findings: list[str] = []
    helpers: list[str] = []
    imports: list[str] = []
    if site is None:
        if any(_declared(n) for n in root.named_children):
            raise SpliceRefused([f"the reply does not define `{slot.name}`: write that function"])
        statements: list[str] = []
        for node in root.named_children:
            if node.type == "import_statement":
                kept = reply_import(node, allowed, taken, findings)
                imports += [kept] if kept else []
            else:
                statements.append(_lines(lines, node))
        body = _dedent("\n".join(statements)).strip("\n")
        if not body.strip() or is_placeholder_text(body, language):
            raise SpliceRefused([f"the body of `{slot.name}` is still a placeholder: write it"])
    else:
        _check_params(site, slot)
        if site.body.type == "statement_block" and is_placeholder_body(site.body):
            raise SpliceRefused([f"the body of `{slot.name}` is still a placeholder: write it"])
        body = _body_text(site.body, lines)
        uses = frozenset({slot.name, *siblings})
        for node in root.named_children:
            if _holds(node, site):
                continue
            if node.type == "import_statement":
                kept = reply_import(node, allowed, taken, findings)
                imports += [kept] if kept else []
                continue
            helper = _helper(node, lines, slot, taken, siblings, uses, findings)
            helpers += [helper] if helper else []
    findings += inner_import_problems(root, allowed)
    if findings:
        raise SpliceRefused(list(dict.fromkeys(findings)))
    text = "\n\n".join([*helpers, body]) if helpers else body
    return Body(text=text.rstrip("\n") + "\n", imports=tuple(dict.fromkeys(imports)))


def node_assemble(content: str, bodies: dict[Slot, Body], language: str = "typescript") -> str:
    """``content`` with each slot's body spliced in (everything between the body's braces,
    found by qualname; bottom-up, so positions hold) and the bodies' imports added after
    the module's top-level imports (or its leading comment), each once and only when the
    module does not already have it."""
    root = _module_root(content, language)
    data = content.encode("utf-8")
    lines = content.splitlines()
    edits: list[tuple[int, int, bytes]] = []
    for slot, body in bodies.items():
        site = find_site(root, slot.qualname)
        if site is None:
            raise KeyError(f"no function {slot.qualname!r} in the module")
        closing = _indent(lines[site.start.start_point[0]])
        text = indent_body(body.text, slot.indent, language).rstrip("\n")
        new = f"\n{text}\n{closing}".encode()
        edits.append((site.body.start_byte + 1, site.body.end_byte - 1, new))
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new + data[end:]
    result = data.decode("utf-8")
    wanted = [i for body in bodies.values() for i in body.imports]
    return add_imports(result, wanted, language) if wanted else result


def indent_body(text: str, indent: str, language: str = "typescript") -> str:
    """``text`` indented by ``indent``, except blank lines and the continuation lines of
    multi-line template literals (indenting those would change the string)."""
    keep = _template_rows(text, language)
    return "".join(
        line if (n in keep or not line.strip()) else indent + line
        for n, line in enumerate(text.splitlines(keepends=True))
    )


def _parse(code: str, slot: Slot, language: str) -> tuple[Node, str]:
    grammar = "javascript" if language == "javascript" else "typescript"
    candidates = [code]
    if slot.owner is not None:
        candidates.append(f"class {_WRAPPER} {{\n{code}\n}}\n")  # a method alone
    for candidate in candidates:
        tree = parse(grammar, candidate)
        if tree is not None and not tree.root_node.has_error:
            return tree.root_node, candidate
    issues = syntax_errors(f"reply.{'js' if grammar == 'javascript' else 'ts'}", code) or []
    where = f"line {issues[0].line}: {issues[0].message}" if issues else "syntax error"
    raise SpliceRefused([f"the reply for `{slot.name}` does not parse: {where}"])


def _target(root: Node, slot: Slot, siblings: frozenset[str]) -> FunctionSite | None:
    """The reply's definition of the slot: a top-level function of its name; for a function,
    else the reply's one function with the slot's parameters under another name (not a
    sibling's); for a method, the method in a class of the owner's name (or in any class,
    when the owner's does not have it)."""
    sites = function_sites(root)
    tops = [s for s in sites if s.owner is None and s.qualname == slot.name]
    methods = [s for s in sites if s.owner is not None and s.qualname.endswith(f".{slot.name}")]
    if slot.owner is None:
        renamed = [
            s
            for s in sites
            if s.owner is None
            and s.qualname not in siblings
            and param_names(s.function) == slot.params
        ]
        if not tops and len(renamed) == 1:
            return renamed[0]  # the one function of the reply, under a name the model chose
        return tops[-1] if tops else _arrow(root, slot.name)
    own = [s for s in methods if s.owner == slot.owner]
    chosen = own or methods or tops
    return chosen[-1] if chosen else _arrow(root, slot.name)


def _arrow(root: Node, name: str) -> FunctionSite | None:
    """``const name = (...) => expression``: its expression is the body."""
    for node in root.named_children:
        declaration = node.child_by_field_name("declaration") or node
        if declaration.type not in _VARIABLES:
            continue
        for declarator in declaration.named_children:
            value = declarator.child_by_field_name("value")
            if _text(declarator.child_by_field_name("name")) == name and value is not None:
                body = value.child_by_field_name("body")
                if value.type == "arrow_function" and body is not None:
                    return FunctionSite(name, node, value, body, None)
    return None


def _check_params(site: FunctionSite, slot: Slot) -> None:
    given = param_names(site.function)
    if given != slot.params:
        planned = ", ".join(slot.params)
        raise SpliceRefused(
            [
                f"the reply changes the parameters of `{slot.name}`: planned "
                f"`{slot.name}({planned})`, the reply has `{slot.name}({', '.join(given)})`; "
                "keep the parameters as given"
            ]
        )


def _body_text(body: Node, lines: list[str]) -> str:
    """The statements of a body block (or ``return expression;`` for an arrow function's
    expression body), dedented."""
    if body.type != "statement_block":
        return f"return {_text(body)};"
    inner = (body.text or b"")[1:-1].decode("utf-8", errors="replace")
    first, _, rest = inner.partition("\n")
    text = _dedent(rest) if first.strip() == "" else first.strip() + "\n" + _dedent(rest)
    return text.strip("\n").rstrip()


def _dedent(text: str) -> str:
    """``text`` without its common indentation, leaving the continuation lines of
    multi-line template literals as they are."""
    keep = _template_rows(text, "typescript")
    lines = text.splitlines()
    margins = [len(_indent(line)) for n, line in enumerate(lines) if line.strip() and n not in keep]
    cut = min(margins, default=0)
    return "\n".join(
        line if n in keep else line[cut:] if line.strip() else "" for n, line in enumerate(lines)
    )


def _holds(node: Node, site: FunctionSite) -> bool:
    return node.start_byte <= site.function.start_byte and site.function.end_byte <= node.end_byte


def _declared(node: Node) -> bool:
    declaration: Node | None = node
    if node.type == "export_statement":
        declaration = node.child_by_field_name("declaration")
    return declaration is not None and declaration.type in (*_DECLARATIONS, "class")


def _helper(
    node: Node,
    lines: list[str],
    slot: Slot,
    taken: frozenset[str],
    siblings: frozenset[str],
    uses: frozenset[str],
    findings: list[str],
) -> str | None:
    """The source of a top-level declaration of the reply to nest in the body, or None to
    drop it; problems go to ``findings``."""
    declaration: Node | None = node
    if node.type == "export_statement":
        declaration = node.child_by_field_name("declaration")
        if declaration is None or any(c.type == "default" for c in node.children):
            return None
    assert declaration is not None
    if declaration.type in _DECLARATIONS:
        name = _text(declaration.child_by_field_name("name"))
        if name in siblings or name in (slot.name, slot.owner, _WRAPPER):
            return None  # another slot of the module, written by its own request
        if name in taken:
            findings.append(
                f"the reply defines `{name}`, a name the module already has: give the helper "
                "another name"
            )
            return None
        return _lines(lines, declaration)
    if declaration.type in _VARIABLES:
        names = [_text(d.child_by_field_name("name")) for d in declaration.named_children]
        if not all(re.fullmatch(r"[A-Za-z_$][\w$]*", n) for n in names):
            return None
        if set(names) <= siblings | {slot.name}:
            return None
        if _calls(declaration, uses):
            return None  # an example computed at the top level: not part of the body
        clash = sorted(set(names) & (taken | siblings))
        if clash:
            findings.append(
                f"the reply declares `{clash[0]}`, a name the module already has: give it "
                "another name"
            )
            return None
        return _lines(lines, declaration)
    return None  # example calls, console.log, if/for blocks: not part of the body


def _calls(node: Node, names: frozenset[str]) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "call_expression":
            callee = current.child_by_field_name("function")
            if callee is not None and _text(callee) in names:
                return True
        if current.type == "new_expression":
            constructor = current.child_by_field_name("constructor")
            if constructor is not None and _text(constructor) in names:
                return True
        stack += current.named_children
    return False


def is_placeholder_text(body: str, language: str = "typescript") -> bool:
    """Whether a body's text (unindented statements) is still a placeholder."""
    tree = parse("javascript" if language == "javascript" else "typescript", f"{{\n{body}\n}}")
    if tree is None or not tree.root_node.named_children:
        return False
    block = tree.root_node.named_children[0]
    return block.type == "statement_block" and is_placeholder_body(block)


def _lines(lines: list[str], node: Node) -> str:
    """The whole lines of ``node``, dedented (a helper written after code on its first line
    loses that code: it was top-level code, dropped anyway)."""
    start, end = node.start_point, node.end_point
    first = lines[start[0]]
    head = first.encode("utf-8")[start[1] :].decode("utf-8", errors="replace")
    picked = [" " * len(_indent(first)) + head, *lines[start[0] + 1 : end[0] + 1]]
    if end[0] > start[0]:
        picked[-1] = picked[-1].encode("utf-8")[: end[1]].decode("utf-8", errors="replace")
    else:
        picked[0] = picked[0][: len(_indent(first)) + (end[1] - start[1])]
    return _dedent("\n".join(picked)).strip("\n")


def _module_root(content: str, language: str) -> Node:
    tree = parse("javascript" if language == "javascript" else "typescript", content)
    if tree is None:
        raise SyntaxError(f"no grammar for {language}")
    return tree.root_node


def _template_rows(text: str, language: str) -> set[int]:
    tree = parse("javascript" if language == "javascript" else "typescript", text)
    rows: set[int] = set()
    if tree is None:
        return rows
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "template_string" and node.end_point[0] > node.start_point[0]:
            rows.update(range(node.start_point[0] + 1, node.end_point[0] + 1))
        stack += node.named_children
    return rows


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""
