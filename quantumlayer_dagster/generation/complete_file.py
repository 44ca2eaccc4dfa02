"""The engine on any file of stubs (``quantumlayer complete``, the HumanEval benchmark).

Each function whose body is a placeholder (``slots``) is a target, judged by the examples its
docstring shows (``>>>`` lines, ``call == value`` lines); the file's own imports and the
standard library are what a body may import. The file is checked on its own with the same
blocking checks as a generated module, and run only in the sandbox."""

import ast
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.generation.body_state import BodyTarget
from quantumlayer_dagster.generation.file_allowance import defined_names, file_allowance
from quantumlayer_dagster.generation.fill_bodies import fill_bodies
from quantumlayer_dagster.generation.slots import Slot, find_slots
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.sandbox import CodeSandbox

STAGE = "code_tree"
"""Completion asks the LLM group the config gives code generation."""


class CompletionInputError(ValueError):
    """The file cannot be completed (no stub, no such function); the message says why."""


@dataclass(frozen=True)
class Completion:
    """The completed source, a record per function and every LLM call."""

    source: str
    bodies: list[FunctionBody]
    calls: list[LLMCall]


def stubs_of(source: str, path: str, function: str | None = None) -> list[Slot]:
    """The stubs of ``source`` (only ``function``'s, by name or ``Class.name``, when given).
    Raises CompletionInputError when it does not parse, has no stub, or no such function."""
    try:
        slots = find_slots(source, path)
    except (SyntaxError, ValueError) as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise CompletionInputError(f"{path} does not parse{line}: {exc}") from None
    if function is not None:
        chosen = [s for s in slots if function in (s.qualname, s.name)]
        if not chosen:
            names = ", ".join(s.qualname for s in slots) or "none"
            raise CompletionInputError(f"{path} has no stub named {function!r} (stubs: {names})")
        return chosen
    if not slots:
        raise CompletionInputError(
            f"{path} has no function to complete: a stub's body is `...`, `pass`, "
            "`raise NotImplementedError` or only its docstring"
        )
    return slots


def complete_file(
    source: str,
    path: str,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    function: str | None = None,
    max_rounds: int = 3,
    progress: Callable[[str], None] | None = None,
) -> Completion:
    """Fill the stubs of ``source`` (a module named by ``path``, e.g. ``solution.py``)."""
    slots = stubs_of(source, path, function)
    allowed = file_allowance(source)
    taken = defined_names(source)
    names = frozenset(s.name for s in slots if s.owner is None)

    targets = [
        BodyTarget(
            path=path,
            qualname=slot.qualname,
            examples=slot.examples,
            context=_later_signatures(source, slot),
            allowed=allowed,
            taken=frozenset(taken - {slot.name}),
            siblings=frozenset(names - {slot.name}),
        )
        for slot in slots
    ]
    result = fill_bodies(
        {path: source},
        targets,
        llm,
        sandbox,
        stage=STAGE,
        check=file_check,
        max_rounds=max_rounds,
        progress=progress,
    )
    return Completion(source=result.files[path], bodies=result.bodies, calls=result.calls)


def file_check(path: str, content: str, files: dict[str, str]) -> list[str]:
    """The blocking findings of one module against the files around it."""
    context = project_context(list(files), [], files)
    return [i.describe() for i in blocking_issues(SourceFile(path=path, content=content), context)]


def _later_signatures(source: str, slot: Slot) -> str:
    """The functions and classes defined after the stub, which its body may call but the
    request does not show: one ``def`` line each."""
    tree = ast.parse(source)
    lines = source.splitlines()
    later = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.lineno > slot.first
        and node.name != slot.name
    ]
    if not later:
        return ""
    shown = [lines[node.lineno - 1].strip() for node in later]
    return "Defined further down in the same file:\n" + "\n".join(shown)
