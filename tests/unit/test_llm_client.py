"""LiteLLMClient through real litellm.completion, answered by the scripted provider."""

import socket
import threading
from pathlib import Path

import dagster as dg
import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, LLMConfig, load_llm_config
from quantumlayer_dagster.llm.litellm_offline import litellm
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.request_tags import file_line
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.llm.structured_output import strip_fence
from resources.llm import LLMResource
from tests.fixtures.network import refused_url

SCRIPTED_CONFIG = """
groups:
  scripted:
    structured_output: {mode}
    temperature: 0.0
    max_tokens: 64
    deployments:
      - model: scripted/test-model
        {extra}
default: scripted
"""


class Feature(BaseModel):
    title: str
    priority: int


def write_config(tmp_path: Path, mode: str = "json_schema", extra: str = "") -> Path:
    path = tmp_path / "llm.scripted.yaml"
    path.write_text(SCRIPTED_CONFIG.format(mode=mode, extra=extra))
    return path


def scripted_client(tmp_path: Path, mode: str = "json_schema", extra: str = "") -> LiteLLMClient:
    return LiteLLMClient(load_llm_config(write_config(tmp_path, mode, extra), env={}))


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You write specs."}, {"role": "user", "content": text}]


def test_scripted_provider_through_litellm_returns_fixture_and_records_request(tmp_path):
    provider = register_scripted_provider({"frd": "three short words"})
    text, call = scripted_client(tmp_path).complete_text("frd", ask("write the frd now"))
    assert text == "three short words"
    assert (call.stage, call.model, call.attempt) == ("frd", "scripted/test-model", 1)
    assert call.tokens_in == 3 + 4  # words in the system and user messages
    assert call.tokens_out == 3
    assert call.error is None
    [request] = provider.requests
    assert request.stage == "frd"
    assert request.messages == ask("write the frd now")
    assert request.params["max_tokens"] == 64
    assert request.params["temperature"] == 0.0


def test_scripted_replies_are_used_in_order_and_the_last_repeats(tmp_path):
    register_scripted_provider({"docs": ["one", "two"]})
    client = scripted_client(tmp_path)
    replies = [client.complete_text("docs", ask("x"))[0] for _ in range(3)]
    assert replies == ["one", "two", "two"]


def test_scripted_provider_answers_per_file_by_the_file_line(tmp_path):
    provider = register_scripted_provider(
        {"code_tree": "# generic"},
        files={"code_tree": {"src/app.py": "print('app')"}},
    )
    client = scripted_client(tmp_path)
    app, _ = client.complete_text("code_tree", ask(f"Write it.\n{file_line('src/app.py')}"))
    other, _ = client.complete_text("code_tree", ask(f"Write it.\n{file_line('src/db.py')}"))
    assert (app, other) == ("print('app')", "# generic")
    assert [r.file for r in provider.requests] == ["src/app.py", "src/db.py"]


def test_unscripted_stage_fails_naming_the_stage(tmp_path):
    register_scripted_provider({"frd": "x"})
    with pytest.raises(LLMStageError) as caught:
        scripted_client(tmp_path).complete_text("docs", ask("x"))
    assert "no reply for stage 'docs'" in str(caught.value)


def test_complete_json_sends_the_pydantic_schema_for_constrained_decoding(tmp_path):
    provider = register_scripted_provider({"frd": Feature(title="Login", priority=1)})
    value, calls = scripted_client(tmp_path).complete_json("frd", ask("x"), Feature)
    assert value == Feature(title="Login", priority=1)
    assert len(calls) == 1
    sent = provider.requests[0].params["response_format"]
    assert sent == {
        "type": "json_schema",
        "json_schema": {"name": "Feature", "schema": Feature.model_json_schema()},
    }


def test_json_object_schema_mode_sends_the_llama_cpp_form(tmp_path):
    provider = register_scripted_provider({"frd": {"title": "Login", "priority": 1}})
    override = {"type": "object", "properties": {"title": {"enum": ["Login"]}}}
    scripted_client(tmp_path, mode="json_object_schema").complete_json(
        "frd", ask("x"), Feature, json_schema=override
    )
    request = provider.requests[0]
    assert request.params["response_format"] == {"type": "json_object", "schema": override}
    assert request.messages == ask("x"), "constrained modes leave the prompt alone"


