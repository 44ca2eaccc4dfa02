"""Stage 5: code generation, one LLM call per planned module with parse-repair.

Modules are independent requests, so they are generated concurrently, at most
``llm.max_parallel_calls`` at a time; the tree keeps the planned order whatever order they
finish in.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.prompts import load_template
from quantumlayer_dagster.stages.file_generation import generate_file
from quantumlayer_dagster.stages.text import bullets

STAGE = "code_tree"

Progress = Callable[[str], None]


def generate_code(
    structure: ProjectStructure,
    llm: LLM,
    *,
    progress: Progress | None = None,
) -> CodeTree:
    """Generate every planned file. Package markers get a one-line docstring (nothing for an
    LLM to decide); every module is written by the LLM and parsed with tree-sitter, and a
    file that does not parse goes back with its errors, up to the request's repair bound.
    When a module fails, the others still finish (their replies are cached, so a re-run does
    not pay for them again) and LLMStageError carries every call of the stage."""
    max_attempts = structure.brief.options.max_repair_attempts
    template = load_template("code_file")
    file_list = bullets(f"{f.path}: {f.purpose}" for f in structure.files)
    modules = [f for f in structure.files if f.kind != "package_marker"]

    def write(numbered: tuple[int, PlannedFile]) -> tuple[SourceFile, list[LLMCall]]:
        number, planned = numbered
        if progress:
            progress(f"{STAGE}: writing {planned.path} (module {number} of {len(modules)})")
        messages = template.messages(
            title=structure.brief.title,
            summary=structure.brief.summary,
            package=structure.package,
            file_list=file_list,
            requirements=bullets(structure.requirement_notes),
            libraries=", ".join(structure.libraries) or "none (standard library only)",
            path=planned.path,
            purpose=planned.purpose,
        )
        return generate_file(llm, STAGE, planned.path, messages, max_attempts=max_attempts)

    workers = max(1, min(llm.max_parallel_calls, len(modules)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=STAGE) as pool:
        futures = [pool.submit(write, numbered) for numbered in enumerate(modules, start=1)]
    generated: dict[str, SourceFile] = {}
    calls: list[LLMCall] = []
    failures: list[LLMStageError] = []
    for planned, future in zip(modules, futures, strict=True):
        try:
            source, file_calls = future.result()
        except LLMStageError as exc:
            failures.append(exc)
            calls += exc.calls
            continue
        generated[planned.path] = source
        calls += file_calls
    if failures:
        reasons = "; ".join(dict.fromkeys(f.reason for f in failures))
        # The first failure's kind (e.g. BudgetExceeded) is kept for whoever catches it.
        raise type(failures[0])(STAGE, reasons, calls)
    files = [
        _marker(planned) if planned.kind == "package_marker" else generated[planned.path]
        for planned in structure.files
    ]
    return CodeTree(package=structure.package, files=files, llm=LLMUsage(calls=calls))


def _marker(planned: PlannedFile) -> SourceFile:
    return SourceFile(path=planned.path, content=f'"""{planned.purpose}."""\n')
