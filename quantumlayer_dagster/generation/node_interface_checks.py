"""Checks of a Node module's planned interface, each finding one line a model can act on:
the counterpart of ``interface_checks`` for TypeScript and JavaScript plans.

A module: names that are identifiers and not reserved words, no name planned twice or
clashing with what the module imports (the public names of the project modules it uses,
the namespace bindings of its outside imports), a class field (a constructor parameter)
never sharing a method's name, types ``node_annotations`` accepts, imports that are Node
built-ins or declared npm packages. An example: JavaScript literal arguments that fit the
signature, a literal result of the return type (``undefined`` for ``void``), or an error
class the module can throw."""

from collections.abc import Sequence
from typing import Protocol

from tree_sitter import Node

from quantumlayer_dagster.analysis.node_checks import NODE_BUILTINS, npm_name
from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.artifacts.interface_draft import ExampleDraft
from quantumlayer_dagster.generation.interface_checks import ExampleContext, SketchContext
from quantumlayer_dagster.generation.node_annotations import (
    class_name_problem,
    identifier_problem,
    import_binding,
    parse_type,
    type_problem,
)
from quantumlayer_dagster.generation.node_literals import is_js_literal


class _Param(Protocol):
    name: str
    type: str


class _Function(Protocol):
    name: str
    returns: str

    @property
    def params(self) -> Sequence[_Param]: ...


class _Class(Protocol):
    name: str

    @property
    def init(self) -> Sequence[_Param]: ...
    @property
    def methods(self) -> Sequence[_Function]: ...


class NodeModulePlan(Protocol):
    """A ``ModuleInterface`` or a sketch of the same shape."""

    @property
    def imports(self) -> Sequence[str]: ...
    @property
    def functions(self) -> Sequence[_Function]: ...
    @property
    def classes(self) -> Sequence[_Class]: ...


def node_sketch_problems(sketch: NodeModulePlan, context: SketchContext) -> list[str]:
    """Every finding in a Node module's plan (empty: acceptable). ``context.libraries`` are
    the declared npm package names."""
    problems: list[str] = []
    if not sketch.functions and not sketch.classes:
        problems.append("plan at least one function or class")
    declared = {npm_name(lib) for lib in context.libraries}
    bindings: dict[str, str] = {}
    for module in sketch.imports:
        name = module.removeprefix("node:")
        package = "/".join(name.split("/")[:2]) if name.startswith("@") else name.split("/")[0]
        if module.startswith(".") or module.startswith("/"):
            problems.append(f"import `{module}`: project modules are imported for you")
            continue
        if package not in NODE_BUILTINS and package not in declared:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                f"import `{module}` is neither a Node built-in nor a declared package ({known})"
            )
        elif package not in NODE_BUILTINS and (problem := context.third_party(module)):
            problems.append(f"import `{module}`: {problem}")
        binding = import_binding(module)
        if binding in bindings and bindings[binding] != module:
            problems.append(f"imports `{bindings[binding]}` and `{module}` both bind `{binding}`")
        bindings[binding] = module
    modules = frozenset(bindings)
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
            problems.append(f"`{name}` is also the name an import binds")
    for function in sketch.functions:
        problems += _function_problems(function, classes, modules)
    for cls in sketch.classes:
        problems += [p for p in [class_name_problem(cls.name)] if p]
        problems += _params_problems(cls.name, cls.init, classes, modules)
        names = [m.name for m in cls.methods]
        problems += [f"{cls.name}.{n} is planned twice" for n in set(names) if names.count(n) > 1]
        fields = {p.name for p in cls.init}
        problems += [
            f"{cls.name}.{n} is both a method and a field (a constructor parameter): rename one"
            for n in sorted(fields & set(names))
        ]
        for method in cls.methods:
            problems += _function_problems(method, classes, modules, owner=cls.name)
    return list(dict.fromkeys(problems))


def _function_problems(
    function: _Function, classes: frozenset[str], modules: frozenset[str], owner: str = ""
) -> list[str]:
    where = f"{owner}.{function.name}" if owner else function.name
    problems = [p for p in [identifier_problem(function.name, "function")] if p]
    problems += _params_problems(where, function.params, classes, modules)
    problem = type_problem(function.returns, classes, modules)
    problems += [f"{where} returns: {problem}"] if problem else []
    return problems


def _params_problems(
    where: str, params: Sequence[_Param], classes: frozenset[str], modules: frozenset[str]
) -> list[str]:
    problems: list[str] = []
    names = [p.name for p in params]
    for param in params:
        problem = identifier_problem(param.name, "parameter") or type_problem(
            param.type, classes, modules
        )
        problems += [f"{where}: {problem}"] if problem else []
    problems += [
        f"{where}: parameter {n!r} is given twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    return problems


def node_example_problem(example: ExampleDraft, context: ExampleContext) -> str | None:
    """Why an example of a Node function cannot be kept (None when it can); ``context``'s
    annotations are TypeScript types and its exceptions error class names."""
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
            return f"`{result}`: {name.strip()} is not an error class the module can throw"
        return None
    return _value_problem(result, context.returns, "result")


_KINDS = {
    "number": "number",
    "unary_expression": "number",
    "string": "string",
    "true": "boolean",
    "false": "boolean",
    "array": "array",
    "object": "object",
    "null": "null",
    "undefined": "undefined",
}


def _value_problem(value: str, annotation: str, what: str = "argument") -> str | None:
    if not is_js_literal(value):
        return f"{what} `{value}` is not a JavaScript literal"
    expected = _expected_kind(parse_type(annotation))
    if expected is None:
        return None
    kind = _literal_kind(value)
    if kind != expected:
        return f"{what} `{value}` is not a {annotation}"
    return None


def _expected_kind(node: Node | None) -> str | None:
    """The literal kind a type takes (None: several, or a type no literal has)."""
    if node is None:
        return None
    text = (node.text or b"").decode()
    if node.type in ("parenthesized_type", "readonly_type"):
        return _expected_kind(node.named_children[0]) if node.named_children else None
    if node.type == "predefined_type":
        kinds = {"void": "undefined", "undefined": "undefined", "null": "null"}
        return kinds.get(text, text if text in ("number", "string", "boolean") else None)
    if node.type in ("array_type", "tuple_type"):
        return "array"
    if node.type == "object_type":
        return "object"
    if node.type == "generic_type":
        name = (node.child_by_field_name("name") or node).text or b""
        arguments = node.child_by_field_name("type_arguments")
        inner = arguments.named_children if arguments is not None else []
        if name in (b"Array", b"ReadonlyArray"):
            return "array"
        if name == b"Record":
            return "object"
        if name == b"Promise" and len(inner) == 1:
            return _expected_kind(inner[0])
    return None


def _literal_kind(value: str) -> str:
    tree = parse("javascript", f"({value.strip()});")
    if tree is None:
        return ""
    node = tree.root_node.named_children[0].named_children[0].named_children[0]
    return _KINDS.get(node.type, "")