def test_unconstrained_mode_puts_the_schema_in_the_system_message(tmp_path):
    provider = register_scripted_provider({"frd": '```json\n{"title": "A", "priority": 2}\n```'})
    value, _ = scripted_client(tmp_path, mode="none").complete_json("frd", ask("x"), Feature)
    assert value.priority == 2
    request = provider.requests[0]
    assert "response_format" not in request.params
    system = request.messages[0]["content"]
    assert system.startswith("You write specs.")
    assert '"priority"' in system


def test_complete_json_repairs_an_invalid_first_reply(tmp_path):
    provider = register_scripted_provider(
        {"frd": ['{"title": "Login"}', '{"title": "Login", "priority": 2}']}
    )
    value, calls = scripted_client(tmp_path).complete_json("frd", ask("x"), Feature)
    assert value == Feature(title="Login", priority=2)
    assert [c.attempt for c in calls] == [1, 2]
    assert "priority: Field required" in (calls[0].error or "")
    assert calls[0].raw_reply == '{"title": "Login"}'
    assert calls[1].error is None
    repair = provider.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"title": "Login"}'}
    assert repair[-1]["role"] == "user"
    assert "priority: Field required" in repair[-1]["content"]


def test_each_repair_shows_only_the_latest_bad_reply(tmp_path):
    provider = register_scripted_provider({"frd": ['{"a": 1}', '{"b": 2}', '{"c": 3}']})
    with pytest.raises(LLMStageError):
        scripted_client(tmp_path).complete_json("frd", ask("x"), Feature, max_attempts=3)
    third = provider.requests[2].messages
    assert third[:2] == ask("x")
    assert [m["content"] for m in third if m["role"] == "assistant"] == ['{"b": 2}']


def test_validation_context_reaches_the_schema_validators(tmp_path):
    class Pick(BaseModel):
        feature_id: str

        @field_validator("feature_id")
        @classmethod
        def known(cls, value: str, info: ValidationInfo) -> str:
            if value not in (info.context or {})["ids"]:
                raise ValueError(f"unknown id {value}")
            return value

    register_scripted_provider({"test_plan": ['{"feature_id": "F9"}', '{"feature_id": "F1"}']})
    value, calls = scripted_client(tmp_path).complete_json(
        "test_plan", ask("x"), Pick, validation_context={"ids": {"F1"}}
    )
    assert value.feature_id == "F1"
    assert "unknown id F9" in (calls[0].error or "")


def test_complete_json_gives_up_after_max_attempts_naming_the_stage(tmp_path):
    register_scripted_provider({"frd": "not json at all"})
    with pytest.raises(LLMStageError) as caught:
        scripted_client(tmp_path).complete_json("frd", ask("x"), Feature, max_attempts=2)
    error = caught.value
    assert error.stage == "frd"
    assert str(error).startswith("stage frd: no valid Feature from group scripted")
    assert "after 2 attempts" in error.reason
    assert [c.attempt for c in error.calls] == [1, 2]
    assert all(c.error for c in error.calls)


@pytest.mark.slow
def test_connection_refused_is_one_line_naming_model_server_and_fix(tmp_path):
    api_base = refused_url("/v1")
    deployment = {"model": "openai/smollm2", "api_base": api_base}
    config = LLMConfig.model_validate(
        {"groups": {"local": {"deployments": [deployment]}}, "default": "local"}
    )
    with pytest.raises(LLMStageError) as caught:
        LiteLLMClient(config).complete_json("frd", ask("x"), Feature)
    reason = caught.value.reason
    assert "\n" not in reason
    assert f"model openai/smollm2 at {api_base}: cannot connect" in reason
    assert "`quantumlayer llm serve` or `make demo`" in reason
    assert [c.error for c in caught.value.calls] == [reason]


@pytest.mark.slow
def test_no_reply_within_timeout_names_the_setting(tmp_path):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        api_base = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        group = {
            "deployments": [{"model": "openai/smollm2", "api_base": api_base}],
            "timeout_s": 0.5,
        }
        config = LLMConfig.model_validate({"groups": {"m": group}, "default": "m"})
        with pytest.raises(LLMStageError) as caught:
            LiteLLMClient(config).complete_text("docs", ask("x"))
    assert "no reply within timeout_s=0.5" in caught.value.reason


