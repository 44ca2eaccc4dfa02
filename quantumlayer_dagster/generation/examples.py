"""Examples: a call and what it should give, the visible tests a body is judged by.

They come from a plan (``ExamplePlan``, rendered as ``add(2, 3)`` / ``5``) or from a
docstring: ``>>>`` lines with the expected output below them (doctest's convention), and
lines such as ``add(2, 3) == 5`` or ``add(2, 3) ➞ 5`` that name the function. Only examples
whose arguments and expected value are Python literals are kept: the call is evaluated by
the example runner inside the sandbox, never here."""

import ast
import doctest
import re
from dataclasses import dataclass

MAX_EXAMPLE_CHARS = 400
"""Longest call or expected value kept (longer ones are left out, not cut)."""

_ARROW = re.compile(
    r"^\s*(?P<call>.+?\))\s*(?:==|=>|->|➞|⟹|should return|returns?)\s*(?P<want>.+?)\s*$"
)
_RAISES = re.compile(r"^raises\s+(?P<name>[A-Za-z_][A-Za-z0-9_.]*)$")


@dataclass(frozen=True)
class Example:
    """``call`` evaluated in the module's namespace gives ``expected`` (a literal), or raises
    the exception class named ``raises``."""

    call: str
    expected: str | None = None
    raises: str | None = None

    def describe(self) -> str:
        """``add(2, 3) == 5`` or ``divide(1, 0) raises ValueError``."""
        return (
            f"{self.call} raises {self.raises}"
            if self.raises
            else f"{self.call} == {self.expected}"
        )


def example_from_plan(call: str, result: str) -> Example | None:
    """The example a plan states (``result`` a literal or ``raises Name``), or None when the
    call or the result is not acceptable (see ``literal_call``)."""
    raised = _RAISES.match(result.strip())
    if raised:
        return Example(call=call, raises=raised["name"]) if literal_call(call) else None
    if not (literal_call(call) and is_literal(result)):
        return None
    return Example(call=call.strip(), expected=result.strip())


def docstring_examples(docstring: str, function: str) -> list[Example]:
    """The examples a docstring shows for ``function``: doctest ``>>>`` calls of it with
    literal arguments and a literal expected output (or a traceback naming the exception),
    then ``call == value`` style lines naming it. Duplicates are dropped."""
    found: list[Example] = []
    try:
        parsed = doctest.DocTestParser().get_examples(docstring)
    except ValueError:  # inconsistent indentation in a doctest block: read the lines only
        parsed = []
    for item in parsed:
        call = item.source.strip()
        if not _calls(call, function):
            continue
        if item.exc_msg is not None:
            name = item.exc_msg.split(":", 1)[0].strip()
            example = example_from_plan(call, f"raises {name}")
        else:
            example = example_from_plan(call, item.want.strip())
        if example:
            found.append(example)
    for line in docstring.splitlines():
        if line.lstrip().startswith((">>>", "...")):
            continue
        match = _ARROW.match(line)
        if match and _calls(match["call"], function):
            example = example_from_plan(match["call"], match["want"].rstrip(".,;"))
            if example:
                found.append(example)
    return list(dict.fromkeys(found))


def _calls(text: str, function: str) -> bool:
    """Whether ``text`` is a call of ``function`` (or of a method through it)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function
    )


def literal_call(text: str) -> bool:
    """A call of a name, or of a method on such a call (``Stack(1).push(2)``), whose
    arguments are all literals, at most ``MAX_EXAMPLE_CHARS`` long."""
    if len(text) > MAX_EXAMPLE_CHARS:
        return False
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    while True:
        if not isinstance(node, ast.Call):
            return False
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            return False
        if not all(_literal_node(a) for a in arguments):
            return False
        if isinstance(node.func, ast.Name):
            return True
        if not isinstance(node.func, ast.Attribute):
            return False
        node = node.func.value


def is_literal(text: str) -> bool:
    """Whether ``text`` is one Python literal (numbers, strings, bytes, True/False/None,
    and tuples, lists, sets and dicts of them), at most ``MAX_EXAMPLE_CHARS`` long."""
    if not text.strip() or len(text) > MAX_EXAMPLE_CHARS:
        return False
    try:
        return _literal_node(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError):
        return False


def _literal_node(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return True
