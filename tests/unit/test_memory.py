"""The vector memory: real MiniLM embeddings, Qdrant local mode in a temporary folder."""

import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
from quantumlayer_dagster.memory.folder_lock import exclusive_access
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.memory.qdrant_memory import LOCK_FILE
from tests.fixtures.memory import (
    INVOICE_PDF,
    WEATHER_STATION,
    WORD_COUNTER,
    WORD_FREQUENCY_PROMPT,
)

PASSED = RequestOutcome(gates_passed=True, capsule_key="capsules/r-1.tar.gz", models=["m"])
FAILED = RequestOutcome(gates_passed=False, failed_gates=["tests_pass"], capsule_key="c")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_minilm_gives_unit_length_384_dimension_vectors(minilm) -> None:
    [vector] = minilm.embed([WORD_COUNTER])
    assert len(vector) == 384
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, rel_tol=1e-4)


def test_minilm_scores_a_reworded_request_above_unrelated_ones(minilm) -> None:
    query, counter, weather, invoice = minilm.embed(
        [WORD_FREQUENCY_PROMPT, WORD_COUNTER, WEATHER_STATION, INVOICE_PDF]
    )
    related = cosine(query, counter)
    assert related > 0.5
    assert related > cosine(query, weather) + 0.3
    assert related > cosine(query, invoice) + 0.3


def test_recorded_request_is_found_again_with_its_outcome(make_memory) -> None:
    memory = make_memory()
    memory.record("r-counter", WORD_COUNTER, PASSED)
    memory.record("r-weather", WEATHER_STATION, FAILED)

    found = memory.similar(WORD_FREQUENCY_PROMPT, limit=3, min_score=0.4)

    assert [p.request_id for p in found] == ["r-counter"]
    assert found[0].text == WORD_COUNTER
    assert found[0].outcome == PASSED
    assert found[0].embedder == "minilm:all-MiniLM-L6-v2"
    assert 0.5 < found[0].score <= 1.0


def test_results_come_best_first_and_respect_the_limit(make_memory) -> None:
    memory = make_memory()
    for rid, text in [("w", WEATHER_STATION), ("c", WORD_COUNTER), ("i", INVOICE_PDF)]:
        memory.record(rid, text, PASSED)

    found = memory.similar(WORD_FREQUENCY_PROMPT, limit=2, min_score=-1.0)

    assert len(found) == 2
    assert found[0].request_id == "c"
    assert found[0].score >= found[1].score


def test_a_memory_persists_across_instances_of_the_same_folder(make_memory) -> None:
    make_memory().record("r-counter", WORD_COUNTER, PASSED)
    assert [p.request_id for p in make_memory().similar(WORD_COUNTER, 1, 0.9)] == ["r-counter"]


def test_recording_a_request_again_replaces_its_entry(make_memory) -> None:
    memory = make_memory()
    memory.record("r-1", WORD_COUNTER, FAILED)
    memory.record("r-1", WORD_COUNTER, PASSED)
    assert memory.count() == 1
    assert memory.similar(WORD_COUNTER, 3, 0.5)[0].outcome.gates_passed


def test_exclude_leaves_out_the_asking_request(make_memory) -> None:
    memory = make_memory()
    memory.record("r-1", WORD_COUNTER, PASSED)
    assert memory.similar(WORD_COUNTER, 3, 0.0, exclude="r-1") == []


def test_an_empty_memory_finds_nothing(make_memory) -> None:
    assert make_memory().similar(WORD_COUNTER, 3, 0.0) == []


def _hold_lock_in_another_process(lock: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = (
        "import fcntl, sys, time\n"
        f"f = open({str(lock)!r}, 'a+b')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
    return proc


def test_a_folder_busy_in_another_process_is_waited_for(make_memory, tmp_path) -> None:
    memory = make_memory(wait_s=20)
    memory.record("r-1", WORD_COUNTER, PASSED)
    holder = _hold_lock_in_another_process(tmp_path / "qdrant" / LOCK_FILE, 1.0)
    started = time.monotonic()
    found = memory.similar(WORD_COUNTER, 1, 0.5)
    waited = time.monotonic() - started
    holder.wait()
    assert [p.request_id for p in found] == ["r-1"]
    assert waited > 0.5  # it queued behind the other process instead of failing


def test_a_folder_busy_longer_than_the_wait_gives_a_clear_reason(make_memory, tmp_path) -> None:
    memory = make_memory(wait_s=0.3)
    memory.record("r-1", WORD_COUNTER, PASSED)
    holder = _hold_lock_in_another_process(tmp_path / "qdrant" / LOCK_FILE, 3.0)
    try:
        with pytest.raises(MemoryUnavailable, match=r"stayed busy for 0\.3s.*QL_MEMORY_URL"):
            memory.similar(WORD_COUNTER, 1, 0.5)
    finally:
        holder.kill()
        holder.wait()


def test_a_folder_held_open_by_a_foreign_qdrant_client_is_reported(make_memory, tmp_path) -> None:
    memory = make_memory(wait_s=0.3)
    memory.record("r-1", WORD_COUNTER, PASSED)
    foreign = QdrantClient(path=str(tmp_path / "qdrant"))
    try:
        with pytest.raises(MemoryUnavailable, match="held open by another Qdrant client"):
            memory.similar(WORD_COUNTER, 1, 0.5)
    finally:
        foreign.close()
    assert memory.similar(WORD_COUNTER, 1, 0.5)[0].request_id == "r-1"


def test_exclusive_access_excludes_a_second_opener_in_the_same_process(tmp_path) -> None:
    lock = tmp_path / "x.lock"
    with (
        exclusive_access(lock, wait_s=1),
        pytest.raises(MemoryUnavailable),
        exclusive_access(lock, wait_s=0.1),
    ):
        pass
    with exclusive_access(lock, wait_s=0.1):
        pass  # released after the first block
