"""Planning each module's interface with the LLM, in two steps.

1. A sketch per module (``interface`` prompt): functions and classes with typed signatures
   and contracts, the outside modules it imports. Modules go in waves, the modules a module
   uses first, so its sketch can name their classes and never clash with what it imports.
2. Examples per function and method (``examples`` prompt), all at once: decoded under a
   schema typed by that signature (one literal per parameter, a literal result of the return
   type or ``raises X``). Invalid examples are left out, each with its reason; a function
   left with none is planned without examples (and said so), not a failed stage.

Both replies are checked (``interface_checks``, ``node_interface_checks`` for a Node plan)
and sent back with the findings, bounded by the request's attempts. The plan's language
(``plan_language``) gives the prompts, the decoding patterns, the checks and the call text:
Python, or TypeScript types and JavaScript literals for a Node package."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from quantumlayer_dagster.artifacts.interface import (
    ClassPlan,
    EndpointPlan,
    ExamplePlan,
    FunctionPlan,
    ModuleInterface,
    ParamPlan,
)
from quantumlayer_dagster.artifacts.interface_draft import (
    ExamplesDraft,
    FunctionSketch,
    ModuleSketch,
    examples_schema,
)
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.generation.callee import Callee
from quantumlayer_dagster.generation.interface_checks import SERVICE_LIBRARY, SketchContext
from quantumlayer_dagster.generation.plan_language import PYTHON_PLAN, PlanLanguage
from quantumlayer_dagster.generation.plan_salvage import sketch_salvage
from quantumlayer_dagster.llm.protocol import LLM, InvalidReplies, LLMStageError
from quantumlayer_dagster.prompts import load_template

STAGE = "project_structure"
REQUEST_CHARS = 2000
"""Most characters of the user's request quoted in a planning prompt."""


@dataclass(frozen=True)
class ModuleToPlan:
    path: str
    purpose: str
    uses: list[str]


@dataclass(frozen=True)
class PlanBrief:
    """The request as the interface prompts see it."""

    title: str
    summary: str
    requirements: str
    libraries: list[str]
    max_attempts: int
    third_party: Callable[[str], str | None] = lambda module: None
    """Why a third-party import cannot be pinned for the project (None: it can)."""
    request: str = ""
    """The user's request in their own words (quoted up to ``REQUEST_CHARS``)."""
    language: PlanLanguage = PYTHON_PLAN


@dataclass
class PlannedInterfaces:
    interfaces: dict[str, ModuleInterface]
    dropped: list[str]
    """Examples left out and why (``path::function: reason``)."""
    calls: list[LLMCall]


def plan_interfaces(
    brief: PlanBrief,
    waves: list[list[ModuleToPlan]],
    llm: LLM,
    progress: Callable[[str], None] | None = None,
) -> PlannedInterfaces:
    """The interface of every module of ``waves`` (each wave's modules use only modules of
    earlier waves)."""
    sketches: dict[str, ModuleSketch] = {}
    calls: list[LLMCall] = []
    salvaged: list[str] = []
    for wave in waves:
        if progress:
            progress(f"{STAGE}: planning the interfaces of {', '.join(m.path for m in wave)}")
        done = run_each(
            llm, STAGE, wave, lambda m: _sketch_or_none(brief, m, sketches, llm, salvaged), calls
        )
        sketches.update((m.path, s) for m, s in zip(wave, done, strict=True) if s is not None)
    if not sketches:
        reasons = "; ".join(n for n in salvaged if "no module interface" in n)
        raise LLMStageError(STAGE, f"no module could be planned: {reasons}", calls)
    language = brief.language
    exceptions = language.exceptions | {c.name for s in sketches.values() for c in s.classes}
    callees = [
        Callee(path, f, None, frozenset(exceptions), language)
        for path, sketch in sketches.items()
        for f in sketch.functions
    ] + [
        Callee(path, m, c, frozenset(exceptions), language)
        for path, sketch in sketches.items()
        for c in sketch.classes
        for m in c.methods
    ]
    if progress and callees:
        progress(f"{STAGE}: planning examples for {len(callees)} functions")
    found = run_each(llm, STAGE, callees, lambda callee: _examples(brief, callee, llm), calls)
    examples = {c.target: ex for c, ex in zip(callees, found, strict=True)}
    dropped = salvaged + [note for _, notes in found for note in notes]
    interfaces = {
        path: _interface(path, sketch, {t: ex for t, (ex, _) in examples.items()})
        for path, sketch in sketches.items()
    }
    return PlannedInterfaces(interfaces=interfaces, dropped=dropped, calls=calls)


