"""Settings: every QL_ variable read once, typed and range-checked, with a one-line error
naming the variable, the value and what is allowed; Definitions bind URLs and the LLM
config's named variables as dg.EnvVar."""

from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli import EXIT_USAGE, main
from quantumlayer_dagster.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("QL_UPLOAD_BATCH", "0", "QL_UPLOAD_BATCH=0: must be between 1 and 1000"),
        ("QL_UPLOAD_BATCH", "1001", "QL_UPLOAD_BATCH=1001: must be between 1 and 1000"),
        ("QL_UPLOAD_POLL_S", "0", "QL_UPLOAD_POLL_S=0: must be at least 1"),
        ("QL_TEST_TIMEOUT_S", "3601", "QL_TEST_TIMEOUT_S=3601: must be between 1 and 3600"),
        (
            "QL_TEST_TIMEOUT_S",
            "2m",
            "QL_TEST_TIMEOUT_S=2m: must be a whole number between 1 and 3600",
        ),
        ("QL_MEMORY", "maybe", "QL_MEMORY=maybe: must be true/false, on/off, yes/no or 1/0"),
        ("QL_S3_SECURE", "si", "QL_S3_SECURE=si: must be true/false, on/off, yes/no or 1/0"),
        ("QL_STORE", "s3", "QL_STORE=s3: must be one of local, minio"),
        ("QL_LOG_FORMAT", "xml", "QL_LOG_FORMAT=xml: must be one of text, json"),
        (
            "OTEL_TRACES_EXPORTER",
            "zipkin",
            "OTEL_TRACES_EXPORTER=zipkin: must be one of none, otlp, console",
        ),
        (
            "OTEL_TRACES_SAMPLER_ARG",
            "2",
            "OTEL_TRACES_SAMPLER_ARG=2: must be between 0.0 and 1.0",
        ),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "grpc",
            "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: must be one of http/protobuf",
        ),
    ],
)
def test_a_value_out_of_range_is_one_line_naming_variable_value_and_range(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert str(caught.value) == message


def test_the_defaults_are_the_readme_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("QL_HOME", "QL_ADVISORY_DB", "QL_LLM_CONFIG", "QL_MEMORY", "QL_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env()
    assert settings.home == tmp_path / ".ql"
    assert settings.llm_config.name == "llm.local.yaml"
    assert (settings.test_timeout_s, settings.upload_batch, settings.upload_poll_s) == (120, 50, 10)
    assert (settings.store.kind, settings.store.s3_endpoint) == ("local", "127.0.0.1:9000")
    assert settings.memory_enabled and settings.memory_url is None
    assert not settings.advisory_online and settings.advisory_db == ""


@pytest.mark.parametrize(
    ("word", "on"), [("off", False), ("0", False), ("NO", False), ("On", True)]
)
def test_every_boolean_takes_the_same_words(
    monkeypatch: pytest.MonkeyPatch, word: str, on: bool
) -> None:
    for name in ("QL_MEMORY", "QL_S3_SECURE", "QL_ADVISORY_ONLINE"):
        monkeypatch.setenv(name, word)
    settings = Settings.from_env()
    assert [settings.memory_enabled, settings.store.s3_secure, settings.advisory_online] == [on] * 3


def test_an_empty_url_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QL_MEMORY_URL", "")
    assert Settings.from_env().memory_url is None


def test_the_cli_prints_a_bad_setting_as_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("QL_UPLOAD_BATCH", "0")
    prompt = tmp_path / "p.txt"
    prompt.write_text("A tool that counts words.")
    assert main(["submit", str(prompt)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == "error: QL_UPLOAD_BATCH=0: must be between 1 and 1000\n"


def test_definitions_bind_the_llm_configs_variables_as_env_vars(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from quantumlayer_dagster.definitions import llm_resource
    from resources.artifact_store import artifact_store_resource

    config = tmp_path / "llm.yaml"
    config.write_text(
        "groups:\n  cloud:\n    deployments:\n"
        "      - {model: openai/gpt-4o-mini, api_key_env: QL_TEST_SETTINGS_KEY}\n"
        "      - {model: openai/gpt-4o, api_key_env: QL_TEST_UNSET_KEY}\n"
        "default: cloud\n"
    )
    monkeypatch.setenv("QL_TEST_SETTINGS_KEY", "sk-test-settings-0123456789")
    monkeypatch.delenv("QL_TEST_UNSET_KEY", raising=False)
    settings = Settings(home=tmp_path / "home", llm_config=config)
    llm = llm_resource(settings, artifact_store_resource(settings))
    # Set: an EnvVar (the UI shows its name); unset: left out, so load_llm_config names the
    # YAML field and the fix when the run starts.
    assert list(llm.env) == ["QL_TEST_SETTINGS_KEY"]
    assert isinstance(llm.env["QL_TEST_SETTINGS_KEY"], dg.EnvVar)
    with pytest.raises(Exception) as caught, dg.build_resources({"llm": llm}):
        pass
    chain = [caught.value, caught.value.__cause__]
    assert any("api_key_env: environment variable QL_TEST_UNSET_KEY" in str(e) for e in chain)


def test_a_url_from_the_environment_reaches_the_memory_as_an_env_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from resources.memory import VectorMemoryResource

    monkeypatch.setenv("QL_MEMORY_URL", "http://user:pw@qdrant.example:6333")
    memory = VectorMemoryResource.from_settings(Settings.from_env())
    assert isinstance(memory.url, dg.EnvVar)
    assert memory.process_config_and_initialize().url == "http://user:pw@qdrant.example:6333"
    # A Settings built in code keeps its value (no variable to name).
    given = Settings(home=tmp_path, memory_url="http://other:6333")
    assert VectorMemoryResource.from_settings(given).url == "http://other:6333"


def test_tracing_is_off_unless_an_exporter_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env().telemetry.tracing.enabled is False
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    tracing = Settings.from_env().telemetry.tracing
    assert (tracing.exporter, tracing.sampler, tracing.sampler_arg) == (
        "otlp",
        "parentbased_traceidratio",
        0.25,
    )
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert Settings.from_env().telemetry.tracing.enabled is False