def test_api_key_is_sent_and_never_recorded(tmp_path):
    secret = "sk-test-0123456789abcdef"
    env = {"QL_TEST_KEY": secret}  # what LLMResource passes in from its dg.EnvVar
    provider = register_scripted_provider({"frd": "ok"})
    path = write_config(tmp_path, extra="api_key_env: QL_TEST_KEY")
    client = LiteLLMClient(load_llm_config(path, env=env), env=env)
    _, call = client.complete_text("frd", ask("x"))
    assert provider.requests[0].api_key_sent
    assert secret not in call.model_dump_json()
    assert secret not in repr(provider.requests)


def test_cost_comes_from_litellm_with_the_configured_prices(tmp_path):
    register_scripted_provider({"frd": "two words"})
    prices = "input_cost_per_token: 0.001\n        output_cost_per_token: 0.01"
    _, call = scripted_client(tmp_path, extra=prices).complete_text("frd", ask("one two"))
    assert call.cost_usd == pytest.approx(call.tokens_in * 0.001 + 2 * 0.01)


@pytest.mark.slow
def test_local_models_are_priced_at_zero():
    LiteLLMClient(load_llm_config(PACKAGED_LLM_CONFIG, env={}))
    cost = litellm.completion_cost(model="openai/smollm2", prompt="a b c", completion="d e")
    assert cost == 0.0


def test_complete_text_returns_the_reply_as_sent(tmp_path):
    reply = "Here:\n```python\nprint('hi')\n```\n"
    register_scripted_provider({"code_tree": reply})
    text, _ = scripted_client(tmp_path).complete_text("code_tree", ask("x"))
    assert text == reply


@pytest.mark.parametrize(
    "reply",
    [
        "print('no fence')",
        "Here it is:\n```python\nx = 1\n```",
        "```python\na = 1\n```\nand\n```python\nb = 2\n```",
    ],
)
def test_strip_fence_leaves_replies_that_are_not_one_fenced_block(reply):
    assert strip_fence(reply) == reply


def test_scripted_provider_is_safe_to_share_between_threads(tmp_path):
    provider = register_scripted_provider({"frd": "ok"})
    client = scripted_client(tmp_path)
    threads = [
        threading.Thread(target=client.complete_text, args=("frd", ask("x"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(provider.requests) == 8


def test_llm_resource_serves_an_asset_in_a_dagster_run(tmp_path):
    register_scripted_provider({"frd": '{"title": "From a run", "priority": 1}'})

    @dg.asset
    def feature(llm: LLMResource) -> Feature:
        value, _ = llm.client.complete_json("frd", ask("x"), Feature)
        return value

    result = dg.materialize(
        [feature], resources={"llm": LLMResource(config_path=str(write_config(tmp_path)))}
    )
    assert result.output_for_node("feature") == Feature(title="From a run", priority=1)


def test_llm_resource_builds_its_client_from_a_config_file(tmp_path):
    register_scripted_provider({"frd": '{"title": "T", "priority": 3}'})
    resource = LLMResource(config_path=str(write_config(tmp_path)))
    value, _ = resource.client.complete_json("frd", ask("x"), Feature)
    assert value.priority == 3
    assert resource.client is resource.client


def test_grammar_schema_caps_string_bounds_but_keeps_property_names():
    from quantumlayer_dagster.artifacts.docs import DocsDraft
    from quantumlayer_dagster.llm.structured_output import (
        GRAMMAR_MAX_STRING,
        grammar_safe_schema,
    )

    schema = {
        "type": "object",
        "properties": {"maxLength": {"type": "string", "maxLength": 5000}},
        "$defs": {"X": {"type": "string", "maxLength": 10}},
    }
    safe = grammar_safe_schema(schema)
    assert safe["properties"]["maxLength"]["maxLength"] == GRAMMAR_MAX_STRING
    assert safe["$defs"]["X"]["maxLength"] == 10
    docs = grammar_safe_schema(DocsDraft.model_json_schema())
    assert docs["properties"]["overview"]["maxLength"] == GRAMMAR_MAX_STRING
    assert DocsDraft.model_json_schema()["properties"]["overview"]["maxLength"] > GRAMMAR_MAX_STRING


def test_an_empty_json_reply_is_named_as_empty(tmp_path):
    register_scripted_provider({"frd": ["", '{"title": "T", "priority": 1}']})
    _, calls = scripted_client(tmp_path).complete_json("frd", ask("x"), Feature)
    assert calls[0].error == "empty reply (the model sent no content)"
