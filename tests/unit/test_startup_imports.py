"""Importing the Definitions loads Dagster and our own modules, not the heavy libraries:
every run worker, code server and step process pays the import, so litellm, torch, the
embedding model's libraries, the Qdrant client, pip-audit, the MinIO SDK and the Kubernetes
client load where they are first used; OpenTelemetry only when an exporter is configured,
prometheus_client only in the metrics exporter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOADED_WHERE_USED = (
    "litellm",
    "openai",
    "torch",
    "sentence_transformers",
    "transformers",
    "qdrant_client",
    "pip_audit",
    "minio",
    "bandit",
    "dagster_k8s",
    "kubernetes",
    "opentelemetry",
    "prometheus_client",
)

_PROBE = (
    "import json, sys\n"
    "import quantumlayer_dagster.definitions as d\n"
    "assert d.defs is not None\n"
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _modules_after(probe: str, tmp_path: Path) -> set[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
        "PYTHONPATH": str(ROOT),
        "QL_HOME": str(tmp_path),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_definitions_leaves_the_heavy_libraries_unloaded(tmp_path):
    loaded = _modules_after(_PROBE, tmp_path)
    assert "dagster" in loaded  # the probe did import the definitions
    assert sorted(loaded.intersection(LOADED_WHERE_USED)) == []


_TRACING_OFF_PROBE = (
    "import json, sys\n"
    "import quantumlayer_dagster.definitions\n"
    "from quantumlayer_dagster.observability import tracing, traced_calls\n"
    "with tracing.run_span('r', {}, job='j', request_id='') as run:\n"
    "    with tracing.step_scope('r', {}, 'frd', '') as step:\n"
    "        with tracing.child_span('x', {}), traced_calls.tool_span('t') as done:\n"
    "            tracing.finished_span('y', {}, 0)\n"
    "            assert tracing.trace_annotations() == {} and run.trace_id == ''\n"
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def test_with_tracing_off_the_hooks_import_nothing_of_opentelemetry(tmp_path):
    loaded = _modules_after(_TRACING_OFF_PROBE, tmp_path)
    assert "quantumlayer_dagster" in loaded
    assert "opentelemetry" not in loaded
