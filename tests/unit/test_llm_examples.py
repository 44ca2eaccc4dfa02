"""The LLM configurations the README and examples/llm/ show load, build a Router, and say
what the README says they do, so the docs cannot rot."""

import re
from pathlib import Path

import pytest

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.router import build_router

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "llm").glob("*.yaml"))
FAKE_ENV = {
    "OPENAI_API_KEY": "sk-fake-openai",
    "ANTHROPIC_API_KEY": "sk-fake-anthropic",
    "VLLM_API_KEY": "fake-vllm",
    "QL_REDIS_URL": "redis://127.0.0.1:6379/0",
}


def readme_configs() -> list[str]:
    """The YAML blocks of the README's "LLM configuration" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## LLM configuration", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)


def test_there_are_four_examples_and_three_readme_configurations():
    assert [p.name for p in EXAMPLES] == [
        "gemma3-270m.yaml",
        "hosted-with-fallback.yaml",
        "local.yaml",
        "vllm.yaml",
    ]
    assert len(readme_configs()) == 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_loads_and_builds_a_router(path):
    config = load_llm_config(path, env=FAKE_ENV)
    router = build_router(config, env=FAKE_ENV)
    assert len(router.registry().all()) == len(config.deployments())


@pytest.mark.parametrize("index", range(3))
def test_each_readme_configuration_loads_and_builds_a_router(tmp_path, index):
    path = tmp_path / "llm.yaml"
    path.write_text(readme_configs()[index])
    config = load_llm_config(path, env=FAKE_ENV)
    assert config.default in config.groups
    router = build_router(config, env=FAKE_ENV)
    assert len(router.registry().all()) == len(config.deployments()) > 0


def test_the_local_example_is_the_packaged_default():
    example = load_llm_config(ROOT / "examples" / "llm" / "local.yaml", env={})
    assert example == load_llm_config(PACKAGED_LLM_CONFIG, env={})


def test_the_gemma_example_differs_from_the_default_only_in_its_model_and_port():
    gemma = load_llm_config(ROOT / "examples" / "llm" / "gemma3-270m.yaml", env={})
    default = load_llm_config(PACKAGED_LLM_CONFIG, env={})
    assert gemma.groups.keys() == default.groups.keys()
    for name, group in gemma.groups.items():
        [deployment] = group.deployments
        assert deployment.model == "openai/gemma3-270m"
        assert deployment.api_base == "http://127.0.0.1:8767/v1"
        other = default.groups[name]
        assert (group.max_tokens, group.timeout_s) == (other.max_tokens, other.timeout_s)


def test_the_hosted_example_falls_back_to_another_provider():
    config = load_llm_config(ROOT / "examples" / "llm" / "hosted-with-fallback.yaml", env=FAKE_ENV)
    assert config.fallbacks["strong"] == ["strong-backup"]
    backup = config.groups["strong-backup"].deployments[0]
    assert backup.model.startswith("anthropic/")
    assert config.cache.backend == "redis"
    assert config.budget.max_usd is not None


def test_the_openai_compatible_example_balances_two_replicas():
    config = load_llm_config(ROOT / "examples" / "llm" / "vllm.yaml", env=FAKE_ENV)
    bases = [d.api_base for d in config.groups["coder"].deployments]
    assert len(set(bases)) == 2
    assert config.groups["ollama"].is_local
