"""How a plan is written in each language: Python for a Python package, TypeScript types and
JavaScript literals for a Node package (TypeScript or JavaScript).

The planning steps (``plan_interfaces``, the test plan) are the same for every language; what
differs is here: the prompt templates, the decoding patterns of a sketch and of an example's
literals, the checks of a sketch and of an example, how a call and a signature are written,
and how prompts name a module."""

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quantumlayer_dagster.artifacts.interface_draft import (
    PYTHON_PATTERNS,
    ExampleDraft,
    ModuleSketch,
    SketchPatterns,
    sketch_schema,
)
from quantumlayer_dagster.generation import literal_patterns, node_annotations, node_literals
from quantumlayer_dagster.generation.examples import Example, example_from_plan
from quantumlayer_dagster.generation.interface_checks import (
    BUILTIN_EXCEPTIONS,
    ExampleContext,
    SketchContext,
    example_problem,
    sketch_problems,
)
from quantumlayer_dagster.generation.node_interface_checks import (
    node_example_problem,
    node_sketch_problems,
)
from quantumlayer_dagster.generation.render_skeleton import module_name

NODE_MODULE = "^(node:)?(@[a-z0-9_-]+/)?[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$"
"""A decoding pattern for an outside module a Node plan imports: ``node:fs``,
``node:fs/promises``, ``date-fns``, ``@scope/name`` (grammar-safe: see ``literal_patterns``)."""
NODE_PATTERNS = SketchPatterns(
    node_annotations.IDENTIFIER,
    node_annotations.CLASS_NAME,
    node_annotations.TYPE_EXPRESSION,
    NODE_MODULE,
)


@dataclass(frozen=True)
class PlanLanguage:
    """One language's rules for planning interfaces, examples and test cases."""

    name: str
    """``python``, ``typescript`` or ``javascript``."""
    interface_template: str
    examples_template: str
    cases_template: str
    patterns: SketchPatterns
    exceptions: frozenset[str]
    """The built-in exception (error) classes an example may say a call raises."""
    no_libraries: str
    """How the interface prompt says that no library was declared."""
    sketch_problems: Callable[[ModuleSketch, SketchContext], list[str]]
    example_problem: Callable[[ExampleDraft, ExampleContext], str | None]
    pattern_for: Callable[[str], str]
    """The literal pattern (unanchored) of a type's values."""
    result_schema: Callable[[str], dict[str, str]]
    """The schema of an example's result: a literal of the return type, or ``raises X``."""
    example: Callable[[str, str], Example | None]
    """The example a plan's call and result state, or None when one is not acceptable."""

    @property
    def node(self) -> bool:
        return self.name != "python"

    def sketch_schema(self, *, endpoints: bool = False) -> dict[str, Any]:
        """The decoding schema of a module sketch in this language (with ``endpoints`` for a
        request for an HTTP service)."""
        return sketch_schema(self.patterns, endpoints=endpoints)

    def library_names(self, libraries: list[str]) -> frozenset[str]:
        """What a sketch's imports are judged against: for Python the import names the
        declared requirements are likely to provide (``foo-bar>=1`` -> ``foo_bar``; the
        dependency stage resolves them properly), for Node the declared packages as given
        (``node_sketch_problems`` reads their npm names)."""
        if self.node:
            return frozenset(libraries)
        tops = set()
        for requirement in libraries:
            name = requirement.split(";")[0].split("[")[0]
            for sep in ("==", ">=", "<=", "~=", ">", "<", "!="):
                name = name.split(sep)[0]
            tops.add(name.strip().lower().replace("-", "_"))
        return frozenset(tops)

    def module_label(self, path: str) -> str:
        """How prompts name the module at ``path``: ``pkg.ops`` (Python), ``text/slug``
        (Node: its path under ``src/`` without the suffix)."""
        if not self.node:
            return module_name(path)
        stem = posixpath.splitext(path)[0]
        return stem.removeprefix("src/")

    def call(self, name: str, args: list[str], owner: str | None, init: list[str]) -> str:
        """``add(2, 3)``; a method through its class: ``Counter(1).increment(2)`` (Python),
        ``new Counter(1).increment(2)`` (Node)."""
        if self.node:
            return node_literals.example_call(name, args, owner, init)
        call = f"{name}({', '.join(a.strip() for a in args)})"
        return f"{owner}({', '.join(a.strip() for a in init)}).{call}" if owner else call

    def signature(self, name: str, params: list[Any], returns: str) -> str:
        """``def add(a: int, b: int) -> int`` or ``function add(a: number, b: number): number``."""
        typed = ", ".join(f"{p.name}: {p.type}" for p in params)
        if self.node:
            return f"function {name}({typed}): {returns}"
        return f"def {name}({typed}) -> {returns}"

    def method_signature(
        self, owner: str, init: list[Any], name: str, params: list[Any], returns: str
    ) -> str:
        """A method as prompts show it, with its class's constructor parameters."""
        typed = ", ".join(f"{p.name}: {p.type}" for p in init)
        method = self.signature(name, params, returns).partition(" ")[2]
        if self.node:
            return f"class {owner} (new {owner}({typed})), method {method}"
        return f"class {owner}({typed}), method {method}"


PYTHON_PLAN = PlanLanguage(
    name="python",
    interface_template="interface",
    examples_template="examples",
    cases_template="test_cases",
    patterns=PYTHON_PATTERNS,
    exceptions=BUILTIN_EXCEPTIONS,
    no_libraries="none (standard library only)",
    sketch_problems=sketch_problems,
    example_problem=example_problem,
    pattern_for=literal_patterns.pattern_for,
    result_schema=literal_patterns.result_schema,
    example=example_from_plan,
)


def _node_plan(name: str) -> PlanLanguage:
    return PlanLanguage(
        name=name,
        interface_template="interface_node",
        examples_template="examples_node",
        cases_template="test_cases_node",
        patterns=NODE_PATTERNS,
        exceptions=node_annotations.NODE_ERRORS,
        no_libraries="none (Node built-ins only)",
        sketch_problems=node_sketch_problems,
        example_problem=node_example_problem,
        pattern_for=node_literals.pattern_for,
        result_schema=node_literals.result_schema,
        example=node_literals.node_example,
    )


TYPESCRIPT_PLAN = _node_plan("typescript")
JAVASCRIPT_PLAN = _node_plan("javascript")
_BY_NAME = {p.name: p for p in (PYTHON_PLAN, TYPESCRIPT_PLAN, JAVASCRIPT_PLAN)}


def plan_language(language: str) -> PlanLanguage:
    """The plan language of a request's ``options.language``; KeyError naming it."""
    try:
        return _BY_NAME[language]
    except KeyError:
        raise KeyError(f"no plan language {language!r}") from None
