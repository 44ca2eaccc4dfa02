"""Stage 5: code generation, one LLM call per planned module with check-and-repair.

Each module is checked with semantic validation's own blocking checks (syntax, compile,
undefined names, imports nothing provides, names a project module does not define, calls
that do not fit a project function) against the project as far as it is written, and every
finding goes back to the model, bounded by the request's repair attempts and budget.
Modules are written in waves, dependencies first (``module_order``); each request carries
the interfaces of the modules already written, and the modules of one wave go out
concurrently, at most ``llm.max_parallel_calls`` at a time. Once every file exists, a
project pass checks the whole tree again and sends each file with cross-file breakage
that its writer could not see back for one more bounded repair. When type findings block
(``types="block"``, the gate setting), a module that passes those checks is also
type-checked by mypy together with the modules written so far, and its type errors go back
the same way: one mypy run per check, sharing one cache for the stage (the standard
library is analysed once). The tree keeps the planned order.
"""

from collections.abc import Callable

from quantumlayer_dagster.analysis.file_checks import (
    ProjectContext,
    blocking_issues,
    project_context,
)
from quantumlayer_dagster.analysis.node_tools import NodeToolMissing, node_tool
from quantumlayer_dagster.analysis.type_check import TypeCheck, TypeChecker, type_checker
from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.file_generation import (
    Check,
    FileRequest,
    capped,
    generate_files,
    syntax_check,
)
from quantumlayer_dagster.generation.module_order import write_waves
from quantumlayer_dagster.generation.node_interfaces import node_interfaces_text
from quantumlayer_dagster.generation.node_package import config_file
from quantumlayer_dagster.generation.python_project import write_python_project
from quantumlayer_dagster.generation.text import bullets
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError, Message
from quantumlayer_dagster.prompts import load_template
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.stages.project_structure import LANGUAGE_NAMES

STAGE = "code_tree"

Progress = Callable[[str], None]


def generate_code(
    structure: ProjectStructure,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    progress: Progress | None = None,
    types: TypeCheck = "warn",
) -> CodeTree:
    """Generate every planned file. A Python project: our code renders the modules from the
    planned interfaces and the model writes each body (``generation.python_project``),
    judged by its examples in ``sandbox``. A Node project: package markers and config files
    are ours, every module is written by the LLM and checked, and a file with blocking
    findings goes back with them, up to the request's repair bound. With ``types="block"``
    mypy's errors are blocking findings too. LLMStageError carries every call of the
    stage."""
    options = structure.brief.options
    if options.language == "python":
        if types != "block":
            return _python_code(structure, llm, sandbox, progress, None)
        with type_checker() as mypy:
            return _python_code(structure, llm, sandbox, progress, mypy)
    return _generate_code(structure, llm, progress, None)


def _python_code(
    structure: ProjectStructure,
    llm: LLM,
    sandbox: CodeSandbox,
    progress: Progress | None,
    mypy: TypeChecker | None,
) -> CodeTree:
    files, bodies, calls = write_python_project(
        structure, llm, sandbox, progress=progress, mypy=mypy
    )
    return CodeTree(
        package=structure.package,
        files=[SourceFile(path=f.path, content=files[f.path]) for f in structure.files],
        bodies=bodies,
        llm=LLMUsage(calls=calls),
    )


def _generate_code(
    structure: ProjectStructure,
    llm: LLM,
    progress: Progress | None,
    mypy: TypeChecker | None,
) -> CodeTree:
    options = structure.brief.options
    full = options.generation_checks == "full"
    if options.language == "typescript":
        try:
            node_tool("tsc")  # every check needs it: fail before paying for any reply
        except NodeToolMissing as exc:
            raise LLMStageError(STAGE, f"TypeScript cannot be checked: {exc}") from None
    # package.json and tsconfig.json come from the plan, before any module is checked
    written: dict[str, SourceFile] = {
        f.path: config_file(f.path, structure) for f in structure.files if f.kind == "config"
    }
    modules = [f for f in structure.files if f.kind == "module"]
    waves = write_waves(modules) if full else [modules]
    calls: list[LLMCall] = []
    numbers = {m.path: n for n, m in enumerate(modules, start=1)}
    for wave in waves:
        check = _full_check(structure, written, mypy) if full else syntax_check
        requests = [
            FileRequest(
                path=planned.path,
                messages=_messages(
                    structure,
                    planned,
                    (_interfaces(structure, list(written.values()), planned.path) if full else "")
                    or "none yet",
                ),
                progress_note=(
                    f"{STAGE}: writing {planned.path} (module {numbers[planned.path]} "
                    f"of {len(modules)})"
                ),
            )
            for planned in wave
        ]
        sources = _generate(llm, requests, options.max_repair_attempts, progress, check, calls)
        written.update((s.path, s) for s in sources)
    if full:
        _project_pass(structure, llm, written, calls, progress, mypy)
    files = [written[planned.path] for planned in structure.files]
    return CodeTree(package=structure.package, files=files, llm=LLMUsage(calls=calls))


