"""The layers are code: import-linter's contracts in pyproject.toml hold, and they say what
DESIGN.md §2 says (CLI above assets and resources, above the core)."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def test_the_layers_run_from_the_cli_down_to_the_core() -> None:
    layers = _contracts()["CLI above assets and resources, above the core"]
    assert layers["type"] == "layers"
    assert layers["layers"] == ["quantumlayer_cli", "assets : resources", "quantumlayer_dagster"]
    # Only definitions.py, where Definitions are assembled, may reach up.
    assert {i.split(" -> ")[0] for i in layers["ignore_imports"]} == {
        "quantumlayer_dagster.definitions"
    }


def test_llm_store_artifacts_memory_and_dagster_boundaries_are_declared() -> None:
    forbidden = {
        (tuple(c["source_modules"]), tuple(c["forbidden_modules"]))
        for c in _contracts().values()
        if c["type"] == "forbidden"
    }
    assert forbidden == {
        (("quantumlayer_dagster",), ("dagster",)),
        (("quantumlayer_dagster.llm",), ("quantumlayer_dagster.store",)),
        (("quantumlayer_dagster.artifacts",), ("quantumlayer_dagster.memory",)),
    }


def test_every_import_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in _contracts():
        assert f"{name} KEPT" in done.stdout, done.stdout
