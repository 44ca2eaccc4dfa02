"""Stage 5: code generation, one LLM call per planned module with parse-repair."""

from collections.abc import Callable

from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.llm.protocol import LLM
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
    file that does not parse goes back with its errors, up to the request's repair bound."""
    max_attempts = structure.brief.options.max_repair_attempts
    template = load_template("code_file")
    file_list = bullets(f"{f.path}: {f.purpose}" for f in structure.files)
    files: list[SourceFile] = []
    calls: list[LLMCall] = []
    total = len(structure.modules)
    written = 0
    for planned in structure.files:
        if planned.kind == "package_marker":
            files.append(_marker(planned))
            continue
        written += 1
        if progress:
            progress(f"{STAGE}: writing {planned.path} (module {written} of {total})")
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
        source, file_calls = generate_file(
            llm, STAGE, planned.path, messages, max_attempts=max_attempts
        )
        files.append(source)
        calls += file_calls
    return CodeTree(package=structure.package, files=files, llm=LLMUsage(calls=calls))


def _marker(planned: PlannedFile) -> SourceFile:
    return SourceFile(path=planned.path, content=f'"""{planned.purpose}."""\n')
