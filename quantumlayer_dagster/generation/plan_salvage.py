"""What a plan keeps of a reply that never passed its checks.

Each planning reply is checked and sent back with the findings, bounded by the request's
attempts (``LLM.complete_json``). When every attempt still had a finding, the plan does not
give up on the request: it keeps the parts of the latest reply that pass the checks and
drops the rest, each drop recorded with its reason (the asset's metadata and
``ProjectStructure.dropped`` show them). What must hold for anything to be built (a
module with at least one function or class) is never dropped: without it the stage fails."""

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from quantumlayer_dagster.artifacts.interface_draft import (
    ClassSketch,
    EndpointDraft,
    FunctionSketch,
    ModuleSketch,
)
from quantumlayer_dagster.artifacts.structure import ProjectStructureDraft
from quantumlayer_dagster.generation.interface_checks import SketchContext, sketch_problems


def structure_salvage(
    context: dict[str, Any], notes: list[str]
) -> Callable[[Any], ProjectStructureDraft | None]:
    """For the files plan: a reply whose only problem is a ``uses`` entry naming no planned
    file (e.g. a standard-library module) keeps its files without those entries."""

    def salvage(data: Any) -> ProjectStructureDraft | None:
        if not isinstance(data, dict) or not isinstance(data.get("files"), list):
            return None
        files = [f for f in data["files"] if isinstance(f, dict)]
        known = {str(f.get("path")) for f in files}
        known |= {PurePosixPath(p).name for p in known}
        kept = []
        for f in files:
            uses = [u for u in f.get("uses") or [] if isinstance(u, str)]
            unknown = [u for u in uses if u not in known and PurePosixPath(u).name not in known]
            notes.extend(
                f"{f.get('path')}: uses {u!r}, which is not a planned file" for u in unknown
            )
            kept.append({**f, "uses": [u for u in uses if u not in unknown]})
        try:
            return ProjectStructureDraft.model_validate({**data, "files": kept}, context=context)
        except ValidationError:
            return None

    return salvage


def sketch_salvage(
    context: SketchContext, path: str, notes: list[str]
) -> Callable[[Any], ModuleSketch | None]:
    """For a module's sketch: the imports, functions and classes that pass the checks on
    their own (in order, a name planned twice kept once); None when none does."""

    def salvage(data: Any) -> ModuleSketch | None:
        if not isinstance(data, dict):
            return None
        sketch = ModuleSketch(
            imports=[m for m in data.get("imports") or [] if isinstance(m, str)][:6],
            functions=_each(FunctionSketch, data.get("functions"), path, "function", notes),
            classes=_each(ClassSketch, data.get("classes"), path, "class", notes),
        )
        imports = [
            m
            for m in sketch.imports
            if not _fails(ModuleSketch(imports=[m], functions=[]), context, ignore_empty=True)
        ]
        notes.extend(f"{path}: import {m!r} dropped" for m in sketch.imports if m not in imports)
        names: set[str] = set()
        functions, classes = [], []
        for function in sketch.functions:
            alone = ModuleSketch(imports=imports, functions=[function])
            if function.name in names or _fails(alone, context):
                why = _why(alone, context, names, function.name)
                notes.append(f"{path}: function {function.name!r} dropped: {why}")
                continue
            names.add(function.name)
            functions.append(function)
        for cls in sketch.classes:
            alone = ModuleSketch(imports=imports, classes=[cls])
            if cls.name in names or _fails(alone, context):
                notes.append(
                    f"{path}: class {cls.name!r} dropped: {_why(alone, context, names, cls.name)}"
                )
                continue
            names.add(cls.name)
            classes.append(cls)
        endpoints: list[EndpointDraft] = []
        for endpoint in _each(EndpointDraft, data.get("endpoints"), path, "endpoint", notes):
            alone = ModuleSketch(
                imports=imports,
                functions=functions,
                classes=classes,
                endpoints=[*endpoints, endpoint],
            )
            if _fails(alone, context):
                notes.append(f"{path}: endpoint {endpoint.method} {endpoint.path} dropped")
                continue
            endpoints.append(endpoint)
        kept = ModuleSketch(
            imports=imports, functions=functions, classes=classes, endpoints=endpoints
        )
        # Nothing for the model to write (no function, no method): no bodies, no examples,
        # no tests; such a module is left out like one with nothing at all.
        writable = functions or any(c.methods for c in classes)
        if not writable or sketch_problems(kept, context):
            return None
        return kept

    return salvage


def _each(model: type[BaseModel], items: Any, path: str, what: str, notes: list[str]) -> list[Any]:
    """The items of a reply's list that have the model's shape, each on its own."""
    kept = []
    for item in items if isinstance(items, list) else []:
        try:
            kept.append(model.model_validate(item))
        except ValidationError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            notes.append(f"{path}: {what} {name!r} dropped: {exc.errors()[0]['msg']}")
    return kept[:8]


def _fails(sketch: ModuleSketch, context: SketchContext, *, ignore_empty: bool = False) -> bool:
    problems = sketch_problems(sketch, context)
    if ignore_empty:
        problems = [p for p in problems if p != "plan at least one function or class"]
    return bool(problems)


def _why(sketch: ModuleSketch, context: SketchContext, names: set[str], name: str) -> str:
    if name in names:
        return "planned twice"
    return "; ".join(sketch_problems(sketch, context)[:2])
