"""The demo path end to end with the real local model: SmolLM2-135M-Instruct on a real
llama.cpp server, the console script, a fresh home. The tiny model writes poor code, so the
run may end in any of three honest ways; the test finds out which and checks the why."""

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG
from quantumlayer_dagster.llm.local_server import ensure_local_server
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.stages.registry import ASSET_NAMES
from quantumlayer_dagster.store.keys import asset_key
from tests.fixtures.network import free_port

pytestmark = [pytest.mark.llm, pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
GATES = {
    "code_parses",
    "dependencies_resolved",
    "licences_allowed",
    "tests_pass",
    "no_high_severity_findings",
    "no_known_vulnerable_pins",
    "no_server_errors",
    "complexity_budget",
}
GATE_LINE = re.compile(r"^(\w+)\s+(pass|FAIL)\s+(.*)$")


@pytest.fixture(scope="module")
def local_llm_config(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The packaged local config, pointed at a real server started for this module."""
    port = free_port()
    server = ensure_local_server(port=port, log_path=tmp_path_factory.mktemp("llm") / "log")
    config = yaml.safe_load(PACKAGED_LLM_CONFIG.read_text())
    for group in config["groups"].values():
        for deployment in group["deployments"]:
            deployment["api_base"] = f"http://127.0.0.1:{port}/v1"
    path = tmp_path_factory.mktemp("cfg") / "llm.yaml"
    path.write_text(yaml.safe_dump(config))
    yield path
    server.stop()


@pytest.mark.timeout(1600)
def test_demo_run_ends_in_a_verified_capsule_or_a_named_failure(local_llm_config, tmp_path):
    home = tmp_path / "home"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "quantumlayer"), "run", "examples/calculator.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        env={
            "PATH": "/usr/bin:/bin",
            "QL_HOME": str(home),
            "QL_LLM_CONFIG": str(local_llm_config),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "DAGSTER_DISABLE_TELEMETRY": "1",
        },
    )
    out = result.stdout
    print(out)  # shown by pytest -rA / on failure: the run as a user saw it
    lines = out.strip().splitlines()
    gates = {m[1]: (m[2], m[3]) for m in map(GATE_LINE.match, lines) if m and m[1] in GATES}
    assert "enhanced_prompt: started" in out, result.stderr[-2000:]

    if result.returncode in (1, 4):
        # Stopped at a blocking gate (4: a verdict, with what to try) or failed at a named
        # stage (1), with the reason on the error line.
        error = next(line for line in reversed(lines) if line.startswith("error: "))
        failed = re.match(r"^error: (stage|gate) (\w+) failed: (.+)$", error)
        assert failed, error
        kind, name, reason = failed.groups()
        assert reason.strip()
        assert kind == ("gate" if result.returncode == 4 else "stage")
        if kind == "stage":
            assert name in ASSET_NAMES
            rid = re.search(r"request (r\S+):", out)[1]
            stored = home / "artifacts" / asset_key(rid, name)
            assert not stored.exists()  # nothing half-written for the stage that failed
        else:
            assert gates[name][0] == "FAIL"
            assert "examples/llm/" in lines[-1]
        return

    # A capsule was built: it verifies, and its capsule.json agrees with the printed gates.
    assert result.returncode in (0, 3), result.stderr[-2000:]
    capsule = Path(re.search(r"^capsule: (\S+)$", out, re.MULTILINE)[1])
    verification = verify_capsule(capsule)
    assert verification.ok, verification.problems
    with tarfile.open(capsule) as tar:
        manifest = json.load(tar.extractfile("capsule.json"))
    recorded = {g["name"]: g["passed"] for g in manifest["gates"]}
    assert recorded == {name: status == "pass" for name, (status, _) in gates.items()}
    assert manifest["models"] == ["openai/smollm2"] and manifest["tokens_out"] > 0
    if result.returncode == 3:
        failed = [name for name, (status, _) in gates.items() if status == "FAIL"]
        assert failed and all(gates[name][1].strip() for name in failed)
        assert lines[-2] == f"capsule built, but gates failed: {', '.join(failed)}"
        assert "examples/llm/" in lines[-1]
    else:
        assert all(status == "pass" for status, _ in gates.values())
