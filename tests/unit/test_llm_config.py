"""The LLM config file: what loads, and what each mistake in it is reported as."""

from pathlib import Path

import pytest

from quantumlayer_dagster.llm.config import (
    PACKAGED_LLM_CONFIG,
    LLMConfigError,
    load_llm_config,
)

VALID = """
models:
  local:
    model: openai/smollm2
    api_base: http://127.0.0.1:8765/v1
    structured_output: json_object_schema
  cloud:
    model: openai/gpt-4o-mini
    api_key_env: QL_TEST_OPENAI_KEY
    structured_output: json_schema
default: local
stages:
  code_tree: cloud
"""


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
    spec = config.model_for("frd")
    assert spec.api_base == "http://127.0.0.1:8765/v1"
    assert spec.is_local
    assert spec.structured_output == "json_object_schema"
    assert spec.api_key_env is None


def test_stage_uses_its_own_alias_else_the_default(tmp_path):
    config = load_llm_config(write(tmp_path, VALID), env={"QL_TEST_OPENAI_KEY": "k"})
    assert config.alias_for("code_tree") == "cloud"
    assert config.alias_for("frd") == "local"
    assert config.model_for("code_tree").model == "openai/gpt-4o-mini"


def test_unknown_stage_alias_is_named_with_the_known_ones(tmp_path):
    path = write(tmp_path, VALID.replace("code_tree: cloud", "code_tree: big"))
    message = load_error(path, env={"QL_TEST_OPENAI_KEY": "k"})
    assert "stages.code_tree" in message
    assert "'big'" in message
    assert "cloud, local" in message


def test_unknown_default_alias_is_named(tmp_path):
    message = load_error(write(tmp_path, VALID.replace("default: local", "default: nope")))
    assert "default: unknown model alias 'nope'" in message


def test_missing_api_key_env_var_is_named_with_the_fix(tmp_path):
    message = load_error(write(tmp_path, VALID), env={})
    assert "models.cloud.api_key_env" in message
    assert "QL_TEST_OPENAI_KEY is not set" in message
    assert "export QL_TEST_OPENAI_KEY=" in message


def test_wrong_field_type_names_the_field(tmp_path):
    text = VALID.replace("structured_output: json_schema", "temperature: hot")
    message = load_error(write(tmp_path, text), env={"QL_TEST_OPENAI_KEY": "k"})
    assert "models.cloud.temperature" in message


def test_misspelt_field_is_refused_not_ignored(tmp_path):
    text = VALID.replace("structured_output: json_schema", "max_token: 10")
    message = load_error(write(tmp_path, text), env={"QL_TEST_OPENAI_KEY": "k"})
    assert "models.cloud.max_token" in message


def test_unknown_structured_output_mode_names_the_field(tmp_path):
    text = VALID.replace("structured_output: json_schema", "structured_output: grammar")
    message = load_error(write(tmp_path, text), env={"QL_TEST_OPENAI_KEY": "k"})
    assert "models.cloud.structured_output" in message


def test_key_pasted_into_api_key_env_is_refused_without_echoing_it(tmp_path):
    text = VALID.replace("api_key_env: QL_TEST_OPENAI_KEY", "api_key_env: sk-proj-Secret123")
    message = load_error(write(tmp_path, text))
    assert "models.cloud.api_key_env" in message
    assert "Secret123" not in message


def test_missing_file_is_named_with_the_fix(tmp_path):
    message = load_error(tmp_path / "absent.yaml")
    assert "cannot read LLM config" in message
    assert "QL_LLM_CONFIG" in message


def test_broken_yaml_names_the_line(tmp_path):
    message = load_error(write(tmp_path, "models:\n  local: [unclosed\ndefault: local\n"))
    assert "not valid YAML" in message
    assert "line " in message


def test_empty_models_is_refused(tmp_path):
    message = load_error(write(tmp_path, "models: {}\ndefault: local\n"))
    assert "models" in message
