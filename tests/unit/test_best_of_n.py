"""Best-of-n (a group's ``candidates: N``) on the scripted provider: N replies to a file's
first request, the first that passes every blocking check kept, else the repair goes on
from the one with the fewest findings; every candidate recorded, paid and cached apart."""

from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.llm.budget import BudgetExceeded
from quantumlayer_dagster.stages.capsule import attempt_totals
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures.llm_client import client_from_yaml
from tests.unit.test_code_repair_paths import MAIN, OPS, two_modules

BAD = "def add(a, b):\n    return a + bb\n"
WORSE = "def add(a, b):\n    return aa + bb\n"


def config(candidates: int, max_tokens: int = 512, extra: str = "") -> str:
    # one call at a time: the scripted replies of a file go to its candidates in order
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


def test_the_first_candidate_passing_the_checks_is_kept_and_both_are_recorded(
    tmp_path: Path, register_script
) -> None:
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": [BAD, OPS], "wordcount/main.py": MAIN}}
    )
    llm = client_from_yaml(tmp_path, config(2))

    tree = generate_code(two_modules(llm), llm)

    ops = tree.file("wordcount/ops.py")
    assert ops.content == OPS
    first, second = ops.attempts
    assert (first.attempt, first.candidate, second.attempt, second.candidate) == (1, 1, 1, 2)
    assert "Undefined name `bb`" in first.errors[0] and second.errors == []
    assert (first.kept, second.kept) == (False, True)
    assert ops.kept_attempt == second
    # both candidates answered the same request; no repair was asked for
    ops_requests = [r for r in provider.requests_for("code_tree") if r.file == ops.path]
    assert len(ops_requests) == 2
    assert ops_requests[0].messages == ops_requests[1].messages
    calls = [c for c in tree.llm.calls if c.file == ops.path]
    assert [(c.attempt, c.candidate, c.error is None) for c in calls] == [
        (1, 1, False),
        (1, 2, True),
    ]
    # the UI table shows each candidate and which one the file kept
    table = tree.attempts_markdown().splitlines()
    assert "| `wordcount/ops.py` | 1 | 2 | write | - | passes | yes |" in table
    totals = attempt_totals(tree, TestSuite.model_construct(repairs=[]))
    assert totals["code_candidates"] == 4 and totals["code_repairs"] == 0


def test_when_no_candidate_passes_the_repair_goes_on_from_the_one_with_fewest_findings(
    tmp_path: Path, register_script
) -> None:
    provider = register_script(
        files={"code_tree": {"wordcount/ops.py": [WORSE, BAD, OPS], "wordcount/main.py": MAIN}}
    )
    llm = client_from_yaml(tmp_path, config(2))

    tree = generate_code(two_modules(llm), llm)

    ops = tree.file("wordcount/ops.py")
    assert ops.content == OPS
    worse, bad, repaired = ops.attempts
    assert (len(worse.errors), len(bad.errors)) == (2, 1)
    assert (repaired.attempt, repaired.candidate) == (2, None)
    assert repaired.sent_back == bad.errors and repaired.errors == [] and repaired.kept
    repair = [r for r in provider.requests_for("code_tree") if r.file == ops.path][-1]
    assert BAD.strip() in repair.messages[-2]["content"]
    assert bad.errors[0] in repair.messages[-1]["content"]
    assert tree.repair_count == 1


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