def run_each(
    llm: LLM, stage: str, items: list[Any], ask: Callable[[Any], Any], calls: list[LLMCall]
) -> list[Any]:
    """``ask`` (returning a value and its calls) for every item concurrently, at most
    ``llm.max_parallel_calls`` at once; the values in order, every call joins ``calls``; a
    failure is raised after the others finished, carrying all calls."""
    if not items:
        return []
    workers = max(1, min(llm.max_parallel_calls, len(items)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=stage) as pool:
        futures = [pool.submit(ask, item) for item in items]
    results, failures = [], []
    for future in futures:
        try:
            value, made = future.result()
        except LLMStageError as exc:
            failures.append(exc)
            calls += exc.calls
            continue
        calls += made
        results.append(value)
    if failures:
        reasons = "; ".join(dict.fromkeys(f.reason for f in failures))
        raise type(failures[0])(stage, reasons, calls)
    return results


def _sketch_or_none(
    brief: PlanBrief,
    module: ModuleToPlan,
    done: dict[str, ModuleSketch],
    llm: LLM,
    salvaged: list[str],
) -> tuple[ModuleSketch | None, list[LLMCall]]:
    """The module's sketch, or None (and a note) when no reply gave one it could keep: the
    module is left out of the plan, and the request fails only when every module is."""
    try:
        return _sketch(brief, module, done, llm, salvaged)
    except InvalidReplies as exc:
        salvaged.append(f"{module.path}: module dropped, no module interface ({exc.reason})")
        return None, exc.calls


def _sketch(
    brief: PlanBrief,
    module: ModuleToPlan,
    done: dict[str, ModuleSketch],
    llm: LLM,
    salvaged: list[str],
) -> tuple[ModuleSketch, list[LLMCall]]:
    used = {u: done[u] for u in module.uses if u in done}
    names = {
        n: u
        for u, s in used.items()
        for n in [*(f.name for f in s.functions), *(c.name for c in s.classes)]
    }
    language = brief.language
    context = SketchContext(
        libraries=language.library_names(brief.libraries),
        imported_names=names,
        imported_classes=frozenset(c.name for s in used.values() for c in s.classes),
        third_party=brief.third_party,
    )
    uses = (
        "It uses these modules of the project (their names are imported for you):\n"
        + "\n".join(f"{language.module_label(u)}: {_summary(s)}" for u, s in used.items())
        if used
        else ""
    )
    messages = load_template(language.interface_template).messages(
        title=brief.title,
        summary=brief.summary,
        request=brief.request[:REQUEST_CHARS],
        requirements=brief.requirements,
        libraries=", ".join(brief.libraries) or language.no_libraries,
        uses=uses,
        path=module.path,
        purpose=module.purpose,
    )
    schema = brief.language.sketch_schema(
        endpoints=SERVICE_LIBRARY in context.libraries and not language.node
    )
    return llm.complete_json(
        STAGE,
        messages,
        ModuleSketch,
        json_schema=schema,
        validation_context={"sketch": lambda s: language.sketch_problems(s, context)},
        max_attempts=brief.max_attempts,
        # salvage judges with the Python checks: a Node sketch is only ever repaired
        salvage=None if language.node else sketch_salvage(context, module.path, salvaged),
    )


def _examples(
    brief: PlanBrief, callee: Callee, llm: LLM
) -> tuple[tuple[list[ExamplePlan], list[str]], list[LLMCall]]:
    messages = load_template(brief.language.examples_template).messages(
        title=brief.title,
        signature=callee.signature(),
        contract=callee.function.contract,
        target=callee.target,
    )
    try:
        draft, calls = llm.complete_json(
            STAGE,
            messages,
            ExamplesDraft,
            json_schema=examples_schema(callee.example_schema()),
            validation_context={"example": callee.problem},
            max_attempts=brief.max_attempts,
        )
    except InvalidReplies as exc:
        # no valid example after every attempt: planned without examples, and said so
        return ([], [f"{callee.target}: no valid example ({exc.reason})"]), exc.calls
    kept, dropped = [], []
    for example in draft.examples:
        problem = callee.problem(example)
        if problem:
            dropped.append(f"{callee.target}: {problem}")
            continue
        kept.append(ExamplePlan(call=callee.call(example), result=example.result.strip()))
    return (kept, dropped), calls


def _interface(
    path: str, sketch: ModuleSketch, examples: dict[str, list[ExamplePlan]]
) -> ModuleInterface:
    def plan(f: FunctionSketch, owner: str | None) -> FunctionPlan:
        qualname = f"{owner}.{f.name}" if owner else f.name
        return FunctionPlan(
            name=f.name,
            params=[ParamPlan(name=p.name, type=p.type) for p in f.params],
            returns=f.returns,
            contract=f.contract,
            examples=examples.get(f"{path}::{qualname}", []),
        )

    return ModuleInterface(
        endpoints=[
            EndpointPlan(method=e.method, path=e.path, function=e.function)
            for e in sketch.endpoints
        ],
        imports=sorted(set(sketch.imports)),
        functions=[plan(f, None) for f in sketch.functions],
        classes=[
            ClassPlan(
                name=c.name,
                contract=c.contract,
                init=[ParamPlan(name=p.name, type=p.type) for p in c.init],
                methods=[plan(m, c.name) for m in c.methods],
            )
            for c in sketch.classes
        ],
    )


def _summary(sketch: ModuleSketch) -> str:
    names = [f"{f.name}({', '.join(p.name for p in f.params)})" for f in sketch.functions]
    names += [f"class {c.name}" for c in sketch.classes]
    return ", ".join(names)
