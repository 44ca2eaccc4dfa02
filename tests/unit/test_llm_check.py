"""``quantumlayer llm check``: one request through the configured Router, reported as
``name: value`` lines, or one error line with the fix."""

import time
from pathlib import Path

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, main
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider

CONFIG = """
groups:
  cheap:
    deployments:
      - model: scripted/cheap
  strong:
    deployments:
      - model: scripted/strong
default: cheap
stages:
  code_tree: strong
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "llm.yaml"
    path.write_text(text)
    return str(path)


def lines(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def test_check_prints_the_answering_model_latency_and_tokens(tmp_path, capsys):
    provider = register_scripted_provider({"check": "ok"}, latency_s=0.2)
    started = time.monotonic()
    assert main(["llm", "check", "--config", write(tmp_path, CONFIG)]) == EXIT_OK
    elapsed = time.monotonic() - started
    shown = lines(capsys.readouterr().out)
    assert shown["model"] == "scripted/cheap"
    assert shown["deployment"] == "cheap/0"
    assert 0.2 <= float(shown["latency_s"]) <= elapsed  # the model's 0.2 s delay, measured
    assert int(shown["tokens_in"]) > 0 and shown["tokens_out"] == "1"
    assert shown["reply"] == "ok"
    assert len(provider.requests) == 1


def test_check_can_ask_with_a_stages_group(tmp_path, capsys):
    register_scripted_provider({"code_tree": "ok"})
    config = write(tmp_path, CONFIG)
    assert main(["llm", "check", "--config", config, "--stage", "code_tree"]) == EXIT_OK
    assert lines(capsys.readouterr().out)["model"] == "scripted/strong"


def test_check_against_a_server_that_is_down_says_so_with_the_fix(tmp_path, capsys):
    down = """
groups:
  local:
    deployments:
      - model: openai/smollm2
        api_base: http://127.0.0.1:9/v1
default: local
retries: {internal_server_error: 0, default: 0}
"""
    assert main(["llm", "check", "--config", write(tmp_path, down)]) == EXIT_FAILED
    out = capsys.readouterr().out.strip()
    assert "\n" not in out
    assert out.startswith("error: stage check: model openai/smollm2 at http://127.0.0.1:9/v1")
    assert "run `quantumlayer llm serve`" in out


def test_check_with_a_broken_config_names_the_field(tmp_path, capsys):
    assert main(["llm", "check", "--config", write(tmp_path, "groups: {}\n")]) == EXIT_FAILED
    assert "groups" in capsys.readouterr().out
