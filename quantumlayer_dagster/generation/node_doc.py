"""Doc comments of a Node module: written from a plan (the contract, JSDoc tags for
JavaScript, the examples as ``@example`` lines) and read back (the examples of a stub).

An example line is ``@example add(2, 3) // => 5`` or ``@example divide(1, 0) // throws
RangeError``; reading also takes ``// 5`` and ``// returns 5``, with or without the tag."""

import re
import unicodedata

from quantumlayer_dagster.artifacts.interface import ExamplePlan
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.node_literals import node_example

_RESULT = re.compile(r"^\s*(?:=>|->|→|returns?\b|==)?\s*(?P<want>.+?)\s*;?\s*$")
_THROWS = re.compile(r"^\s*(?:throws|raises)\s+(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)\b")


def comment_text(text: str) -> str:
    """One line of prose safe inside a ``/** */`` comment (no ``*/``, no control or line
    separator characters, which a parser may not take inside a comment)."""
    clean = "".join(" " if _control(c) else c for c in text.replace("*/", "*\\/"))
    return " ".join(clean.split()) or "(no description)"


def _control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def doc_comment(
    contract: str,
    indent: str,
    *,
    params: list[tuple[str, str]] | None = None,
    returns: str | None = None,
    examples: list[ExamplePlan] | None = None,
) -> str:
    """A ``/** */`` block: the contract, then (for JavaScript) ``@param {type} name`` and
    ``@returns {type}``, then one ``@example`` line per example."""
    lines = [comment_text(contract)]
    tags = [f"@param {{{_type(t)}}} {name}" for name, t in params or []]
    tags += [f"@returns {{{_type(returns)}}}"] if returns is not None else []
    tags += [line for e in examples or [] if (line := example_line(e))]
    if tags:
        lines += ["", *tags]
    body = "".join(f"\n{indent} *{' ' if line else ''}{line}" for line in lines)
    return f"{indent}/**{body}\n{indent} */"


def example_line(example: ExamplePlan) -> str:
    """``@example add(2, 3) // => 5`` (empty for an example holding a line break or
    another control character)."""
    if any(_control(c) for c in example.call + example.result):
        return ""
    raised = example.raises
    want = f"throws {raised}" if raised else f"=> {example.result.strip()}"
    return f"@example {example.call.strip()} // {want}".replace("*/", "*\\/")


def doc_examples(doc: str, function: str) -> list[Example]:
    """The examples a doc comment's text shows for ``function`` (a call of it, or of a
    method through ``new Class(...)``), each with a literal result or the error it throws."""
    found: list[Example] = []
    for raw in doc.splitlines():
        line = raw.strip().removeprefix("@example").strip()
        for match in re.finditer("//", line):
            call, rest = line[: match.start()].strip().rstrip(";").strip(), line[match.end() :]
            if not _names(call, function):
                continue
            thrown = _THROWS.match(rest)
            result = _RESULT.match(rest)
            if thrown:
                example = node_example(call, f"raises {thrown['name']}")
            elif result:
                example = node_example(call, result["want"])
            else:
                continue
            if example is not None:
                found.append(example)
                break
    return list(dict.fromkeys(found))


def _names(call: str, function: str) -> bool:
    return bool(re.match(rf"^(new\s+)?{re.escape(function)}\s*\(", call))


def _type(text: str | None) -> str:
    return " ".join((text or "").split()).replace("*/", "*\\/")
