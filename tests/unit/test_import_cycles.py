"""Modules that hook into each other import first in a fresh interpreter (a cycle hidden by
import order shows up when another module happens to be imported first)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "quantumlayer_dagster.llm.client",
        "quantumlayer_dagster.sandbox.runner",
        "quantumlayer_dagster.observability.traced_calls",
        "quantumlayer_dagster.generation.fill_bodies",
        "quantumlayer_dagster.stages.code_tree",
    ],
)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
