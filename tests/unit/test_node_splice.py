"""Slots of a TypeScript/JavaScript module, and a model's reply spliced into one by syntax
tree: our signature kept, parameters checked, imports checked and hoisted, helpers nested,
top-level example code dropped, refusals one line each."""

import pytest

from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.generation.node_body_imports import module_scope, node_allowance
from quantumlayer_dagster.generation.node_kit import TYPESCRIPT
from quantumlayer_dagster.generation.node_slots import find_node_slots, node_function_slot
from quantumlayer_dagster.generation.node_splice import (
    indent_body,
    node_assemble,
    node_body_from_reply,
)
from quantumlayer_dagster.generation.splice_body import Body, SpliceRefused

MODULE = """/**
 * Text helpers.
 */
import * as fs from "node:fs";
import { clean } from "./clean.js";

/**
 * How many words.
 *
 * @example countWords('a b') // => 2
 */
export function countWords(text: string): number {
  throw new Error("not implemented: countWords");
}

export function done(a: number): number {
  return a + 1;
}

export function empty(a: number, ...rest: number[]): void {
  // to do
}

export const shout = (text: string): string => {};

export class Stack {
  items: number[];

  constructor(items: number[]) {
    this.items = items;
  }

  push(item: number): number { throw new Error("TODO"); }
}
"""
SLOT = node_function_slot(MODULE, "countWords")
ALLOWED = node_allowance(["node:fs"], {"./clean.js"})
TAKEN = frozenset({"fs", "clean", "Stack", "done", "empty", "shout"})
SIBLINGS = frozenset({"Stack", "done", "empty", "shout"})


def _body(code: str, qualname: str = "countWords") -> Body:
    slot = node_function_slot(MODULE, qualname)
    return node_body_from_reply(code, slot, allowed=ALLOWED, taken=TAKEN, siblings=SIBLINGS)


def _refusal(code: str, qualname: str = "countWords") -> list[str]:
    with pytest.raises(SpliceRefused) as refused:
        _body(code, qualname)
    return refused.value.findings


def test_placeholder_empty_and_comment_only_bodies_are_slots() -> None:
    slots = find_node_slots(MODULE)
    assert [s.qualname for s in slots] == ["countWords", "empty", "shout", "Stack.push"]
    assert slots[1].params == ("a", "...rest")


def test_a_slot_spans_the_lines_between_the_braces_and_carries_its_doc_examples() -> None:
    lines = MODULE.splitlines()
    assert lines[SLOT.first - 2].endswith("{") and lines[SLOT.first - 1].strip().startswith("throw")
    assert SLOT.first == SLOT.last and SLOT.indent == "  "
    assert SLOT.header == "export function countWords(text: string): number {"
    assert [e.call for e in SLOT.examples] == ["countWords('a b')"]


def test_a_one_line_body_is_a_slot_after_its_brace_line() -> None:
    push = node_function_slot(MODULE, "Stack.push")
    assert push.last == push.first - 1  # inserted after the `{` line
    assert push.header == "  push(item: number): number {"
    assert push.indent == "    "


def test_any_function_has_a_slot_and_an_unknown_one_is_a_key_error() -> None:
    assert node_function_slot(MODULE, "done").params == ("a",)
    with pytest.raises(KeyError):
        node_function_slot(MODULE, "missing")
    with pytest.raises(SyntaxError):
        node_function_slot("function (", "f")


def test_a_whole_function_reply_keeps_our_signature_and_nests_its_helpers() -> None:
    body = _body(
        'import { readFileSync } from "node:fs";\n'
        "const SEPARATOR = /\\s+/;\n"
        "function words(text: string): string[] {\n"
        "    return clean(text).split(SEPARATOR).filter(Boolean);\n"
        "}\n"
        "export function countWords(text: any): any {\n"
        "    return words(text).length;\n"
        "}\n"
        "console.log(countWords('a b'));\n"
        "const sample = countWords('x');\n"
        "export function done(a: number) { return 0; }\n"
    )
    assert body.imports == ('import { readFileSync } from "node:fs";',)
    assert body.text == (
        "const SEPARATOR = /\\s+/;\n\n"
        "function words(text: string): string[] {\n"
        "    return clean(text).split(SEPARATOR).filter(Boolean);\n"
        "}\n\n"
        "return words(text).length;\n"
    )


def test_assembling_splices_between_the_braces_and_hoists_imports_once() -> None:
    push = node_function_slot(MODULE, "Stack.push")
    bodies = {
        SLOT: Body("return text.split(' ').length;\n", ('import { sep } from "node:path";',)),
        push: Body("this.items.push(item);\nreturn this.items.length;\n"),
    }
    result = node_assemble(MODULE, bodies)
    assert (
        "export function countWords(text: string): number {\n  return text.split(' ').length;\n}"
        in result
    )
    assert (
        "  push(item: number): number {\n    this.items.push(item);\n"
        "    return this.items.length;\n  }" in result
    )
    assert result.count('import { sep } from "node:path";') == 1
    assert result.index("import { sep }") > result.index("import { clean }")
    assert not parse("typescript", result).root_node.has_error


