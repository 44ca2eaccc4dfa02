"""Best-of-n (a group's ``candidates: N``) on the scripted provider: N replies to a body's
first request, judged by the examples they pass in the sandbox; the best kept, a failing one
sent back with the failing call; every candidate recorded, paid and cached apart."""

from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.bodies import bodies_markdown
from quantumlayer_dagster.generation.complete_file import complete_file
from quantumlayer_dagster.llm.budget import BudgetExceeded
from quantumlayer_dagster.sandbox import Sandbox
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.sandbox_modes import bwrap_only

STUB = '''def add(a: int, b: int) -> int:
    """Add two numbers.

    >>> add(2, 3)
    5
    >>> add(1, 1)
    2
    """
    ...
'''
WRONG = "def add(a, b):\n    return a * b\n"  # passes add(2, 2) style cases only: 0 of 2 here
HALF = "def add(a, b):\n    return 5\n"  # passes the first example
RIGHT = "def add(a, b):\n    return a + b\n"
BROKEN = "def add(a, b):\n    return a +\n"
TARGET = "m.py::add"


def config(candidates: int, max_tokens: int = 512, extra: str = "") -> str:
    # one call at a time: the scripted replies of a body go to its candidates in order
    return f"""
groups:
  scripted:
    structured_output: json_schema
    max_tokens: {max_tokens}
    candidates: {candidates}
    deployments:
      - model: scripted/fixture
default: scripted
concurrency: {{max_parallel_calls: 1}}
{extra}
"""


@bwrap_only
def test_the_candidate_passing_the_most_examples_is_kept_and_every_one_is_recorded(
    tmp_path: Path, register_script
) -> None:
    provider = register_script(stages={}, files={"code_tree": {TARGET: [BROKEN, WRONG, RIGHT]}})
    llm = client_from_yaml(tmp_path, config(3))

    done = complete_file(STUB, "m.py", llm, Sandbox())

    assert "    return a + b" in done.source
    [body] = done.bodies
    broken, wrong, right = body.attempts
    assert [(a.round, a.candidate) for a in body.attempts] == [(1, 1), (1, 2), (1, 3)]
    assert broken.findings[0].startswith("the reply for `add` does not parse")
    assert (wrong.examples_passed, right.examples_passed) == (0, 2)
    assert wrong.first_failure == "`add(2, 3)` should be 5 but returned 6"
    assert [a.kept for a in body.attempts] == [False, False, True]
    # the three candidates answered one request; no repair was asked for
    requests = provider.requests_for("code_tree")
    assert len(requests) == 3 and requests[0].messages == requests[2].messages
    table = bodies_markdown(done.bodies).splitlines()
    assert "| `m.py::add` | 1 | 3 | - | 2/2 examples | yes |" in table


@bwrap_only
def test_when_no_candidate_passes_the_best_goes_back_with_its_failing_call(
    tmp_path: Path, register_script
) -> None:
    provider = register_script(stages={}, files={"code_tree": {TARGET: [WRONG, HALF, RIGHT]}})
    llm = client_from_yaml(tmp_path, config(2))

    done = complete_file(STUB, "m.py", llm, Sandbox())

    [body] = done.bodies
    wrong, half, repaired = body.attempts
    assert (wrong.examples_passed, half.examples_passed) == (0, 1)
    assert (repaired.round, repaired.candidate) == (2, None) and repaired.kept
    assert repaired.sent_back == ["`add(1, 1)` should be 2 but returned 5"]
    repair = provider.requests_for("code_tree")[-1]
    assert "return 5" in repair.messages[-2]["content"]
    assert "`add(1, 1)` should be 2 but returned 5" in repair.messages[-1]["content"]
    assert body.examples_pass and "    return a + b" in done.source


def test_a_cached_reply_is_one_candidate_not_all_of_them(tmp_path: Path, register_script) -> None:
    provider = register_script(stages={"docs": ["print(1)\n", "print(2)\n", "print(3)\n"]})
    cache = StoreResponseCache(LocalDirStore(tmp_path / "artifacts"))
    single = client_from_yaml(tmp_path, config(1), cache=cache)
    ask = [{"role": "user", "content": "write it"}]
    [(text, _)] = single.complete_text_candidates("docs", ask)

    three = client_from_yaml(tmp_path, config(3), cache=cache)
    replies = three.complete_text_candidates("docs", ask)

    assert [t for t, _ in replies] == ["print(1)\n", "print(2)\n", "print(3)\n"]
    assert [(c.candidate, c.cached) for _, c in replies] == [(1, True), (2, False), (3, False)]
    assert len(provider.requests) == 3
    # a re-run answers every candidate from its own entry
    again = three.complete_text_candidates("docs", ask)
    assert [t for t, _ in again] == [t for t, _ in replies] and len(provider.requests) == 3
    assert text == "print(1)\n"


def test_every_candidate_counts_against_the_budget(tmp_path: Path, register_script) -> None:
    register_script(stages={"docs": ["one two", "three four five", "six"]})
    llm = client_from_yaml(tmp_path, config(3, 60, "budget: {max_tokens: 68}"))
    ask = [{"role": "user", "content": "go"}]  # estimated at 0 tokens + max_tokens 60

    replies = llm.complete_text_candidates("docs", ask)

    assert sum(c.tokens_in + c.tokens_out for _, c in replies) == 9  # 3 prompts, 6 words
    with pytest.raises(BudgetExceeded, match="9 tokens spent"):
        llm.complete_text("docs", ask)  # 9 spent + 60 > 68