def _project_pass(
    structure: ProjectStructure,
    llm: LLM,
    written: dict[str, SourceFile],
    calls: list[LLMCall],
    progress: Progress | None,
    mypy: TypeChecker | None,
) -> None:
    """Check every module against the complete tree; a module whose findings now differ from
    what its last attempt was judged on (breakage only visible with its siblings written)
    goes back once more, bounded by the repair attempts."""
    check = _full_check(structure, written, mypy)
    repairs: list[FileRequest] = []
    for planned in structure.modules:
        current = written[planned.path]
        findings = check(current)
        last = current.kept_attempt.errors if current.kept_attempt else []
        if not findings or capped(findings) == last:
            continue
        others = [f for path, f in written.items() if path != planned.path]
        repairs.append(
            FileRequest(
                path=planned.path,
                messages=_messages(
                    structure, planned, _interfaces(structure, others, planned.path) or "none"
                ),
                progress_note=f"{STAGE}: project pass: repairing {planned.path}",
                previous=current,
                phase="project",
            )
        )
    if repairs:
        repaired = _generate(
            llm,
            repairs,
            structure.brief.options.max_repair_attempts,
            progress,
            check,
            calls,
        )
        written.update((s.path, s) for s in repaired)


def _generate(
    llm: LLM,
    requests: list[FileRequest],
    max_attempts: int,
    progress: Progress | None,
    check: Check,
    calls: list[LLMCall],
) -> list[SourceFile]:
    """One concurrent batch; its calls join ``calls``, and a failure carries all of them."""
    repair = "repair_code_node" if check is not syntax_check else "repair_parse_node"
    try:
        sources, batch_calls = generate_files(
            llm,
            STAGE,
            requests,
            max_attempts=max_attempts,
            progress=progress,
            check=check,
            repair_template=repair,
        )
    except LLMStageError as exc:
        raise type(exc)(STAGE, exc.reason, [*calls, *exc.calls]) from None
    calls += batch_calls
    return sources


def _full_check(
    structure: ProjectStructure, written: dict[str, SourceFile], mypy: TypeChecker | None
) -> Check:
    """Semantic validation's blocking checks against the project as written so far: the
    planned modules all count as existing, and names imported from a module are judged
    once that module is written. With ``mypy``, a file that passes them is type-checked
    with the written modules (imports of modules not written yet are ``Any``)."""
    context: ProjectContext = project_context(
        [f.path for f in structure.files],
        structure.libraries,
        {path: source.content for path, source in written.items()},
    )
    siblings = dict(written)

    def check(source: SourceFile) -> list[str]:
        found = blocking_issues(source, context)
        if not found and mypy is not None:
            project = [*(f for p, f in siblings.items() if p != source.path), source]
            # a type check that could not run is the gate's to report, not the model's to fix
            found = [i for i in mypy.check(project, "error") if i.path == source.path]
        return [i.describe() for i in found]

    return check


def _interfaces(structure: ProjectStructure, written: list[SourceFile], importer: str) -> str:
    """What the files already written define, as the module at ``importer`` would use it."""
    return node_interfaces_text(written, importer)


def _messages(structure: ProjectStructure, planned: PlannedFile, interfaces: str) -> list[Message]:
    language = structure.brief.options.language
    fields = {
        "title": structure.brief.title,
        "summary": structure.brief.summary,
        "package": structure.package,
        # a Node plan's package files are ours, not the model's to import
        "file_list": bullets(f"{f.path}: {f.purpose}" for f in structure.modules),
        "requirements": bullets(structure.requirement_notes),
        "libraries": ", ".join(structure.libraries) or "none (Node built-ins only)",
        "interfaces": interfaces,
        "path": planned.path,
        "purpose": planned.purpose,
    }
    return load_template("code_file_node").messages(
        language=LANGUAGE_NAMES[language], fence=language, **fields
    )
