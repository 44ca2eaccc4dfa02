"""The engine's kit for Node packages: TypeScript or JavaScript slots, splicing and examples
(``node_slots``, ``node_splice``, ``node_examples``), with the ``body_<language>`` prompt."""

from dataclasses import dataclass, field

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.node_examples import run_node_examples
from quantumlayer_dagster.generation.node_skeleton import PLACEHOLDER, NodeLanguage
from quantumlayer_dagster.generation.node_slots import node_function_slot
from quantumlayer_dagster.generation.node_splice import (
    is_placeholder_text,
    node_assemble,
    node_body_from_reply,
)
from quantumlayer_dagster.generation.run_examples import ExampleJob, ExampleOutcome
from quantumlayer_dagster.generation.slots import Slot
from quantumlayer_dagster.generation.splice_body import Allowance, Body
from quantumlayer_dagster.sandbox import CodeSandbox


@dataclass(frozen=True)
class NodeKit:
    """``BodyKit`` for ``typescript`` or ``javascript`` (the fence and ``code_language``)."""

    language: NodeLanguage
    template: str = field(init=False)
    """``body_typescript`` or ``body_javascript``: the prompt's fence is the language's."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "template", f"body_{self.language}")

    def slot(self, content: str, qualname: str) -> Slot:
        return node_function_slot(content, qualname, self.language)

    def body_from_reply(
        self,
        code: str,
        slot: Slot,
        *,
        allowed: Allowance,
        taken: frozenset[str],
        siblings: frozenset[str],
    ) -> Body:
        return node_body_from_reply(
            code, slot, allowed=allowed, taken=taken, siblings=siblings, language=self.language
        )

    def assemble(self, content: str, bodies: dict[Slot, Body]) -> str:
        return node_assemble(content, bodies, self.language)

    def is_placeholder(self, body: str) -> bool:
        return is_placeholder_text(body, self.language)

    def placeholder_failure(self, detail: str) -> bool:
        """Whether an example failed only because a placeholder body ran (this one's or
        one it calls): the Node twin of ``fill_bodies``' ``raised NotImplementedError``."""
        return detail.startswith(f"threw Error: {PLACEHOLDER}")

    def run_examples(
        self, project: list[SourceFile], jobs: list[ExampleJob], sandbox: CodeSandbox
    ) -> list[list[ExampleOutcome]]:
        return run_node_examples(project, jobs, sandbox, language=self.language)


TYPESCRIPT = NodeKit("typescript")
JAVASCRIPT = NodeKit("javascript")
