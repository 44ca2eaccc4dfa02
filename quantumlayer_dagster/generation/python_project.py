"""A Python project from its plan: our code renders every module (``render_skeleton``), the
engine (``fill_bodies``) has the model write each function and method body, judged by the
plan's examples in the sandbox and by semantic validation's blocking checks on the tree.

What a body may import: the standard library, the third-party modules its module's plan
names, and the project modules its module uses; what it may call: its module's functions
and classes and the public names of the modules it uses (imported by the skeleton, and
pruned from the import lines when no body uses them)."""

from collections.abc import Callable

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.analysis.type_check import TypeChecker
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.interface import FunctionPlan, ModuleInterface
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.body_state import BodyTarget
from quantumlayer_dagster.generation.examples import Example, example_from_plan
from quantumlayer_dagster.generation.fill_bodies import fill_bodies
from quantumlayer_dagster.generation.module_order import write_waves
from quantumlayer_dagster.generation.render_skeleton import (
    module_name,
    prune_unused_imports,
    render_module,
)
from quantumlayer_dagster.generation.splice_body import standard_library
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.sandbox import CodeSandbox

STAGE = "code_tree"


def render_skeletons(structure: ProjectStructure) -> dict[str, str]:
    """Every file of a Python plan as our code writes it: modules with placeholder bodies,
    package markers with their docstring."""
    interfaces = _interfaces(structure)
    files: dict[str, str] = {}
    for planned in structure.files:
        if planned.kind == "package_marker":
            files[planned.path] = f'"""{planned.purpose}."""\n'
        elif planned.kind == "module":
            files[planned.path] = render_module(
                planned.purpose, interfaces[planned.path], _uses(planned, interfaces)
            )
    return files


def write_python_project(
    structure: ProjectStructure,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    progress: Callable[[str], None] | None = None,
    mypy: TypeChecker | None = None,
) -> tuple[dict[str, str], list[FunctionBody], list[LLMCall]]:
    """The project's files with the bodies the model wrote, a record per body, the calls."""
    files = render_skeletons(structure)
    interfaces = _interfaces(structure)
    modules = [f for f in structure.files if f.kind == "module"]
    targets = [
        target
        for planned in modules
        for target in _targets(planned, interfaces, _uses(planned, interfaces), structure)
    ]
    paths = [f.path for f in structure.files]

    def check(path: str, content: str, current: dict[str, str]) -> list[str]:
        context = project_context(paths, structure.libraries, current)
        source = SourceFile(path=path, content=content)
        found = blocking_issues(source, context)
        if not found and mypy is not None:
            project = [SourceFile(path=p, content=c) for p, c in current.items() if p != path]
            found = [i for i in mypy.check([*project, source], "error") if i.path == path]
        return [i.describe() for i in found]

    order = [m.path for wave in write_waves(modules) for m in wave]
    result = fill_bodies(
        files,
        targets,
        llm,
        sandbox,
        stage=STAGE,
        check=check,
        max_rounds=structure.brief.options.max_repair_attempts,
        module_order=order,
        progress=progress,
    )
    tidy = {
        path: prune_unused_imports(content) if path in order else content
        for path, content in result.files.items()
    }
    return tidy, result.bodies, result.calls


def _interfaces(structure: ProjectStructure) -> dict[str, ModuleInterface]:
    return {f.path: f.interface or ModuleInterface() for f in structure.files if f.kind == "module"}


def _uses(planned: PlannedFile, interfaces: dict[str, ModuleInterface]) -> dict[str, list[str]]:
    """Dotted module name -> the public names imported from it."""
    return {
        module_name(u): interfaces[u].names
        for u in planned.uses
        if u in interfaces and u != planned.path and interfaces[u].names
    }


def _targets(
    planned: PlannedFile,
    interfaces: dict[str, ModuleInterface],
    uses: dict[str, list[str]],
    structure: ProjectStructure,
) -> list[BodyTarget]:
    interface = interfaces[planned.path]
    # what the module defines: a body may import again what it imports, not rebind these
    taken = frozenset(interface.names) | ({"app"} if interface.endpoints else frozenset())
    siblings = frozenset(interface.names)
    allowed = _allowance(interface, set(uses))
    context = _callable_context(planned, interfaces, uses)
    found: list[BodyTarget] = []
    for function in interface.functions:
        found.append(
            BodyTarget(
                path=planned.path,
                qualname=function.name,
                examples=_examples(function),
                context=context,
                allowed=allowed,
                taken=taken - {function.name},
                siblings=siblings - {function.name},
            )
        )
    for cls in interface.classes:
        for method in cls.methods:
            found.append(
                BodyTarget(
                    path=planned.path,
                    qualname=f"{cls.name}.{method.name}",
                    examples=_examples(method),
                    context=context,
                    allowed=allowed,
                    taken=taken - {cls.name},
                    siblings=siblings - {cls.name},
                )
            )
    return found


def _examples(function: FunctionPlan) -> tuple[Example, ...]:
    found = [example_from_plan(e.call, e.result) for e in function.examples]
    return tuple(e for e in found if e is not None)


def _allowance(interface: ModuleInterface, used: set[str]) -> Callable[[str], str | None]:
    planned = set(interface.imports)

    def allowed(module: str) -> str | None:
        if standard_library(module) or module in planned or module.split(".")[0] in planned:
            return None
        if module in used:
            return None
        allowance = ", ".join(sorted(planned | used)) or "the standard library only"
        return f"the body imports `{module}`, outside the plan's allowance ({allowance})"

    return allowed


def _callable_context(
    planned: PlannedFile, interfaces: dict[str, ModuleInterface], uses: dict[str, list[str]]
) -> str:
    """The signatures a body may call: its module's functions and classes, and those the
    module imports from the project, with their contracts."""
    lines = [f"Module {module_name(planned.path)}: {planned.purpose}"]
    own = interfaces[planned.path]
    lines += ["It defines:", *_signature_lines(own)]
    for used_path in planned.uses:
        if used_path in interfaces and module_name(used_path) in uses:
            lines.append(f"It imports from {module_name(used_path)}:")
            lines += _signature_lines(interfaces[used_path])
    return "\n".join(lines)


def _signature_lines(interface: ModuleInterface) -> list[str]:
    lines = [f"- def {f.signature()}: {f.contract}" for f in interface.functions]
    for cls in interface.classes:
        init = ", ".join(f"{p.name}: {p.type}" for p in cls.init)
        lines.append(f"- class {cls.name}({init}): {cls.contract}")
        lines += [f"  - def {m.signature(method=True)}: {m.contract}" for m in cls.methods]
    return lines
