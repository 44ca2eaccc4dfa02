"""What the LLM returns when it plans an interface, in two steps per module: the sketch
(functions and classes with typed signatures and contracts), then the examples of each
function, decoded under a schema typed by that function's signature (``literal_patterns``,
``node_literals``).

The models hold no name or type patterns: those are the plan language's (Python, or
TypeScript for a Node plan), given to the decoding schema (``sketch_schema``) and checked by
the language's checks in the validation context (``generation.interface_checks``,
``generation.node_interface_checks``); a reply that fails is sent back with the finding
(``LLM.complete_json``)."""

import copy
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from quantumlayer_dagster.artifacts.interface import (
    MAX_CLASSES,
    MAX_EXAMPLES,
    MAX_FUNCTIONS,
    MAX_METHODS,
    MAX_PARAMS,
)
from quantumlayer_dagster.artifacts.text_fields import Sentence
from quantumlayer_dagster.model import Model

IDENTIFIER = r"^[a-z_][a-z0-9_]*$"
CLASS_NAME = r"^[A-Z][A-Za-z0-9]*$"
TYPE_EXPRESSION = r"^[A-Za-z_][A-Za-z0-9_.]*(\[[A-Za-z0-9_., \[\]|]*\])?( [|] None)?$"
MODULE_NAME = r"^[a-z_][a-z0-9_]*([.][a-z_][a-z0-9_]*)*$"
"""The decoding patterns of a Python sketch (``SketchPatterns``)."""


@dataclass(frozen=True)
class SketchPatterns:
    """The decoding patterns of a sketch in one plan language: function, method and
    parameter names, class names, types, and the outside modules it imports. They follow
    ``literal_patterns``' grammar-safety rules."""

    identifier: str
    class_name: str
    type_expression: str
    module: str


PYTHON_PATTERNS = SketchPatterns(IDENTIFIER, CLASS_NAME, TYPE_EXPRESSION, MODULE_NAME)


class ParamDraft(Model):
    name: str = Field(max_length=40)
    type: str = Field(max_length=60)


class FunctionSketch(Model):
    name: str = Field(max_length=40)
    params: list[ParamDraft] = Field(default_factory=list, max_length=MAX_PARAMS)
    returns: str = Field(max_length=60)
    contract: Sentence


class ClassSketch(Model):
    name: str = Field(max_length=40)
    contract: Sentence
    init: list[ParamDraft] = Field(default_factory=list, max_length=MAX_PARAMS)
    methods: list[FunctionSketch] = Field(default_factory=list, max_length=MAX_METHODS)


class EndpointDraft(Model):
    """An HTTP operation served by one of the module's functions (a FastAPI service)."""

    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str = Field(max_length=100)
    function: str = Field(max_length=40)


class ModuleSketch(Model):
    """Step 1 for a module: what it imports from outside the project, its functions and
    classes, and (for an HTTP service) the endpoints its functions serve. Checked with
    ``interface_checks.sketch_problems`` (context key ``sketch``)."""

    imports: list[str] = Field(default_factory=list, max_length=6)
    functions: list[FunctionSketch] = Field(default_factory=list, max_length=MAX_FUNCTIONS)
    classes: list[ClassSketch] = Field(default_factory=list, max_length=MAX_CLASSES)
    endpoints: list[EndpointDraft] = Field(default_factory=list, max_length=MAX_FUNCTIONS)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> "ModuleSketch":
        check = (info.context or {}).get("sketch")
        problems = check(self) if check else []
        if problems:
            raise ValueError("; ".join(problems[:4]))
        return self


class ExampleDraft(Model):
    """One example: the literal arguments of a call (for a method, ``init`` are the class's
    constructor arguments) and its result, a literal or ``raises <ExceptionName>``."""

    init: list[str] = Field(default_factory=list, max_length=MAX_PARAMS)
    args: list[str] = Field(default_factory=list, max_length=MAX_PARAMS)
    result: str = Field(max_length=300)


class ExamplesDraft(Model):
    """Step 2 for one function: its examples. Invalid ones are left out with the reason
    (``interface_checks.example_problem``, context key ``example``); none valid is a finding
    sent back."""

    examples: list[ExampleDraft] = Field(min_length=1, max_length=MAX_EXAMPLES)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> "ExamplesDraft":
        check = (info.context or {}).get("example")
        if check is None:
            return self
        problems = [check(e) for e in self.examples]
        if all(problems):
            raise ValueError("; ".join(dict.fromkeys(p for p in problems if p)))
        return self


def examples_schema(example: dict[str, Any]) -> dict[str, Any]:
    """The decoding schema of ``ExamplesDraft`` given one example's schema (typed by the
    function's signature: ``generation.callee``)."""
    return {
        "type": "object",
        "properties": {
            "examples": {"type": "array", "items": example, "minItems": 1, "maxItems": MAX_EXAMPLES}
        },
        "required": ["examples"],
        "additionalProperties": False,
    }


ENDPOINT_PATH = r"^/[a-z0-9_/{}-]*$"


def sketch_schema(patterns: SketchPatterns, *, endpoints: bool = False) -> dict[str, Any]:
    """The decoding schema of ``ModuleSketch`` with a plan language's ``patterns``, every key
    required and at least one function (a small model otherwise plans empty modules); with
    ``endpoints`` (a request for an HTTP service) the module may plan endpoints too."""
    schema = copy.deepcopy(ModuleSketch.model_json_schema())
    definitions = schema["$defs"]
    for model, field, pattern in (
        ("ParamDraft", "name", patterns.identifier),
        ("ParamDraft", "type", patterns.type_expression),
        ("FunctionSketch", "name", patterns.identifier),
        ("FunctionSketch", "returns", patterns.type_expression),
        ("ClassSketch", "name", patterns.class_name),
    ):
        properties = definitions[model]["properties"]
        properties[field] = dict(sorted({**properties[field], "pattern": pattern}.items()))
    imports = schema["properties"]["imports"]
    imports["items"] = {"pattern": patterns.module, "type": "string"}
    schema["properties"]["imports"] = dict(sorted(imports.items()))
    if endpoints:
        endpoint = definitions["EndpointDraft"]["properties"]
        endpoint["path"] = {**endpoint["path"], "pattern": ENDPOINT_PATH}
    else:  # only a request for an HTTP service may plan endpoints
        del schema["properties"]["endpoints"]
        definitions.pop("EndpointDraft", None)
    # every key required in the decoding schema: a grammar otherwise lets a small model
    # leave out `params` or `functions` (pydantic still accepts replies without them)
    for node in [schema, *definitions.values()]:
        node["required"] = list(node["properties"])
    schema["properties"]["functions"]["minItems"] = 1
    return schema
