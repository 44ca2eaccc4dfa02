"""Stage 5: code generation, one LLM call per planned module with check-and-repair.

Each module is checked with semantic validation's own blocking checks (syntax, compile,
undefined names, imports nothing provides, names a project module does not define, calls
that do not fit a project function) against the project as far as it is written, and every
finding goes back to the model, bounded by the request's repair attempts and budget.
Modules are written in waves, dependencies first (``module_order``); each request carries
the interfaces of the modules already written, and the modules of one wave go out
concurrently, at most ``llm.max_parallel_calls`` at a time. Once every file exists, a
project pass checks the whole tree again and sends each file with cross-file breakage
that its writer could not see back for one more bounded repair. The tree keeps the
planned order.
"""

from collections.abc import Callable

from quantumlayer_dagster.analysis.file_checks import (
    ProjectContext,
    blocking_issues,
    project_context,
)
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
from quantumlayer_dagster.generation.interfaces import interfaces_text
from quantumlayer_dagster.generation.module_order import write_waves
from quantumlayer_dagster.generation.text import bullets
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError, Message
from quantumlayer_dagster.prompts import load_template

STAGE = "code_tree"

Progress = Callable[[str], None]


def generate_code(
    structure: ProjectStructure,
    llm: LLM,
    *,
    progress: Progress | None = None,
) -> CodeTree:
    """Generate every planned file. Package markers get a one-line docstring (nothing for an
    LLM to decide); every module is written by the LLM and checked, and a file with blocking
    findings goes back with them, up to the request's repair bound. When a module fails,
    the others of its wave still finish (their replies are cached, so a re-run does not pay
    for them again) and LLMStageError carries every call of the stage."""
    options = structure.brief.options
    full = options.generation_checks == "full"
    written: dict[str, SourceFile] = {
        f.path: _marker(f) for f in structure.files if f.kind == "package_marker"
    }
    modules = [f for f in structure.files if f.kind != "package_marker"]
    waves = write_waves(modules) if full else [modules]
    calls: list[LLMCall] = []
    numbers = {m.path: n for n, m in enumerate(modules, start=1)}
    for wave in waves:
        check = _full_check(structure, written) if full else syntax_check
        interfaces = interfaces_text(list(written.values())) if full else ""
        requests = [
            FileRequest(
                path=planned.path,
                messages=_messages(structure, planned, interfaces or "none yet"),
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
        _project_pass(structure, llm, written, calls, progress)
    files = [written[planned.path] for planned in structure.files]
    return CodeTree(package=structure.package, files=files, llm=LLMUsage(calls=calls))


def _project_pass(
    structure: ProjectStructure,
    llm: LLM,
    written: dict[str, SourceFile],
    calls: list[LLMCall],
    progress: Progress | None,
) -> None:
    """Check every module against the complete tree; a module whose findings now differ from
    what its last attempt was judged on (breakage only visible with its siblings written)
    goes back once more, bounded by the repair attempts."""
    check = _full_check(structure, written)
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
                messages=_messages(structure, planned, interfaces_text(others) or "none"),
                progress_note=f"{STAGE}: project pass: repairing {planned.path}",
                previous=current,
                phase="project",
            )
        )
    if repairs:
        repaired = _generate(
            llm, repairs, structure.brief.options.max_repair_attempts, progress, check, calls
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
    try:
        sources, batch_calls = generate_files(
            llm,
            STAGE,
            requests,
            max_attempts=max_attempts,
            progress=progress,
            check=check,
            repair_template="repair_code" if check is not syntax_check else "repair_parse",
        )
    except LLMStageError as exc:
        raise type(exc)(STAGE, exc.reason, [*calls, *exc.calls]) from None
    calls += batch_calls
    return sources


def _full_check(structure: ProjectStructure, written: dict[str, SourceFile]) -> Check:
    """Semantic validation's blocking checks against the project as written so far: the
    planned modules all count as existing, and names imported from a module are judged
    once that module is written."""
    context: ProjectContext = project_context(
        [f.path for f in structure.files],
        structure.libraries,
        {path: source.content for path, source in written.items()},
    )
    return lambda source: [i.describe() for i in blocking_issues(source, context)]


def _messages(structure: ProjectStructure, planned: PlannedFile, interfaces: str) -> list[Message]:
    return load_template("code_file").messages(
        title=structure.brief.title,
        summary=structure.brief.summary,
        package=structure.package,
        file_list=bullets(f"{f.path}: {f.purpose}" for f in structure.files),
        requirements=bullets(structure.requirement_notes),
        libraries=", ".join(structure.libraries) or "none (standard library only)",
        interfaces=interfaces,
        path=planned.path,
        purpose=planned.purpose,
    )


def _marker(planned: PlannedFile) -> SourceFile:
    return SourceFile(path=planned.path, content=f'"""{planned.purpose}."""\n')
