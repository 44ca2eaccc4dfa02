"""Benchmark: backup and restore of a deployment holding ``--requests`` finished requests.

1. A deployment on Postgres (a fresh database on 127.0.0.1:5432, the shipped top-level
   ``dagster.yaml``) with local stores under a temporary ``QL_HOME`` is filled with
   ``--requests`` requests run through the whole graph in-process by ``--workers``
   processes, the LLM being the scripted provider (zero latency; a test double for a hosted
   model), vector memory off.
2. ``quantumlayer backup DEST`` (the console script, as an operator runs it) is timed.
3. ``quantumlayer restore`` into a second, empty deployment (another folder, another fresh
   database) is timed, and the restored instance is checked to hold every run.

Baselines in the same run: ``pg_dump`` of the database alone and ``tar czf`` of the artifact
folder alone (what a hand-made backup of the two biggest parts costs).

Prints ``name: value`` lines: ``requests``, ``runs``, ``backup_s``, ``restore_s``,
``backup_bytes`` and one ``part_bytes_<name>`` per part, ``objects``, ``baseline_s`` (pg_dump
plus tar) and ``backup_over_baseline``; ``fill_s`` (how long making the requests took).

    .venv/bin/python bench/backup.py [--requests 100] [--workers 2]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from tests.conftest import SCRIPTED_CONFIG  # noqa: E402
from tests.fixtures.postgres import fresh_postgres_database  # noqa: E402

BIN = Path(sys.executable).parent

# One worker: N requests run in-process on the deployment the environment describes.
WORKER = """
import sys
import dagster as dg
from quantumlayer_cli.local_run import run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.settings import Settings
from tests.fixtures import wordcount

register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
settings = Settings.from_env()
definitions = build_definitions(settings)
instance = dg.DagsterInstance.get()
for i in range(int(sys.argv[1])):
    outcome = run_request(
        settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
    )
    print(outcome.request_id, outcome.success, flush=True)
"""


def deployment_env(home: Path, db_env: dict[str, str]) -> dict[str, str]:
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    config = home / "llm.scripted.yaml"
    config.write_text(SCRIPTED_CONFIG)
    return {
        **os.environ,
        **db_env,
        "QL_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "QL_LLM_CONFIG": str(config),
        "QL_MEMORY": "off",
        "QL_STORE": "local",
        "PYTHONPATH": str(ROOT),
    }


def fill(env: dict[str, str], requests: int, workers: int) -> int:
    shares = [requests // workers + (1 if i < requests % workers else 0) for i in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(n)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in shares
        if n
    ]
    ok = 0
    for proc in procs:
        out, _ = proc.communicate()
        ok += sum(1 for line in out.splitlines() if line.endswith(" True"))
    return ok


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - started


def runs_in(env: dict[str, str]) -> int:
    code = "import dagster as dg; print(dg.DagsterInstance.get().get_runs_count())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return int(out.stdout.strip() or -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ql-bench-backup-"))
    try:
        with fresh_postgres_database() as source_db, fresh_postgres_database() as target_db:
            source = deployment_env(work / "source", source_db.env())
            started = time.monotonic()
            finished = fill(source, args.requests, args.workers)
            fill_s = time.monotonic() - started

            dest = work / "backups"
            backup_s = timed([str(BIN / "quantumlayer"), "backup", str(dest)], source)
            [backup] = list(dest.iterdir())
            manifest = json.loads((backup / "manifest.json").read_text())

            pg_env = {**os.environ, "PGHOST": source_db.host, "PGPORT": str(source_db.port),
                      "PGUSER": source_db.user, "PGDATABASE": source_db.name}  # fmt: skip
            baseline_s = timed(["pg_dump", "-Fc", "-f", str(work / "baseline.pgdump")], pg_env)
            baseline_s += timed(
                [
                    "tar",
                    "czf",
                    str(work / "baseline.tar.gz"),
                    "-C",
                    str(work / "source"),
                    "artifacts",
                ],
                source,
            )

            target = deployment_env(work / "target", target_db.env())
            restore_s = timed([str(BIN / "quantumlayer"), "restore", str(backup)], target)
            restored_runs = runs_in(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"requests: {args.requests}")
    print(f"finished: {finished}")
    print(f"runs: {restored_runs}")
    print(f"fill_s: {fill_s:.1f}")
    print(f"backup_s: {backup_s:.2f}")
    print(f"restore_s: {restore_s:.2f}")
    print(f"backup_bytes: {sum(p['size'] for p in manifest['parts'])}")
    for part in manifest["parts"]:
        print(f"part_bytes_{part['name'].split('.')[0].replace('-', '_')}: {part['size']}")
    print(f"objects: {sum(len(p['objects']) for p in manifest['parts'] if p['kind'] == 'objects')}")
    print(f"baseline_s: {baseline_s:.2f}")
    print(f"backup_over_baseline: {backup_s / baseline_s:.2f}")


if __name__ == "__main__":
    main()
