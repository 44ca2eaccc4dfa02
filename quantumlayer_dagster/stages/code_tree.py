"""Stage 5: code generation, one LLM call per planned module with parse-repair.

Modules are independent requests, so they are generated concurrently, at most
``llm.max_parallel_calls`` at a time; the tree keeps the planned order whatever order they
finish in.
"""

from collections.abc import Callable

from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.file_generation import FileRequest, generate_files
from quantumlayer_dagster.generation.text import bullets
from quantumlayer_dagster.llm.protocol import LLM
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
    LLM to decide); every module is written by the LLM and parsed with tree-sitter, and a
    file that does not parse goes back with its errors, up to the request's repair bound.
    When a module fails, the others still finish (their replies are cached, so a re-run does
    not pay for them again) and LLMStageError carries every call of the stage."""
    max_attempts = structure.brief.options.max_repair_attempts
    template = load_template("code_file")
    file_list = bullets(f"{f.path}: {f.purpose}" for f in structure.files)
    modules = [f for f in structure.files if f.kind != "package_marker"]

    requests = [
        FileRequest(
            path=planned.path,
            messages=template.messages(
                title=structure.brief.title,
                summary=structure.brief.summary,
                package=structure.package,
                file_list=file_list,
                requirements=bullets(structure.requirement_notes),
                libraries=", ".join(structure.libraries) or "none (standard library only)",
                path=planned.path,
                purpose=planned.purpose,
            ),
            progress_note=f"{STAGE}: writing {planned.path} (module {n} of {len(modules)})",
        )
        for n, planned in enumerate(modules, start=1)
    ]
    sources, calls = generate_files(
        llm, STAGE, requests, max_attempts=max_attempts, progress=progress
    )
    generated = {source.path: source for source in sources}
    files = [
        _marker(planned) if planned.kind == "package_marker" else generated[planned.path]
        for planned in structure.files
    ]
    return CodeTree(package=structure.package, files=files, llm=LLMUsage(calls=calls))


def _marker(planned: PlannedFile) -> SourceFile:
    return SourceFile(path=planned.path, content=f'"""{planned.purpose}."""\n')
