"""What the engine needs from a language: find a function's slot, turn a reply into a body,
splice bodies into a module, and run examples in the sandbox. ``PYTHON`` is the Python kit;
the Node kit (TypeScript and JavaScript) implements the same protocol."""

import ast
from dataclasses import dataclass
from typing import Protocol

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation import run_examples as python_examples
from quantumlayer_dagster.generation import slots as python_slots
from quantumlayer_dagster.generation import splice_body as python_splice
from quantumlayer_dagster.generation.run_examples import ExampleJob, ExampleOutcome
from quantumlayer_dagster.generation.slots import Slot
from quantumlayer_dagster.generation.splice_body import Allowance, Body
from quantumlayer_dagster.sandbox import CodeSandbox


class BodyKit(Protocol):
    @property
    def language(self) -> str:
        """The fence and ``code_language`` of requests (``python``, ``typescript``...)."""
        ...

    @property
    def template(self) -> str:
        """The prompt template of the first request (its repair is ``body_repair``)."""
        ...

    def slot(self, content: str, qualname: str) -> Slot:
        """The function ``qualname`` of ``content`` (stub or not); KeyError when absent."""
        ...

    def body_from_reply(
        self,
        code: str,
        slot: Slot,
        *,
        allowed: Allowance,
        taken: frozenset[str],
        siblings: frozenset[str],
    ) -> Body:
        """The body a reply's code gives for ``slot``; raises ``SpliceRefused``."""
        ...

    def assemble(self, content: str, bodies: dict[Slot, Body]) -> str:
        """``content`` with each slot's body spliced in and the bodies' imports added."""
        ...

    def is_placeholder(self, body: str) -> bool:
        """Whether a body's text (unindented) is still a placeholder."""
        ...

    def placeholder_failure(self, detail: str) -> bool:
        """Whether an example failed only because a placeholder body ran (one the body
        calls): a repair of the body cannot help."""
        ...

    def run_examples(
        self, project: list[SourceFile], jobs: list[ExampleJob], sandbox: CodeSandbox
    ) -> list[list[ExampleOutcome]]:
        """Every job's examples, run in one sandbox call."""
        ...


@dataclass(frozen=True)
class PythonKit:
    language: str = "python"
    template: str = "body"

    def slot(self, content: str, qualname: str) -> Slot:
        return python_slots.function_slot(content, qualname)

    def body_from_reply(
        self,
        code: str,
        slot: Slot,
        *,
        allowed: Allowance,
        taken: frozenset[str],
        siblings: frozenset[str],
    ) -> Body:
        return python_splice.body_from_reply(
            code, slot, allowed=allowed, taken=taken, siblings=siblings
        )

    def assemble(self, content: str, bodies: dict[Slot, Body]) -> str:
        return python_splice.assemble(content, bodies)

    def is_placeholder(self, body: str) -> bool:
        try:
            return python_slots.is_stub_body(ast.parse(body).body)
        except SyntaxError:
            return False

    def placeholder_failure(self, detail: str) -> bool:
        return detail.startswith("raised NotImplementedError")

    def run_examples(
        self, project: list[SourceFile], jobs: list[ExampleJob], sandbox: CodeSandbox
    ) -> list[list[ExampleOutcome]]:
        return python_examples.run_examples(project, jobs, sandbox)


PYTHON = PythonKit()