def test_a_method_alone_or_in_its_class_is_accepted() -> None:
    alone = "push(item: number): number {\n  this.items.push(item);\n  return 1;\n}"
    in_class = f"class Stack {{\n  constructor(items) {{}}\n  {alone}\n}}\nnew Stack([]).push(1);"
    assert _body(alone, "Stack.push").text == "this.items.push(item);\nreturn 1;\n"
    assert _body(in_class, "Stack.push").text == "this.items.push(item);\nreturn 1;\n"


def test_a_bare_body_or_an_arrow_function_is_accepted() -> None:
    assert _body("return text.length;").text == "return text.length;\n"
    assert _body("const countWords = (text) => text.length;").text == "return text.length;\n"


def test_a_multi_line_template_literal_keeps_its_lines() -> None:
    body = _body("function countWords(text) {\n    const s = `a\n  b`;\n    return 1;\n}")
    assert body.text == "const s = `a\n  b`;\nreturn 1;\n"
    assert indent_body(body.text, "  ") == "  const s = `a\n  b`;\n  return 1;\n"


@pytest.mark.parametrize(
    ("code", "finding"),
    [
        (
            "function countWords(words) { return 1; }",
            "the reply changes the parameters of `countWords`: planned `countWords(text)`, "
            "the reply has `countWords(words)`; keep the parameters as given",
        ),
        (
            "import _ from 'lodash';\nfunction countWords(text) { return 1; }",
            "the body imports 'lodash', outside the plan's allowance (./clean.js, fs)",
        ),
        (
            "function countWords(text) { const fs = require('fs'); return 1; }",
            "`require()` does not work in an ES module: use `import`",
        ),
        (
            "function clean(t) { return t; }\nfunction countWords(text) { return 1; }",
            "the reply defines `clean`, a name the module already has: give the helper",
        ),
        (
            "import { clean } from 'node:util';\nfunction countWords(text) { return 1; }",
            "the reply imports `clean`, a name the module already has",
        ),
        (
            "function countWords(text) {\n  throw new Error('not implemented');\n}",
            "the body of `countWords` is still a placeholder: write it",
        ),
        (
            "function countWords(text) { return (; }",
            "the reply for `countWords` does not parse: line 1:",
        ),
        (
            "function other() { return 1; }",
            "the reply does not define `countWords`: write that function",
        ),
        (
            "async function countWords(text) { return (await import('node:child_process')).x; }",
            "",  # a built-in is allowed: no finding
        ),
    ],
    ids=[
        "params",
        "import",
        "require",
        "clash",
        "import-clash",
        "placeholder",
        "syntax",
        "missing",
        "dynamic-ok",
    ],
)
def test_a_reply_that_breaks_the_rules_is_refused_with_one_line(code: str, finding: str) -> None:
    if not finding:
        assert _body(code).text.startswith("return")
        return
    findings = _refusal(code)
    assert findings[0].startswith(finding)
    assert all("\n" not in f for f in findings)


def test_javascript_replies_are_read_with_the_javascript_grammar() -> None:
    module = "export function f(a) {\n  throw new Error('not implemented: f');\n}\n"
    slot = node_function_slot(module, "f", "javascript")
    body = node_body_from_reply(
        "function f(a) {\n  return a * 2;\n}", slot, allowed=ALLOWED, language="javascript"
    )
    assert (
        node_assemble(module, {slot: body}, "javascript")
        == "export function f(a) {\n  return a * 2;\n}\n"
    )


def test_the_skeletons_own_imports_written_again_are_dropped_not_refused() -> None:
    body = _body(
        "import * as fs from 'node:fs';\nimport { clean } from './clean.js';\n"
        "function countWords(text) {\n  return clean(text).length;\n}"
    )
    assert body == Body("return clean(text).length;\n")


def test_the_replys_one_function_under_another_name_is_taken_for_the_slot() -> None:
    assert _body("function count(text) {\n  return 2;\n}\ncount('a');").text == "return 2;\n"


def test_a_placeholder_body_text_is_recognised_as_one() -> None:
    assert TYPESCRIPT.is_placeholder('throw new Error("not implemented: f");\n')
    assert TYPESCRIPT.is_placeholder("// to do\n")
    assert not TYPESCRIPT.is_placeholder("return 1;\n")
    assert TYPESCRIPT.placeholder_failure("threw Error: not implemented: f (line 3)")


def test_a_written_module_gives_a_repaired_body_its_imports_and_names() -> None:
    content = (
        'import * as fs from "node:fs";\nimport { a } from "./a.js";\n'
        "export const LIMIT = 3;\n"
        "export function f(x: number): number {\n  return x;\n}\n"
        "export class C {}\nfunction helper() {}\n"
    )
    allowed, names, functions = module_scope(content, "typescript")
    assert names == {"fs", "a", "LIMIT", "f", "C", "helper"}
    assert functions == {"f", "C", "helper"}
    assert allowed("node:path") is None and allowed("./a.js") is None
    assert allowed("lodash") == (
        "the body imports 'lodash', outside the plan's allowance (./a.js, fs)"
    )
