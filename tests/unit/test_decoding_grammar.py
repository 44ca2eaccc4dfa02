"""Grammar decoding (a group's ``grammar: python``): the packaged GBNF grammar loads in
llama.cpp and goes, as the request's ``grammar`` field, only with Python code files asked
of such a group; and a fallback group must send the same."""

from pathlib import Path

import pytest
import yaml

from quantumlayer_dagster.generation.complete_file import complete_file
from quantumlayer_dagster.llm.config import LLMConfigError, read_llm_config
from quantumlayer_dagster.llm.decoding_grammar import grammar_text
from quantumlayer_dagster.sandbox import Sandbox
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures.fake_llm import llm_config_yaml
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.sandbox_modes import bwrap_only

STUB = 'def add(a: int, b: int) -> int:\n    """Add.\n\n    >>> add(2, 3)\n    5\n    """\n'
RIGHT = "def add(a, b):\n    return a + b\n"


def test_the_python_grammar_loads_in_llama_cpp() -> None:
    llama_cpp = pytest.importorskip("llama_cpp", reason="needs the local-llm extra")

    grammar = llama_cpp.LlamaGrammar.from_string(grammar_text("python"), verbose=False)

    assert grammar._root == "root"
    assert "def" in grammar_text("python") and "::=" in grammar_text("python")


def fake_config(url: str, grammar: str | None, **group: object) -> str:
    # one call at a time, so scripted replies reach the candidates in order
    one = {"max_parallel_calls": 1}
    config = yaml.safe_load(llm_config_yaml(url, key_env=None, concurrency=one))
    config["groups"]["primary"].update({"grammar": grammar, **group})
    return yaml.safe_dump(config)


@bwrap_only
@pytest.mark.server
@pytest.mark.parametrize("grammar", ["python", None])
def test_only_python_code_requests_of_a_grammar_group_carry_the_grammar(
    tmp_path: Path, grammar: str | None
) -> None:
    files = {"code_tree": {"m.py::add": RIGHT}}
    with FakeOpenAIServer(replies={"docs": "a document"}, files=files) as server:
        llm = client_from_yaml(tmp_path, fake_config(server.base_url, grammar))
        done = complete_file(STUB, "m.py", llm, Sandbox())
        llm.complete_text("docs", [{"role": "user", "content": "write it"}])

    assert "    return a + b" in done.source
    code = [r for r in server.requests if r.stage == "code_tree"]
    others = [r for r in server.requests if r.stage != "code_tree"]
    assert len(code) == 1 and len(others) == 1
    expected = grammar_text("python") if grammar else None
    assert [r.body.get("grammar") for r in code] == [expected]
    assert "grammar" not in others[0].body


def test_a_fallback_group_with_another_grammar_is_refused(tmp_path: Path) -> None:
    config = yaml.safe_load(llm_config_yaml("http://127.0.0.1:1/v1", fallback="http://x/v1"))
    config["groups"]["primary"]["grammar"] = "python"
    path = tmp_path / "llm.yaml"
    path.write_text(yaml.safe_dump(config))

    with pytest.raises(LLMConfigError, match=r"fallbacks\.primary: backup uses grammar None"):
        read_llm_config(path)


@pytest.mark.server
@pytest.mark.parametrize("honours_n", [True, False], ids=["openai-like", "llama-cpp-like"])
def test_candidates_go_in_one_request_with_n_and_the_rest_one_by_one(
    tmp_path: Path, honours_n: bool
) -> None:
    replies = ["a = 1\n", "b = 2\n", "c = 3\n"]
    with FakeOpenAIServer(replies={"docs": replies}, files={}, honours_n=honours_n) as server:
        llm = client_from_yaml(tmp_path, fake_config(server.base_url, None, candidates=3))
        got = llm.complete_text_candidates("docs", [{"role": "user", "content": "go on"}])

    assert [text for text, _ in got] == replies
    assert [call.candidate for _, call in got] == [1, 2, 3]
    sent_n = [r.body.get("n") for r in server.requests]
    assert sent_n == ([3] if honours_n else [3, None, None])
    # one usage for three choices: the prompt counted once, the words split among them
    if honours_n:
        assert [(c.tokens_in, c.tokens_out) for _, c in got] == [(2, 3), (0, 3), (0, 3)]


@bwrap_only
@pytest.mark.server
def test_a_repair_is_asked_at_the_groups_raised_temperature(tmp_path: Path) -> None:
    broken = "def add(a, b):\n    return a +\n"
    files = {"code_tree": {"m.py::add": [broken, RIGHT]}}
    config = fake_config("{url}", None, temperature=0.1, retry_temperature_step=0.3)
    with FakeOpenAIServer(files=files) as server:
        llm = client_from_yaml(tmp_path, config.replace("{url}", server.base_url))
        done = complete_file(STUB, "m.py", llm, Sandbox())

    assert "    return a + b" in done.source
    asked = [r.body for r in server.requests if r.file == "m.py::add"]
    # the first answer at the group's temperature, its repair 0.3 hotter
    assert [round(b["temperature"], 2) for b in asked] == [0.1, 0.4]
