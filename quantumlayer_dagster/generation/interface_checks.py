"""Checks of a planned interface, each finding one line a model can act on.

A module sketch: identifiers (not keywords, no clashes), annotations that parse and name
only types the plan has (``annotations``), imports that are standard library or declared
requirements, names that do not collide with what the module imports from the modules it
uses. An example: literal arguments that fit the signature, a literal result (or an
exception the plan can raise)."""

import ast
import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from quantumlayer_dagster.artifacts.interface_draft import (
    ENDPOINT_PATH,
    TYPE_EXPRESSION,
    ExampleDraft,
    FunctionSketch,
    ModuleSketch,
)
from quantumlayer_dagster.generation.annotations import (
    annotation_problem,
    class_name_problem,
    identifier_problem,
)
from quantumlayer_dagster.generation.examples import is_literal
from quantumlayer_dagster.generation.splice_body import standard_library

BUILTIN_EXCEPTIONS = frozenset(
    n
    for n in dir(builtins)
    if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), BaseException)
)


@dataclass(frozen=True)
class SketchContext:
    """What a module sketch is judged against: the third-party modules the project may
    import (declared requirements), and the public names of the modules it uses (name ->
    the module defining it; classes among them may be annotations)."""

    libraries: frozenset[str]
    imported_names: dict[str, str]
    imported_classes: frozenset[str]
    third_party: Callable[[str], str | None] = field(default=lambda module: None, compare=False)
    """Why a third-party import cannot be pinned for the project (None: it can)."""


def sketch_problems(sketch: ModuleSketch, context: SketchContext) -> list[str]:
    """Every finding in a module sketch (empty: acceptable)."""
    problems: list[str] = []
    if not sketch.functions and not sketch.classes:
        problems.append("plan at least one function or class")
    modules = frozenset(sketch.imports)
    for module in sketch.imports:
        if standard_library(module):
            continue
        if module.split(".")[0] not in context.libraries:
            known = ", ".join(sorted(context.libraries)) or "none"
            problems.append(
                f"import `{module}` is neither standard library nor a declared requirement "
                f"({known})"
            )
        elif problem := context.third_party(module):
            problems.append(f"import `{module}`: {problem}")
    classes = frozenset(c.name for c in sketch.classes) | context.imported_classes
    seen: set[str] = set()
    for name in [f.name for f in sketch.functions] + [c.name for c in sketch.classes]:
        if name in seen:
            problems.append(f"`{name}` is planned twice")
        seen.add(name)
        if name in context.imported_names:
            problems.append(
                f"`{name}` is already defined in {context.imported_names[name]}, which this "
                "module uses: choose another name"
            )
        if name in modules:
            problems.append(f"`{name}` is also an imported module's name")
    for function in sketch.functions:
        problems += _function_problems(function, classes, modules)
    problems += _endpoint_problems(sketch, context)
    for cls in sketch.classes:
        problem = class_name_problem(cls.name)
        problems += [problem] if problem else []
        problems += _params_problems(cls.name, cls.init, classes, modules)
        names = [m.name for m in cls.methods]
        problems += [f"{cls.name}.{n} is planned twice" for n in set(names) if names.count(n) > 1]
        for method in cls.methods:
            problems += _function_problems(method, classes, modules, owner=cls.name)
    return list(dict.fromkeys(problems))


SERVICE_LIBRARY = "fastapi"
"""The library a Python module serving endpoints is written with (FastAPI's ``app``)."""


def _endpoint_problems(sketch: ModuleSketch, context: SketchContext) -> list[str]:
    """Endpoints: only where the request declared FastAPI; each served by one of the
    module's functions, at a path whose ``{name}`` segments are that function's parameters."""
    if not sketch.endpoints:
        return []
    if SERVICE_LIBRARY not in context.libraries:
        return [f"endpoints need {SERVICE_LIBRARY} among the declared requirements"]
    functions = {f.name: f for f in sketch.functions}
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for endpoint in sketch.endpoints:
        where = f"{endpoint.method} {endpoint.path}"
        function = functions.get(endpoint.function)
        if function is None:
            problems.append(f"{where}: `{endpoint.function}` is not a function of the module")
            continue
        if not re.fullmatch(ENDPOINT_PATH, endpoint.path):
            problems.append(f"{where}: a path is `/` and lower-case segments")
        segments = set(re.findall(r"\{([a-z_][a-z0-9_]*)\}", endpoint.path))
        missing = sorted(segments - {p.name for p in function.params})
        if missing:
            problems.append(f"{where}: `{{{missing[0]}}}` is not a parameter of `{function.name}`")
        if (endpoint.method, endpoint.path) in seen:
            problems.append(f"{where} is planned twice")
        seen.add((endpoint.method, endpoint.path))
    if "app" in functions or any(c.name == "app" for c in sketch.classes):
        problems.append("`app` is the service's name: name the function otherwise")
    return problems


