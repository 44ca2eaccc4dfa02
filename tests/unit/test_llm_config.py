"""The LLM config file: what loads, and what each mistake in it is reported as."""

from pathlib import Path

import pytest

from quantumlayer_dagster.llm.config import (
    PACKAGED_LLM_CONFIG,
    LLMConfigError,
    load_llm_config,
)

VALID = """
groups:
  local:
    structured_output: json_object_schema
    deployments:
      - model: openai/smollm2
        api_base: http://127.0.0.1:8765/v1
  cloud:
    structured_output: json_schema
    deployments:
      - model: openai/gpt-4o-mini
        api_key_env: QL_TEST_OPENAI_KEY
  cloud-b:
    structured_output: json_schema
    deployments:
      - model: anthropic/claude-haiku-4-5
        api_key_env: QL_TEST_ANTHROPIC_KEY
default: local
stages:
  code_tree: cloud
fallbacks:
  cloud: [cloud-b]
"""
KEYS = {"QL_TEST_OPENAI_KEY": "k", "QL_TEST_ANTHROPIC_KEY": "a"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "llm.yaml"
    path.write_text(text)
    return path


def load_error(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(LLMConfigError) as caught:
        load_llm_config(path, env=env if env is not None else {})
    message = str(caught.value)
    assert "\n" not in message, "config errors must be one line"
    assert str(path) in message
    return message


def test_packaged_config_loads_and_points_at_the_local_server():
    config = load_llm_config(PACKAGED_LLM_CONFIG, env={})
    group = config.settings_for("frd")
    assert [d.api_base for d in group.deployments] == ["http://127.0.0.1:8765/v1"]
    assert group.is_local
    assert group.structured_output == "json_object_schema"
    assert config.cache.backend == "store"


def test_stage_uses_its_own_group_else_the_default(tmp_path):
    config = load_llm_config(write(tmp_path, VALID), env=KEYS)
    assert config.group_for("code_tree") == "cloud"
    assert config.group_for("frd") == "local"
    assert config.settings_for("code_tree").deployments[0].model == "openai/gpt-4o-mini"
    assert config.fallbacks == {"cloud": ["cloud-b"]}


def test_unknown_stage_group_is_named_with_the_known_ones(tmp_path):
    path = write(tmp_path, VALID.replace("code_tree: cloud", "code_tree: big"))
    message = load_error(path, env=KEYS)
    assert "stages.code_tree" in message
    assert "'big'" in message
    assert "cloud, cloud-b, local" in message


def test_unknown_default_group_is_named(tmp_path):
    message = load_error(write(tmp_path, VALID.replace("default: local", "default: nope")))
    assert "default: unknown group 'nope'" in message


def test_unknown_fallback_group_is_named(tmp_path):
    message = load_error(write(tmp_path, VALID.replace("[cloud-b]", "[cloud-c]")), env=KEYS)
    assert "fallbacks.cloud: unknown group 'cloud-c'" in message


def test_fallback_with_another_structured_output_mode_is_refused(tmp_path):
    message = load_error(write(tmp_path, VALID.replace("[cloud-b]", "[local]")), env=KEYS)
    assert "fallbacks.cloud: local uses structured_output json_object_schema" in message


def test_missing_api_key_env_var_is_named_with_the_fix(tmp_path):
    message = load_error(write(tmp_path, VALID), env={"QL_TEST_ANTHROPIC_KEY": "a"})
    assert "groups.cloud.deployments.0.api_key_env" in message
    assert "QL_TEST_OPENAI_KEY is not set" in message
    assert "export QL_TEST_OPENAI_KEY=" in message


def test_wrong_field_type_names_the_field(tmp_path):
    text = VALID.replace("structured_output: json_schema", "temperature: hot", 1)
    message = load_error(write(tmp_path, text), env=KEYS)
    assert "groups.cloud.temperature" in message


def test_misspelt_field_is_refused_not_ignored(tmp_path):
    text = VALID.replace("structured_output: json_schema", "max_token: 10", 1)
    message = load_error(write(tmp_path, text), env=KEYS)
    assert "groups.cloud.max_token" in message


def test_misspelt_deployment_field_names_its_index(tmp_path):
    text = VALID.replace("api_key_env: QL_TEST_OPENAI_KEY", "api_key: sk-live-Secret123")
    message = load_error(write(tmp_path, text), env=KEYS)
    assert "groups.cloud.deployments.0.api_key" in message
    assert "Secret123" not in message


def test_unknown_structured_output_mode_names_the_field(tmp_path):
    text = VALID.replace("structured_output: json_schema", "structured_output: grammar", 1)
    message = load_error(write(tmp_path, text), env=KEYS)
    assert "groups.cloud.structured_output" in message


def test_key_pasted_into_api_key_env_is_refused_without_echoing_it(tmp_path):
    text = VALID.replace("api_key_env: QL_TEST_OPENAI_KEY", "api_key_env: sk-proj-Secret123")
    message = load_error(write(tmp_path, text))
    assert "groups.cloud.deployments.0.api_key_env" in message
    assert "Secret123" not in message


def test_negative_retry_count_names_the_error_kind(tmp_path):
    message = load_error(write(tmp_path, VALID + "retries:\n  rate_limit: -1\n"), env=KEYS)
    assert "retries.rate_limit" in message


def test_redis_cache_needs_its_url_variable(tmp_path):
    message = load_error(write(tmp_path, VALID + "cache:\n  backend: redis\n"), env=KEYS)
    assert "cache.redis_url_env: required when backend is redis" in message


def test_redis_url_variable_must_be_set(tmp_path):
    text = VALID + "cache:\n  backend: redis\n  redis_url_env: QL_TEST_REDIS\n"
    message = load_error(write(tmp_path, text), env=KEYS)
    assert "cache.redis_url_env: environment variable QL_TEST_REDIS is not set" in message


def test_zero_parallel_calls_is_refused(tmp_path):
    text = VALID + "concurrency:\n  max_parallel_calls: 0\n"
    assert "concurrency.max_parallel_calls" in load_error(write(tmp_path, text), env=KEYS)


def test_budget_limits_load(tmp_path):
    text = VALID + "budget:\n  max_tokens: 1000\n  max_usd: 0.5\n"
    config = load_llm_config(write(tmp_path, text), env=KEYS)
    assert (config.budget.max_tokens, config.budget.max_usd) == (1000, 0.5)


def test_old_flat_models_format_is_refused_with_the_way_forward(tmp_path):
    text = "models:\n  local:\n    model: openai/smollm2\ndefault: local\n"
    message = load_error(write(tmp_path, text))
    assert "groups.<name>.deployments" in message


def test_missing_file_is_named_with_the_fix(tmp_path):
    message = load_error(tmp_path / "absent.yaml")
    assert "cannot read LLM config" in message
    assert "QL_LLM_CONFIG" in message


def test_broken_yaml_names_the_line(tmp_path):
    message = load_error(write(tmp_path, "groups:\n  local: [unclosed\ndefault: local\n"))
    assert "not valid YAML" in message
    assert "line " in message


def test_empty_groups_is_refused(tmp_path):
    message = load_error(write(tmp_path, "groups: {}\ndefault: local\n"))
    assert "groups" in message


def test_group_without_deployments_is_refused(tmp_path):
    text = "groups:\n  local:\n    deployments: []\ndefault: local\n"
    assert "groups.local.deployments" in load_error(write(tmp_path, text))
