"""Benchmark: the vector memory (MiniLM embeddings, Qdrant local mode) at a given size.

Prints ``name: value`` lines: the model's load time, one brief's embedding time, and the
median time of ``record`` and ``similar`` through QdrantMemory, which opens the folder under
its lock for every operation, and of ``similar`` on precomputed vectors (the store's part
alone: lock, open, search, close) against the baseline of the same search on a Qdrant
client kept open (``open_overhead_ratio`` = store part / baseline).

    .venv/bin/python bench/memory.py [--size 200] [--repeats 20]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200, help="requests stored")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    from qdrant_client import QdrantClient, models

    from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
    from quantumlayer_dagster.memory.embedder import MiniLMEmbedder, minilm_model
    from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
    from tests.fixtures.memory import INVOICE_PDF, WEATHER_STATION, WORD_COUNTER

    start = time.perf_counter()
    minilm_model()
    print(f"model_load_s: {time.perf_counter() - start:.2f}")

    embedder = MiniLMEmbedder()
    texts = [WORD_COUNTER, WEATHER_STATION, INVOICE_PDF]
    briefs = [f"{texts[i % 3]} (variant {i})" for i in range(args.size)]
    print(f"embed_ms: {_median_ms(lambda i: embedder.embed([briefs[i]]), args.repeats):.1f}")
    vectors = embedder.embed(briefs)

    folder = Path(tempfile.mkdtemp(prefix="ql-bench-memory-"))
    memory = QdrantMemory(embedder, path=folder / "qdrant")
    outcome = RequestOutcome(gates_passed=True)
    for i in range(args.size - args.repeats):
        memory.record(f"r-{i}", briefs[i], outcome)
    offset = args.size - args.repeats
    record_ms = _median_ms(
        lambda i: memory.record(f"r-{offset + i}", briefs[offset + i], outcome), args.repeats
    )
    print(f"stored: {memory.count()}")
    print(f"record_ms: {record_ms:.1f}")
    similar_ms = _median_ms(lambda i: memory.similar(briefs[i], 3, 0.4), args.repeats)
    print(f"similar_ms: {similar_ms:.1f}")

    # The store's part alone: the same memory with the vectors already computed.
    known = dict(zip(briefs, vectors, strict=True))

    class Precomputed:
        name = embedder.name

        def embed(self, batch: list[str]) -> list[list[float]]:
            return [known[t] for t in batch]

    store_only = QdrantMemory(Precomputed(), path=folder / "qdrant")
    store_ms = _median_ms(lambda i: store_only.similar(briefs[i], 3, 0.4), args.repeats)
    print(f"similar_store_ms: {store_ms:.1f}")

    # Baseline: the same search in a client that stays open (no lock, no open/close).
    baseline = QdrantClient(path=str(folder / "baseline"))
    baseline.create_collection(
        "b", vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE)
    )
    baseline.upsert("b", [models.PointStruct(id=i, vector=v) for i, v in enumerate(vectors)])
    search_ms = _median_ms(
        lambda i: baseline.query_points("b", query=vectors[i], limit=3, score_threshold=0.4),
        args.repeats,
    )
    baseline.close()
    print(f"baseline_open_client_search_ms: {search_ms:.2f}")
    print(f"open_overhead_ratio: {store_ms / search_ms:.1f}")


if __name__ == "__main__":
    main()
