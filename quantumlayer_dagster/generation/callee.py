"""A planned function as an example or a test case calls it: its typed decoding schema,
what an example of it is checked against, and the call text our code renders, in its plan's
language (``plan_language``)."""

from dataclasses import dataclass
from typing import Any, Protocol

from quantumlayer_dagster.artifacts.interface_draft import ExampleDraft
from quantumlayer_dagster.generation.interface_checks import ExampleContext
from quantumlayer_dagster.generation.literal_patterns import anchored
from quantumlayer_dagster.generation.plan_language import PYTHON_PLAN, PlanLanguage


class _Param(Protocol):
    name: str
    type: str


class _Function(Protocol):
    name: str
    returns: str
    contract: str

    @property
    def params(self) -> list[Any]: ...


class _Class(Protocol):
    name: str

    @property
    def init(self) -> list[Any]: ...


@dataclass(frozen=True)
class Callee:
    """``function`` of the module at ``path`` (a method of ``owner`` when given); the
    exception classes its examples may name; the language of its plan."""

    path: str
    function: _Function
    owner: _Class | None
    exceptions: frozenset[str]
    language: PlanLanguage = PYTHON_PLAN

    @property
    def qualname(self) -> str:
        return f"{self.owner.name}.{self.function.name}" if self.owner else self.function.name

    @property
    def target(self) -> str:
        """``path::qualname``."""
        return f"{self.path}::{self.qualname}"

    @property
    def dotted(self) -> str:
        """``package.module.qualname`` (Node: ``dir/module.qualname``), how prompts name it."""
        return f"{self.language.module_label(self.path)}.{self.qualname}"

    def signature(self) -> str:
        f = self.function
        if self.owner:
            return self.language.method_signature(
                self.owner.name, self.owner.init, f.name, f.params, f.returns
            )
        return self.language.signature(f.name, f.params, f.returns)

    def context(self) -> ExampleContext:
        return ExampleContext(
            params=tuple(p.type for p in self.function.params),
            init=tuple(p.type for p in self.owner.init) if self.owner else (),
            returns=self.function.returns,
            exceptions=self.exceptions,
        )

    def example_schema(self) -> dict[str, Any]:
        """The decoding schema of one ``ExampleDraft`` of this function."""
        pattern_for = self.language.pattern_for
        properties: dict[str, Any] = {
            "args": _fixed([anchored(pattern_for(p.type)) for p in self.function.params]),
            "result": self.language.result_schema(self.function.returns),
        }
        required = ["args", "result"]
        if self.owner:
            properties = {
                "init": _fixed([anchored(pattern_for(p.type)) for p in self.owner.init]),
                **properties,
            }
            required = ["init", *required]
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def problem(self, draft: ExampleDraft) -> str | None:
        """Why an example (or a test case) of this function cannot be kept (None: it can)."""
        return self.language.example_problem(draft, self.context())

    def call(self, draft: ExampleDraft) -> str:
        """``add(2, 3)``, or for a method ``Counter(1).increment(2)`` (Python) and
        ``new Counter(1).increment(2)`` (Node)."""
        owner = self.owner.name if self.owner else None
        return self.language.call(self.function.name, draft.args, owner, draft.init)


def _fixed(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "array",
        "prefixItems": items,
        "items": False,
        "minItems": len(items),
        "maxItems": len(items),
    }
