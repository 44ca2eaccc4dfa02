"""The planned public interface of a module: functions and classes with typed parameters, a
one-sentence contract and literal examples. Our code renders each module from it (imports,
signatures, docstrings, tests); the model only writes the bodies.

The models here hold an interface that passed ``generation.interface_checks``; what the LLM
returns is decoded into the ``*Draft`` twins (``structure_draft``) and checked before it is
turned into these."""

from typing import Literal

from pydantic import Field

from quantumlayer_dagster.model import Model

MAX_PARAMS = 6
MAX_EXAMPLES = 3
MAX_FUNCTIONS = 8
MAX_CLASSES = 4
MAX_METHODS = 6


class ParamPlan(Model):
    """One parameter: its name and its annotation (a Python type expression)."""

    name: str
    type: str


class ExamplePlan(Model):
    """A call with literal arguments and what it gives: ``result`` is a literal, or
    ``raises <ExceptionName>``. A method's call starts from its class:
    ``Counter(1).increment(2)``."""

    call: str
    result: str

    @property
    def raises(self) -> str | None:
        """The exception class the call raises, or None when it returns ``result``."""
        head, _, name = self.result.strip().partition(" ")
        return name.strip() if head == "raises" and name.strip() else None


class FunctionPlan(Model):
    """A function (or a method, without its ``self``)."""

    name: str
    params: list[ParamPlan] = Field(default_factory=list, max_length=MAX_PARAMS)
    returns: str = "None"
    contract: str
    examples: list[ExamplePlan] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    calls: list[str] = Field(default_factory=list)
    """Project functions or classes its body may call: names of this module, or of the
    modules it uses."""

    def signature(self, method: bool = False) -> str:
        """``name(a: int, b: int) -> int`` (with ``self`` first for a method)."""
        params = [*(["self"] if method else []), *(f"{p.name}: {p.type}" for p in self.params)]
        return f"{self.name}({', '.join(params)}) -> {self.returns}"


class ClassPlan(Model):
    """A class: what its constructor takes (kept as attributes by ``__init__``, whose body
    the model writes too) and its methods."""

    name: str
    contract: str
    init: list[ParamPlan] = Field(default_factory=list, max_length=MAX_PARAMS)
    methods: list[FunctionPlan] = Field(default_factory=list, max_length=MAX_METHODS)


class EndpointPlan(Model):
    """An HTTP operation served by one of the module's functions: ``GET /ratio`` calls
    ``ratio``; ``{name}`` segments of the path are parameters of the function, the others
    are query parameters (FastAPI's convention)."""

    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str
    function: str


class ModuleInterface(Model):
    """What one module offers and needs: modules it imports from outside the project
    (standard library or declared requirements), its functions and its classes, and the
    HTTP endpoints of its functions (a module with endpoints serves them as a FastAPI
    ``app``)."""

    imports: list[str] = Field(default_factory=list)
    functions: list[FunctionPlan] = Field(default_factory=list, max_length=MAX_FUNCTIONS)
    classes: list[ClassPlan] = Field(default_factory=list, max_length=MAX_CLASSES)
    endpoints: list[EndpointPlan] = Field(default_factory=list, max_length=MAX_FUNCTIONS)

    @property
    def names(self) -> list[str]:
        """The public names the module defines."""
        return [f.name for f in self.functions] + [c.name for c in self.classes]
