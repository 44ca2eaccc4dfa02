"""A planned function as an example or a test case calls it: its typed decoding schema,
what an example of it is checked against, and the call text our code renders."""

from dataclasses import dataclass
from typing import Any, Protocol

from quantumlayer_dagster.artifacts.interface_draft import ExampleDraft
from quantumlayer_dagster.generation.interface_checks import ExampleContext
from quantumlayer_dagster.generation.literal_patterns import anchored, pattern_for, result_schema
from quantumlayer_dagster.generation.render_skeleton import module_name


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
    exception classes its examples may name."""

    path: str
    function: _Function
    owner: _Class | None
    exceptions: frozenset[str]

    @property
    def qualname(self) -> str:
        return f"{self.owner.name}.{self.function.name}" if self.owner else self.function.name

    @property
    def target(self) -> str:
        """``path::qualname``."""
        return f"{self.path}::{self.qualname}"

    @property
    def dotted(self) -> str:
        """``package.module.qualname``, how prompts name it."""
        return f"{module_name(self.path)}.{self.qualname}"

    def signature(self) -> str:
        params = ", ".join(f"{p.name}: {p.type}" for p in self.function.params)
        text = f"def {self.function.name}({params}) -> {self.function.returns}"
        if self.owner:
            init = ", ".join(f"{p.name}: {p.type}" for p in self.owner.init)
            return f"class {self.owner.name}({init}), method {text.removeprefix('def ')}"
        return text

    def context(self) -> ExampleContext:
        return ExampleContext(
            params=tuple(p.type for p in self.function.params),
            init=tuple(p.type for p in self.owner.init) if self.owner else (),
            returns=self.function.returns,
            exceptions=self.exceptions,
        )

    def example_schema(self) -> dict[str, Any]:
        """The decoding schema of one ``ExampleDraft`` of this function."""
        properties: dict[str, Any] = {
            "args": _fixed([anchored(pattern_for(p.type)) for p in self.function.params]),
            "result": result_schema(self.function.returns),
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

    def call(self, draft: ExampleDraft) -> str:
        """``add(2, 3)``, or ``Counter(1).increment(2)`` for a method."""
        call = f"{self.function.name}({', '.join(a.strip() for a in draft.args)})"
        if self.owner:
            call = f"{self.owner.name}({', '.join(a.strip() for a in draft.init)}).{call}"
        return call


def _fixed(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "array",
        "prefixItems": items,
        "items": False,
        "minItems": len(items),
        "maxItems": len(items),
    }
