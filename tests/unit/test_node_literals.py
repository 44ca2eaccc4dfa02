"""JavaScript literals: what counts as one, the decoding patterns of a TypeScript type's
literals (grammar-safe, and matching the literals they stand for), the types a Node plan
may use, and the ``@example`` lines of a doc comment."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantumlayer_dagster.artifacts.interface import ExamplePlan
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.node_annotations import (
    TYPE_EXPRESSION,
    import_binding,
    type_problem,
)
from quantumlayer_dagster.generation.node_doc import doc_comment, doc_examples
from quantumlayer_dagster.generation.node_literals import (
    example_call,
    is_js_literal,
    js_literal_call,
    node_example,
    pattern_for,
    result_schema,
)


@pytest.mark.parametrize(
    "text",
    ["1", "-1.5", "1e3", "'a b'", '"dq"', "'it\\'s'", "true", "null", "undefined", "[]",
     "[1, 'a', [true]]", "{}", "{a: 1, 'b c': [null], 2: false}", "[1,]"],
)  # fmt: skip
def test_literals_are_accepted(text: str) -> None:
    assert is_js_literal(text)


@pytest.mark.parametrize(
    "text",
    ["x", "f()", "1 + 2", "`t`", "0x10", "1n", "-(1)", "-'a'", "{a}", "{...x}", "[, 1]",
     "{__proto__: null}", "{[k]: 1}", "{a() {}}", "1); f(", "[1], [2]", "NaN", "'a\nb'", "",
     "'\x00'"],
)  # fmt: skip
def test_anything_else_is_not_a_literal(text: str) -> None:
    assert not is_js_literal(text)


@pytest.mark.parametrize(
    ("call", "ok"),
    [("add(2, 3)", True), ("new Counter(1).increment(2)", True), ("new A().b().c([1])", True),
     ("new Counter(1)", False), ("add(x)", False), ("add(...[1])", False), ("eval('1')", False),
     ("a.b(1)", False), ("f(1)(2)", False), ("add(1, 2); process.exit()", False)],
)  # fmt: skip
def test_an_example_call_is_a_call_with_literal_arguments(call: str, ok: bool) -> None:
    assert js_literal_call(call) is ok


def test_an_example_is_kept_only_with_a_literal_result_or_an_error_name() -> None:
    assert node_example("add(2, 3)", "5") == Example("add(2, 3)", "5")
    assert node_example("div(1, 0)", "raises RangeError") == Example(
        "div(1, 0)", raises="RangeError"
    )
    assert node_example("add(2, 3)", "five") is None
    assert node_example("add(y, 3)", "5") is None
    assert example_call("increment", ["2"], "Counter", ["1"]) == "new Counter(1).increment(2)"


TYPED = {
    "number": ["0", "-12", "3.25"],
    "string": ["''", "'a b'"],
    "boolean": ["true", "false"],
    "number | null": ["1", "null"],
    "string[]": ["[]", "['a', 'b']"],
    "Array<number>": ["[1, 2]"],
    "Record<string, number>": ["{}", "{a: 1, 'b c': 2}"],
    "[number, string]": ["[1, 'a']"],
    "{ x: number; y: boolean }": ["{x: 1, y: true}"],
    "'up' | 'down'": ["'up'", "'down'"],
    "Promise<number[]>": ["[1]"],
    "void": ["undefined"],
    "Map<string, number>": ["{a: 1}", "[1]", "'x'"],
}


@pytest.mark.parametrize(("type_text", "values"), TYPED.items(), ids=list(TYPED))
def test_a_type_pattern_matches_its_literals_and_is_grammar_safe(
    type_text: str, values: list[str]
) -> None:
    pattern = pattern_for(type_text)
    assert '"' not in pattern.replace('"\\\\', "")  # only inside a negated class
    assert "\\." not in pattern and "{1," not in pattern
    for value in values:
        assert re.fullmatch(pattern, value), value
        assert is_js_literal(value)


def test_a_type_pattern_refuses_values_of_another_type() -> None:
    assert not re.fullmatch(pattern_for("number"), "'1'")
    assert not re.fullmatch(pattern_for("string[]"), "[1]")
    assert not re.fullmatch(pattern_for("'up' | 'down'"), "'left'")


def test_a_result_is_a_literal_of_the_return_type_or_an_error() -> None:
    schema = result_schema("number")
    assert re.fullmatch(schema["pattern"], "raises RangeError")
    assert re.fullmatch(schema["pattern"], "-2")
    assert not re.fullmatch(schema["pattern"], "two")


@settings(max_examples=60, derandomize=True, database=None)
@given(
    st.lists(st.integers(-1000, 1000), max_size=4),
    st.text(
        st.characters(exclude_characters="'\"\\", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        max_size=6,
    ),
)
def test_generated_literals_match_their_patterns(numbers: list[int], word: str) -> None:
    array = f"[{', '.join(map(str, numbers))}]"
    record = f"{{key: '{word}'}}"
    assert re.fullmatch(pattern_for("number[]"), array) and is_js_literal(array)
    assert re.fullmatch(pattern_for("Record<string, string>"), record) and is_js_literal(record)


@pytest.mark.parametrize(
    ("type_text", "problem"),
    [("number", None), ("Stack[] | null", None), ("fs.Stats", None),
     ("{ a: number; b?: string[] }", None), ("Map<string, Stack>", None),
     ("Widget", "names `Widget`, which is not a type the plan has"),
     ("os.Thing", "`os.Thing` is not from an imported module"),
     ("typeof x", "not a plain type expression (type query)"),
     ("A & B", "not a plain type expression (intersection type)"),
     ("number; export const x = 1", "does not parse as one TypeScript type")],
)  # fmt: skip
def test_a_type_may_use_only_what_the_plan_has(type_text: str, problem: str | None) -> None:
    found = type_problem(type_text, frozenset({"Stack"}), frozenset({"fs"}))
    assert found == problem if problem is None else problem in (found or "")


def test_an_outside_module_is_imported_under_a_camel_case_binding() -> None:
    specifiers = ["node:fs", "node:fs/promises", "@x/date-fns", "lodash"]
    assert [import_binding(s) for s in specifiers] == ["fs", "fsPromises", "dateFns", "lodash"]


def test_doc_comment_examples_read_back_as_written() -> None:
    examples = [
        ExamplePlan(call="add(2, 3)", result="5"),
        ExamplePlan(call="add('*/', 1)", result="raises TypeError"),
    ]
    comment = doc_comment("Adds.", "", examples=examples)
    assert "*/'" not in comment.removesuffix("*/")
    text = "\n".join(line.strip(" */") for line in comment.splitlines())
    assert doc_examples(text, "add") == [
        Example("add(2, 3)", "5"),
        Example("add('*\\/', 1)", raises="TypeError"),
    ]


def test_user_written_example_lines_are_read_in_their_usual_forms() -> None:
    doc = "@example\nclamp(5, 0, 3); // 3\nclamp(-1, 0, 3) // returns 0\nclamp(1, 2) // => 'x // y'"
    assert doc_examples(doc, "clamp") == [
        Example("clamp(5, 0, 3)", "3"),
        Example("clamp(-1, 0, 3)", "0"),
        Example("clamp(1, 2)", "'x // y'"),
    ]


@pytest.mark.parametrize(
    "type_text",
    ["number", "string[]", "Record<string, number>", "number | null", "Promise<number[]>",
     "Map<string, Array<string>>", "string[][] | undefined", "Stack"],
)  # fmt: skip
def test_the_decoding_pattern_of_a_type_admits_the_usual_types(type_text: str) -> None:
    assert re.fullmatch(TYPE_EXPRESSION, type_text)
    assert type_problem(type_text, frozenset({"Stack"}), frozenset()) is None