def _function_problems(
    function: FunctionSketch,
    classes: frozenset[str],
    modules: frozenset[str],
    owner: str | None = None,
) -> list[str]:
    where = f"{owner}.{function.name}" if owner else function.name
    problems = [p for p in [identifier_problem(function.name, "function")] if p]
    problems += _params_problems(where, function.params, classes, modules)
    problem = _type_problem(function.returns, classes, modules)
    problems += [f"{where} returns: {problem}"] if problem else []
    return problems


def _params_problems(
    where: str, params: list, classes: frozenset[str], modules: frozenset[str]
) -> list[str]:
    problems: list[str] = []
    names = [p.name for p in params]
    for param in params:
        problem = identifier_problem(param.name, "parameter") or _type_problem(
            param.type, classes, modules
        )
        problems += [f"{where}: {problem}"] if problem else []
    problems += [
        f"{where}: parameter {n!r} is given twice" for n in set(names) if names.count(n) > 1
    ]
    return problems


_TYPE_EXPRESSION = re.compile(TYPE_EXPRESSION.replace("$", r"\Z"))


def _type_problem(text: str, classes: frozenset[str], modules: frozenset[str]) -> str | None:
    """An annotation of the form the decoding schema gives, that ``annotation_problem``
    accepts."""
    if not _TYPE_EXPRESSION.match(text):
        return f"annotation {text!r} is not a plain type such as `dict[str, int]` or `int | None`"
    return annotation_problem(text, classes, modules)


@dataclass(frozen=True)
class ExampleContext:
    """What an example of one function is judged against: its parameter annotations (and
    its class's constructor's, for a method), its return annotation, and the exception
    classes the plan may raise (builtin ones and planned classes)."""

    params: tuple[str, ...]
    init: tuple[str, ...]
    returns: str
    exceptions: frozenset[str]


def example_problem(example: ExampleDraft, context: ExampleContext) -> str | None:
    """Why an example cannot be kept (None when it can)."""
    given, taken = len(example.args), len(context.params)
    if given != taken:
        return f"an example gives {given} arguments, the function takes {taken}"
    given, taken = len(example.init), len(context.init)
    if given != taken:
        return f"an example gives {given} constructor arguments, the class takes {taken}"
    pairs = [
        *zip(example.args, context.params, strict=True),
        *zip(example.init, context.init, strict=True),
    ]
    for value, annotation in pairs:
        problem = _value_problem(value, annotation)
        if problem:
            return problem
    result = example.result.strip()
    head, _, name = result.partition(" ")
    if head == "raises":
        if name.strip() not in context.exceptions:
            return f"`{result}`: {name.strip()} is not an exception class the module can raise"
        return None
    return _value_problem(result, context.returns, "result")


_SIMPLE = {"int": int, "float": (int, float), "str": str, "bool": bool, "bytes": bytes}
_CONTAINERS = {"list": list, "dict": dict, "set": set, "tuple": tuple, "frozenset": frozenset}


def _value_problem(value: str, annotation: str, what: str = "argument") -> str | None:
    if not is_literal(value):
        return f"{what} `{value}` is not a Python literal"
    literal = ast.literal_eval(value.strip())
    base = annotation.strip().split("[", 1)[0].strip()
    if "|" in annotation or base in ("Optional", "Union", "Any", "object"):
        return None
    expected = _SIMPLE.get(base) or _CONTAINERS.get(base.lower())
    if expected is None:
        return None
    if base in ("int", "float") and isinstance(literal, bool):
        return f"{what} `{value}` is a bool, the annotation is {annotation}"
    if not isinstance(literal, expected):  # type: ignore[arg-type]
        return f"{what} `{value}` is not a {annotation}"
    return None
