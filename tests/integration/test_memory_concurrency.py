"""Two processes use one Qdrant local-mode folder at the same time: Qdrant alone refuses a
second client per folder, the memory's folder lock makes them take turns instead."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quantumlayer_dagster.memory.embedder import MiniLMEmbedder
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from tests.fixtures.memory import INVOICE_PDF, WEATHER_STATION, WORD_COUNTER

pytestmark = pytest.mark.slow

ROUNDS = 6

WORKER = """
import json, sys, time
from pathlib import Path
from quantumlayer_dagster.memory.embedder import MiniLMEmbedder
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from quantumlayer_dagster.artifacts.past_requests import RequestOutcome

name, folder, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
rounds, texts = int(sys.argv[4]), json.loads(sys.argv[5])
embedder = MiniLMEmbedder()
embedder.embed(["warm up"])  # load the model before the start line, so both race the store
memory = QdrantMemory(embedder, path=folder, wait_s=60)
while not go.exists():
    time.sleep(0.01)
spans, found = [], []
for i in range(rounds):
    start = time.time()
    memory.record(f"{name}-{i}", texts[i % len(texts)], RequestOutcome(gates_passed=i % 2 == 0))
    found.append([p.request_id for p in memory.similar(texts[i % len(texts)], 3, 0.0)])
    spans.append([start, time.time()])
print(json.dumps({"spans": spans, "found": found}))
"""


def start_worker(name: str, folder: Path, go: Path) -> subprocess.Popen[str]:
    texts = json.dumps([WORD_COUNTER, WEATHER_STATION, INVOICE_PDF])
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, name, str(folder), str(go), str(ROUNDS), texts],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_two_processes_record_and_search_one_folder_concurrently(tmp_path: Path) -> None:
    folder, go = tmp_path / "qdrant", tmp_path / "go"
    workers = {name: start_worker(name, folder, go) for name in ("a", "b")}
    time.sleep(0.5)
    go.touch()
    results = {}
    for name, proc in workers.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        results[name] = json.loads(out.strip().splitlines()[-1])

    # They really overlapped: each process worked while the other was working.
    a, b = (results[n]["spans"] for n in ("a", "b"))
    assert a[0][0] < b[-1][1] and b[0][0] < a[-1][1]
    # Every operation succeeded and every search found something already stored.
    for name in ("a", "b"):
        assert all(ids for ids in results[name]["found"])
        assert f"{name}-0" in results[name]["found"][0]
    memory = QdrantMemory(MiniLMEmbedder(), path=folder)
    assert memory.count() == 2 * ROUNDS
    found = {p.request_id for p in memory.similar(WORD_COUNTER, 2 * ROUNDS, 0.9)}
    assert found == {f"{n}-{i}" for n in ("a", "b") for i in range(0, ROUNDS, 3)}
