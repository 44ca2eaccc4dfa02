"""Importing the Definitions loads Dagster and our own modules, not the heavy libraries:
every run worker, code server and step process pays the import, so litellm, torch, the
embedding model's libraries, the Qdrant client, pip-audit, the MinIO SDK and the Kubernetes
client load where they are first used."""

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
)

_PROBE = (
    "import json, sys\n"
    "import quantumlayer_dagster.definitions as d\n"
    "assert d.defs is not None\n"
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _modules_after_importing_definitions(tmp_path: Path) -> set[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QL_HOME": str(tmp_path),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_definitions_leaves_the_heavy_libraries_unloaded(tmp_path):
    loaded = _modules_after_importing_definitions(tmp_path)
    assert "dagster" in loaded  # the probe did import the definitions
    assert sorted(loaded.intersection(LOADED_WHERE_USED)) == []
