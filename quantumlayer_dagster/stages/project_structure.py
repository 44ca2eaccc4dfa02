"""Stage 4: project structure: the package and its source files."""

from collections.abc import Callable
from pathlib import PurePosixPath

from pydantic import ValidationError

from quantumlayer_dagster.analysis.import_map import declared_pins, distribution_for, import_key
from quantumlayer_dagster.artifacts.dependencies import normalize_distribution
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.request import NODE_LANGUAGES
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import (
    MODULE_SUFFIXES,
    PlannedFile,
    ProjectStructure,
    ProjectStructureDraft,
)
from quantumlayer_dagster.generation.module_order import write_waves
from quantumlayer_dagster.generation.plan_interfaces import ModuleToPlan, PlanBrief, plan_interfaces
from quantumlayer_dagster.generation.plan_language import plan_language
from quantumlayer_dagster.generation.plan_salvage import structure_salvage
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.prompts import load_template

STAGE = "project_structure"


def plan_structure(
    spec: RequirementsSpec, llm: LLM, progress: Callable[[str], None] | None = None
) -> ProjectStructure:
    """Ask for a package name and module list, then plan each module's interface
    (``plan_interfaces``: typed signatures, contracts, examples). A Python plan places every
    module under the package and adds the ``__init__.py`` markers each package folder needs;
    a Node plan (TypeScript or JavaScript: TypeScript types, camelCase names, JavaScript
    literals in its examples) places the modules under ``src/`` and adds ``package.json``
    (and ``tsconfig.json`` for TypeScript), which code generation writes from the plan."""
    components = "\n".join(f"- {r.title}: {', '.join(r.components)}" for r in spec.requirements)
    brief, options = spec.brief, spec.brief.options
    node = options.language in NODE_LANGUAGES
    template = load_template("structure_node" if node else "structure")
    node_fields = (
        {"language": LANGUAGE_NAMES[options.language], "suffix": MODULE_SUFFIXES[options.language]}
        if node
        else {}
    )
    messages = template.messages(
        title=brief.title,
        summary=brief.summary,
        components=components,
        max_files=options.max_files,
        **node_fields,
    )
    validation = {"max_files": options.max_files, "language": options.language}
    dropped: list[str] = []
    draft, calls = llm.complete_json(
        STAGE,
        messages,
        ProjectStructureDraft,
        json_schema=ProjectStructureDraft.json_schema_for(options.max_files, options.language),
        validation_context=validation,
        max_attempts=options.max_repair_attempts,
        salvage=structure_salvage(validation, dropped),
    )
    files = _place_under_src(draft, options.language) if node else _place_under_package(draft)
    notes = [
        f"{r.id} ({r.priority}) {r.title}: implement {', '.join(r.components)}; "
        + "; ".join(spec.criteria[c] for c in r.acceptance_criteria)
        for r in spec.requirements
    ]
    planned = plan_interfaces(
        PlanBrief(
            title=brief.title,
            summary=brief.summary,
            request=brief.request,
            requirements="\n".join(f"- {n}" for n in notes) or "- none given",
            libraries=spec.libraries,
            max_attempts=options.max_repair_attempts,
            # npm packages are not pinned here: the dependency stage reads package.json
            third_party=(lambda module: None) if node else pinnable(spec.libraries),
            language=plan_language(options.language),
        ),
        [
            [ModuleToPlan(m.path, m.purpose, m.uses) for m in wave]
            for wave in write_waves([f for f in files if f.kind == "module"])
        ],
        llm,
        progress,
    )
    calls += planned.calls
    dropped += planned.dropped
    kept = set(planned.interfaces)  # a module no interface could be planned for is dropped
    files = [
        f.model_copy(
            update={
                "interface": planned.interfaces.get(f.path),
                "uses": [u for u in f.uses if u in kept],
            }
        )
        for f in files
        if f.kind != "module" or f.path in kept
    ]
    try:
        return ProjectStructure(
            request_id=brief.request_id,
            brief=brief,
            package=draft.package,
            files=files,
            libraries=spec.libraries,
            requirement_notes=notes,
            dropped=dropped,
            llm=LLMUsage(calls=calls),
        )
    except ValidationError as exc:
        # E.g. deep paths whose package markers push the plan past the file limit.
        raise LLMStageError(STAGE, f"the planned layout is not acceptable: {exc}", calls) from None


def pinnable(libraries: list[str]) -> Callable[[str], str | None]:
    """Why a third-party import could not be pinned for the project (None: it can): its
    distribution must be installed here or declared with an ``==`` pin, as dependency
    resolution requires."""
    pins = declared_pins(libraries)

    def problem(module: str) -> str | None:
        distribution, via, why = distribution_for(import_key(module), pins)
        if distribution is None:
            return why
        if via == "declared" and pins.get(normalize_distribution(distribution)) is None:
            return f"{distribution} is not installed here and not pinned with =="
        return None

    return problem


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


LANGUAGE_NAMES = {"typescript": "TypeScript", "javascript": "JavaScript"}
"""How the prompts name the Node languages."""
NODE_SOURCE_DIR = "src"


def _place_under_src(draft: ProjectStructureDraft, language: str) -> list[PlannedFile]:
    """Every module under ``src/`` (a leading package or ``src`` folder dropped), then the
    config files our code writes: ``package.json`` and, for TypeScript, ``tsconfig.json``."""
    suffix = MODULE_SUFFIXES[language]

    def placed(given: str) -> str:
        parts = PurePosixPath(given).parts
        if len(parts) > 1 and parts[0] in (draft.package, NODE_SOURCE_DIR):
            parts = parts[1:]
        return str(PurePosixPath(NODE_SOURCE_DIR, *parts))

    planned: dict[str, PlannedFile] = {}
    for f in draft.files:
        path = placed(f.path)
        uses = [placed(u) for u in f.uses if u.endswith(suffix) and placed(u) != path]
        planned.setdefault(path, PlannedFile(path=path, purpose=f.purpose, uses=uses))
    configs = ["package.json"] + (["tsconfig.json"] if language == "typescript" else [])
    for config in configs:
        planned[config] = PlannedFile(
            path=config, purpose=f"the package's {config}, written from the plan", kind="config"
        )
    return sorted(planned.values(), key=lambda p: p.path)
