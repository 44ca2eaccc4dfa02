"""Stage 4: project structure: the package and its source files."""

from pathlib import PurePosixPath

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import (
    PlannedFile,
    ProjectStructure,
    ProjectStructureDraft,
)
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.prompts import load_template

STAGE = "project_structure"


def plan_structure(spec: RequirementsSpec, llm: LLM) -> ProjectStructure:
    """Ask for a package name and module list; place every module under the package and
    add the ``__init__.py`` markers each package folder needs."""
    components = "\n".join(f"- {r.title}: {', '.join(r.components)}" for r in spec.requirements)
    brief, options = spec.brief, spec.brief.options
    messages = load_template("structure").messages(
        title=brief.title, summary=brief.summary, components=components, max_files=options.max_files
    )
    draft, calls = llm.complete_json(
        STAGE,
        messages,
        ProjectStructureDraft,
        json_schema=ProjectStructureDraft.json_schema_for(options.max_files),
        validation_context={"max_files": options.max_files},
        max_attempts=options.max_repair_attempts,
    )
    files = _place_under_package(draft)
    notes = [
        f"{r.id} ({r.priority}) {r.title}: implement {', '.join(r.components)}; "
        + "; ".join(spec.criteria[c] for c in r.acceptance_criteria)
        for r in spec.requirements
    ]
    try:
        return ProjectStructure(
            request_id=brief.request_id,
            brief=brief,
            package=draft.package,
            files=files,
            libraries=spec.libraries,
            requirement_notes=notes,
            llm=LLMUsage(calls=calls),
        )
    except ValidationError as exc:
        # E.g. deep paths whose package markers push the plan past the file limit.
        raise LLMStageError(STAGE, f"the planned layout is not acceptable: {exc}", calls) from None


def _place_under_package(draft: ProjectStructureDraft) -> list[PlannedFile]:
    def placed(given: str) -> str:
        path = PurePosixPath(given)
        return str(path if path.parts[0] == draft.package else PurePosixPath(draft.package, given))

    planned: dict[str, PlannedFile] = {}
    for f in draft.files:
        path = placed(f.path)
        uses = [placed(u) for u in f.uses if u.endswith(".py") and placed(u) != path]
        planned.setdefault(path, PlannedFile(path=path, purpose=f.purpose, uses=uses))
    for path_str in list(planned):
        for parent in PurePosixPath(path_str).parents:
            if str(parent) == ".":
                continue
            marker = str(parent / "__init__.py")
            planned.setdefault(
                marker,
                PlannedFile(
                    path=marker, purpose=f"marks {parent} as a package", kind="package_marker"
                ),
            )
    return sorted(planned.values(), key=lambda p: p.path)
