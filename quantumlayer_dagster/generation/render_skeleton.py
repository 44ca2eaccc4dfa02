"""Rendering a Python module from its planned interface: the docstring, the imports (the
planned standard-library and third-party modules, the typing names the annotations need,
and the public names of the project modules it uses), each function and method with its
signature, a docstring carrying the contract and the examples as doctest lines, and a
placeholder body the model's body replaces. A class's ``__init__`` keeps its arguments as
attributes: derived from the plan, so ours, not the model's.

A rendered skeleton passes every blocking check of semantic validation by construction,
given an interface that passed ``interface_checks`` (tests render many plans, some
generated, to hold that)."""

import ast

from quantumlayer_dagster.analysis.parsing import python_module_names
from quantumlayer_dagster.artifacts.interface import (
    ClassPlan,
    EndpointPlan,
    FunctionPlan,
    ModuleInterface,
)
from quantumlayer_dagster.generation.annotations import typing_imports

INDENT = "    "


def render_module(
    purpose: str,
    interface: ModuleInterface,
    uses: dict[str, list[str]],
) -> str:
    """The module's source: ``uses`` maps each project module it uses (dotted name) to the
    public names it imports from it."""
    annotations = [
        t for f in _all_functions(interface) for t in [*(p.type for p in f.params), f.returns]
    ] + [p.type for c in interface.classes for p in c.init]
    head = f'"""{_doc_text(purpose).rstrip(".")}."""\n\nfrom __future__ import annotations'
    imports = [f"import {m}" for m in sorted(set(interface.imports))]
    imports += typing_imports(annotations)
    imports += [
        f"from {module} import {', '.join(sorted(set(names)))}"
        for module, names in sorted(uses.items())
        if names
    ]
    if interface.endpoints:
        imports.append("from fastapi import FastAPI")
    if imports:
        head += "\n\n" + "\n".join(imports)
    if interface.endpoints:
        head += "\n\napp = FastAPI()"
    routes = {e.function: e for e in interface.endpoints}
    blocks = [head, *(_route(routes.get(f.name)) + _function(f, "") for f in interface.functions)]
    blocks += [_class(c) for c in interface.classes]
    return "\n\n\n".join(blocks) + "\n"


def module_name(path: str) -> str:
    """The dotted name a module at ``path`` is imported by."""
    names = python_module_names(path)
    return names[-1] if names else path.removesuffix(".py").replace("/", ".")


def _all_functions(interface: ModuleInterface) -> list[FunctionPlan]:
    return [*interface.functions, *(m for c in interface.classes for m in c.methods)]


def _function(plan: FunctionPlan, indent: str, owner: str | None = None) -> str:
    params = [*(["self"] if owner else []), *(f"{p.name}: {p.type}" for p in plan.params)]
    head = f"{indent}def {plan.name}({', '.join(params)}) -> {plan.returns}:"
    body_indent = indent + INDENT
    doc = _docstring(
        plan.contract, [_doctest(e.call, e.result) for e in plan.examples], body_indent
    )
    qualname = f"{owner}.{plan.name}" if owner else plan.name
    return f'{head}\n{doc}\n{body_indent}raise NotImplementedError("{qualname}")'


def _route(endpoint: EndpointPlan | None) -> str:
    """The FastAPI decorator serving a function, or nothing."""
    if endpoint is None:
        return ""
    return f'@app.{endpoint.method.lower()}("{endpoint.path}")\n'


def _class(plan: ClassPlan) -> str:
    parts = [f"class {plan.name}:", _docstring(plan.contract, [], INDENT)]
    params = ["self", *(f"{p.name}: {p.type}" for p in plan.init)]
    init = [f"{INDENT}def __init__({', '.join(params)}) -> None:"]
    init += [f"{INDENT * 2}self.{p.name} = {p.name}" for p in plan.init] or [f"{INDENT * 2}pass"]
    members = ["\n".join(init)] + [_function(m, INDENT, plan.name) for m in plan.methods]
    return "\n".join(parts) + "\n\n" + "\n\n".join(members)


def _doctest(call: str, result: str) -> list[str]:
    head, _, name = result.strip().partition(" ")
    if head == "raises" and name:
        return [f">>> {call}", "Traceback (most recent call last):", f"{name.strip()}"]
    return [f">>> {call}", result.strip()]


def _docstring(contract: str, examples: list[list[str]], indent: str) -> str:
    lines = [_doc_text(contract)]
    for example in examples:
        lines += ["", *example] if example is examples[0] else example
    raw = any("\\" in line for line in lines)
    text = "\n".join(f"{indent}{line}" if line else "" for line in lines).removeprefix(indent)
    closing = f"\n{indent}" if len(lines) > 1 else ""
    return f'{indent}{"r" if raw else ""}"""{text}{closing}"""'


def _doc_text(text: str) -> str:
    """One line of prose safe inside a docstring."""
    return " ".join(text.replace('"""', "'''").split()) or "(no description)"


def prune_unused_imports(content: str) -> str:
    """``content`` without the imported names it never uses (the skeleton imports what the
    plan names and every public name of the project modules a module uses; the bodies decide
    which they need). ``from __future__`` imports stay; an import left with no name goes."""
    tree = ast.parse(content)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {_base(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    lines = content.splitlines()
    for node in reversed(tree.body):
        if not isinstance(node, ast.Import | ast.ImportFrom) or (
            isinstance(node, ast.ImportFrom) and node.module == "__future__"
        ):
            continue
        kept = [a for a in node.names if _bound(a, node) in used]
        if len(kept) == len(node.names):
            continue
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        lines[start:end] = [_import_text(node, kept)] if kept else []
    return "\n".join(lines) + "\n"


def _bound(alias: ast.alias, node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.Import):
        return (alias.asname or alias.name).split(".")[0]
    return alias.asname or alias.name


def _base(node: ast.Attribute) -> str:
    value: ast.expr = node
    while isinstance(value, ast.Attribute):
        value = value.value
    return value.id if isinstance(value, ast.Name) else ""


def _import_text(node: ast.Import | ast.ImportFrom, kept: list[ast.alias]) -> str:
    names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in kept)
    if isinstance(node, ast.Import):
        return f"import {names}"
    return f"from {'.' * node.level}{node.module or ''} import {names}"
