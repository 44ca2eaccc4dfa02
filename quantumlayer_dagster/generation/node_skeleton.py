"""Rendering a TypeScript or JavaScript ES module from its planned interface.

The module comment (its purpose), the imports (each planned outside module as a namespace
import, Node built-ins as ``node:fs``; then the public names of each project module it uses,
by the relative ``.js`` specifier Node resolves, also from TypeScript), every function as
``export function name(a: number): number`` (JavaScript: no annotations, the types in JSDoc
``@param``/``@returns``) under a doc comment carrying the contract and the examples as
``@example`` lines, with a placeholder body the model's body replaces. A class keeps its
constructor's parameters as fields: derived from the plan, so ours, not the model's. A
function returning ``Promise<T>`` is ``async``, so its body may ``await``.

A rendered skeleton passes the blocking checks of ``analysis.file_checks`` (imports resolve;
``tsc --noEmit`` clean for TypeScript) by construction, given an interface that passed
``node_interface_checks`` (tests render many plans, some generated, to hold that)."""

from typing import Literal

from quantumlayer_dagster.analysis.node_checks import NODE_BUILTINS
from quantumlayer_dagster.artifacts.interface import ClassPlan, FunctionPlan, ModuleInterface
from quantumlayer_dagster.generation.node_annotations import import_binding, parse_type
from quantumlayer_dagster.generation.node_doc import comment_text, doc_comment
from quantumlayer_dagster.generation.node_interfaces import specifier

NodeLanguage = Literal["typescript", "javascript"]
INDENT = "  "
PLACEHOLDER = "not implemented"
"""The placeholder body's message starts with this: ``throw new Error("not implemented: f")``."""


def render_node_module(
    purpose: str,
    interface: ModuleInterface,
    uses: dict[str, list[str]],
    language: NodeLanguage,
    importer_path: str,
) -> str:
    """The module at ``importer_path``: ``uses`` maps each project module it uses (its path,
    ``src/ops.ts``) to the public names it imports from it."""
    typed = language == "typescript"
    blocks = [f"/**\n * {comment_text(purpose).rstrip('.')}.\n */"]
    imports = [
        f'import * as {import_binding(spec)} from "{spec}";'
        for spec in sorted({outside_specifier(m) for m in interface.imports})
    ]
    imports += [
        f'import {{ {", ".join(sorted(set(names)))} }} from "{specifier(importer_path, path)}";'
        for path, names in sorted(uses.items())
        if names and path != importer_path
    ]
    if imports:
        blocks.append("\n".join(imports))
    blocks += [_function(f, "", typed) for f in interface.functions]
    blocks += [_class(c, typed) for c in interface.classes]
    return "\n\n".join(blocks) + "\n"


def outside_specifier(module: str) -> str:
    """How a planned outside module is imported: Node built-ins as ``node:name``."""
    top = module.removeprefix("node:").split("/")[0]
    return f"node:{module.removeprefix('node:')}" if top in NODE_BUILTINS else module


def placeholder(qualname: str) -> str:
    """The placeholder statement of a body still to be written."""
    return f'throw new Error("{PLACEHOLDER}: {qualname}");'


def is_async(returns: str) -> bool:
    """Whether a function returning ``returns`` is rendered ``async`` (a ``Promise<T>``)."""
    node = parse_type(returns)
    if node is None or node.type != "generic_type":
        return False
    name = node.child_by_field_name("name")
    return name is not None and name.text == b"Promise"


def _signature(plan: FunctionPlan, typed: bool) -> str:
    if typed:
        params = ", ".join(f"{p.name}: {p.type}" for p in plan.params)
        return f"{plan.name}({params}): {plan.returns}"
    return f"{plan.name}({', '.join(p.name for p in plan.params)})"


def _doc(plan: FunctionPlan, indent: str, typed: bool) -> str:
    return doc_comment(
        plan.contract,
        indent,
        params=None if typed else [(p.name, p.type) for p in plan.params],
        returns=None if typed else plan.returns,
        examples=plan.examples,
    )


def _function(plan: FunctionPlan, indent: str, typed: bool, owner: str | None = None) -> str:
    keyword = "" if owner else "export "
    keyword += "async " if is_async(plan.returns) else ""
    keyword += "" if owner else "function "
    qualname = f"{owner}.{plan.name}" if owner else plan.name
    return (
        f"{_doc(plan, indent, typed)}\n"
        f"{indent}{keyword}{_signature(plan, typed)} {{\n"
        f"{indent}{INDENT}{placeholder(qualname)}\n"
        f"{indent}}}"
    )


def _class(plan: ClassPlan, typed: bool) -> str:
    members: list[str] = []
    if typed and plan.init:
        members.append("\n".join(f"{INDENT}{p.name}: {p.type};" for p in plan.init))
    if plan.init:
        params = ", ".join(f"{p.name}: {p.type}" if typed else p.name for p in plan.init)
        doc = doc_comment(
            f"A new {plan.name}.",
            INDENT,
            params=None if typed else [(p.name, p.type) for p in plan.init],
        )
        fields = "\n".join(f"{INDENT * 2}this.{p.name} = {p.name};" for p in plan.init)
        members.append(f"{doc}\n{INDENT}constructor({params}) {{\n{fields}\n{INDENT}}}")
    members += [_function(m, INDENT, typed, plan.name) for m in plan.methods]
    head = f"{doc_comment(plan.contract, '')}\nexport class {plan.name} {{"
    return head + ("\n" + "\n\n".join(members) if members else "") + "\n}"
