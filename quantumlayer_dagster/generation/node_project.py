"""A Node package (TypeScript or JavaScript) from its plan: our code writes ``package.json``
and ``tsconfig.json`` (``node_package``) and renders every module (``node_skeleton``); the
engine (``fill_bodies`` with the Node kit) has the model write each function and method
body, judged by the plan's examples in the sandbox and by semantic validation's blocking
checks on the tree (imports that resolve, ``tsc --noEmit`` for TypeScript).

What a body may import: Node built-ins, the outside modules its module's plan names, and the
project modules its module uses (by their relative ``.js`` specifier); what it may call: its
module's functions and classes and the public names of the modules it uses (imported by the
skeleton)."""

from collections.abc import Callable

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.interface import FunctionPlan, ModuleInterface
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.body_state import BodyTarget
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.fill_bodies import ModuleCheck, fill_bodies
from quantumlayer_dagster.generation.module_order import write_waves
from quantumlayer_dagster.generation.node_annotations import import_binding
from quantumlayer_dagster.generation.node_body_imports import node_allowance, relative_specifiers
from quantumlayer_dagster.generation.node_interfaces import specifier
from quantumlayer_dagster.generation.node_kit import NodeKit
from quantumlayer_dagster.generation.node_literals import node_example
from quantumlayer_dagster.generation.node_package import config_file
from quantumlayer_dagster.generation.node_skeleton import NodeLanguage, render_node_module
from quantumlayer_dagster.generation.plan_language import plan_language
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.sandbox import CodeSandbox

STAGE = "code_tree"


def render_node_skeletons(structure: ProjectStructure) -> dict[str, str]:
    """Every file of a Node plan as our code writes it: the config files, and the modules
    with placeholder bodies."""
    language = _language(structure)
    interfaces = _interfaces(structure)
    files: dict[str, str] = {}
    for planned in structure.files:
        if planned.kind == "config":
            files[planned.path] = config_file(planned.path, structure).content
        elif planned.kind == "module":
            files[planned.path] = render_node_module(
                planned.purpose,
                interfaces[planned.path],
                _uses(planned, interfaces),
                language,
                planned.path,
            )
    return files


def write_node_project(
    structure: ProjectStructure,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, str], list[FunctionBody], list[LLMCall]]:
    """The package's files with the bodies the model wrote, a record per body, the calls."""
    files = render_node_skeletons(structure)
    interfaces = _interfaces(structure)
    modules = structure.modules
    targets = [target for planned in modules for target in _targets(planned, interfaces)]
    order = [m.path for wave in write_waves(modules) for m in wave]
    result = fill_bodies(
        files,
        targets,
        llm,
        sandbox,
        stage=STAGE,
        check=node_tree_check([f.path for f in structure.files], structure.libraries),
        max_rounds=structure.brief.options.max_repair_attempts,
        module_order=order,
        progress=progress,
        kit=NodeKit(_language(structure)),
    )
    return result.files, result.bodies, result.calls


def node_tree_check(paths: list[str], libraries: list[str]) -> ModuleCheck:
    """Semantic validation's blocking checks of one module against the package as it now
    is (``tsc --noEmit`` over every TypeScript file for a TypeScript module: one run per
    distinct tree, cached by content)."""

    def check(path: str, content: str, current: dict[str, str]) -> list[str]:
        context = project_context(paths, libraries, current)
        source = SourceFile(path=path, content=content)
        return [i.describe() for i in blocking_issues(source, context)]

    return check


def node_examples(function: FunctionPlan) -> tuple[Example, ...]:
    """A planned function's examples as the engine and the tests judge it by."""
    found = [node_example(e.call, e.result) for e in function.examples]
    return tuple(e for e in found if e is not None)


def _language(structure: ProjectStructure) -> NodeLanguage:
    language = structure.brief.options.language
    if language not in ("typescript", "javascript"):
        raise ValueError(f"a {language} plan is not a Node package")
    return language


def _interfaces(structure: ProjectStructure) -> dict[str, ModuleInterface]:
    return {f.path: f.interface or ModuleInterface() for f in structure.modules}


def _uses(planned: PlannedFile, interfaces: dict[str, ModuleInterface]) -> dict[str, list[str]]:
    """Path of each project module ``planned`` uses -> the public names imported from it."""
    return {
        u: interfaces[u].names
        for u in planned.uses
        if u in interfaces and u != planned.path and interfaces[u].names
    }


def _targets(planned: PlannedFile, interfaces: dict[str, ModuleInterface]) -> list[BodyTarget]:
    interface = interfaces[planned.path]
    uses = _uses(planned, interfaces)
    imported = {name for names in uses.values() for name in names}
    bindings = {import_binding(m) for m in interface.imports}
    taken = frozenset(imported | set(interface.names) | bindings)
    siblings = frozenset(interface.names)
    allowed = node_allowance(interface.imports, relative_specifiers(planned.path, list(uses)))
    context = _callable_context(planned, interfaces, uses)
    found = [
        BodyTarget(
            path=planned.path,
            qualname=function.name,
            examples=node_examples(function),
            context=context,
            allowed=allowed,
            taken=taken - {function.name},
            siblings=siblings - {function.name},
        )
        for function in interface.functions
    ]
    found += [
        BodyTarget(
            path=planned.path,
            qualname=f"{cls.name}.{method.name}",
            examples=node_examples(method),
            context=context,
            allowed=allowed,
            taken=taken - {cls.name},
            siblings=siblings - {cls.name},
        )
        for cls in interface.classes
        for method in cls.methods
    ]
    return found


def _callable_context(
    planned: PlannedFile, interfaces: dict[str, ModuleInterface], uses: dict[str, list[str]]
) -> str:
    """The signatures a body may call: its module's functions and classes, and those the
    module imports from the project (with the specifier they come from), with contracts."""
    lines = [f"Module {planned.path}: {planned.purpose}", "It defines:"]
    lines += _signature_lines(interfaces[planned.path])
    for used in uses:
        lines.append(f'It imports from "{specifier(planned.path, used)}":')
        lines += _signature_lines(interfaces[used])
    return "\n".join(lines)


def _signature_lines(interface: ModuleInterface) -> list[str]:
    language = plan_language("typescript")  # JavaScript plans carry the same types (JSDoc)
    lines = [
        f"- {language.signature(f.name, f.params, f.returns)}: {f.contract}"
        for f in interface.functions
    ]
    for cls in interface.classes:
        init = ", ".join(f"{p.name}: {p.type}" for p in cls.init)
        lines.append(f"- class {cls.name} (new {cls.name}({init})): {cls.contract}")
        lines += [
            f"  - method {language.signature(m.name, m.params, m.returns).partition(' ')[2]}: "
            f"{m.contract}"
            for m in cls.methods
        ]
    return lines
