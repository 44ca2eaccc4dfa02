"""The embedding service (MiniLM loaded once per machine) gives the runs exactly the vectors
and recall results of the model loaded in their own process, through litellm's
OpenAI-compatible embedding path. The service is real, on 127.0.0.1."""

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
from quantumlayer_dagster.memory.embedder import (
    MiniLMEmbedder,
    MiniLMServiceEmbedder,
    embedder_named,
)
from quantumlayer_dagster.memory.embedding_server import make_server
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from tests.fixtures.dagster_servers import free_port
from tests.fixtures.memory import (
    INVOICE_PDF,
    WEATHER_STATION,
    WORD_COUNTER,
    WORD_FREQUENCY_PROMPT,
    minilm,
)

__all__ = ["minilm"]  # fixture, used by name


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_service_gives_the_in_process_vectors_bit_for_bit(service, minilm) -> None:
    texts = [WORD_COUNTER, WEATHER_STATION, INVOICE_PDF]
    served = MiniLMServiceEmbedder(service).embed(texts)
    assert served == minilm.embed(texts)
    assert len(served[0]) == 384


def test_recall_through_the_service_matches_recall_in_process(service, minilm, tmp_path) -> None:
    def recall(embedder, folder: Path) -> list[tuple[str, float]]:
        memory = QdrantMemory(embedder, path=folder)
        for rid, brief in (("r-words", WORD_COUNTER), ("r-weather", WEATHER_STATION)):
            memory.record(rid, brief, RequestOutcome(gates_passed=True))
        return [(m.request_id, m.score) for m in memory.similar(WORD_FREQUENCY_PROMPT, 2, 0.0)]

    in_process = recall(minilm, tmp_path / "in-process")
    served = recall(MiniLMServiceEmbedder(service), tmp_path / "served")
    assert served == in_process
    assert served[0][0] == "r-words"


def test_vectors_from_the_service_and_in_process_share_one_collection(service, minilm, tmp_path):
    QdrantMemory(minilm, path=tmp_path / "q").record(
        "r-1", WORD_COUNTER, RequestOutcome(gates_passed=True)
    )
    [found] = QdrantMemory(MiniLMServiceEmbedder(service), path=tmp_path / "q").similar(
        WORD_COUNTER, 1, 0.99
    )
    assert found.request_id == "r-1"


def test_minilm_with_an_api_base_is_served_not_loaded(service) -> None:
    assert isinstance(embedder_named("minilm", api_base=service), MiniLMServiceEmbedder)
    assert type(embedder_named("minilm", service="process")) is MiniLMEmbedder


def test_the_service_answers_base64_as_openai_does(service, minilm) -> None:
    import base64
    import struct

    reply = httpx.post(
        f"{service}/embeddings",
        json={"input": WORD_COUNTER, "model": "x", "encoding_format": "base64"},
    ).json()
    raw = base64.b64decode(reply["data"][0]["embedding"])
    vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    assert vector == minilm.embed([WORD_COUNTER])[0]  # float32 to begin with


def test_a_malformed_request_gets_a_400_naming_the_fix(service) -> None:
    reply = httpx.post(f"{service}/embeddings", json={"input": [1, 2]})
    assert reply.status_code == 400
    assert "list of strings" in reply.json()["error"]["message"]


def test_a_service_that_is_not_running_names_how_to_start_it() -> None:
    embedder = MiniLMServiceEmbedder(f"http://127.0.0.1:{free_port()}/v1", timeout_s=5)
    with pytest.raises(MemoryUnavailable, match="make embedding-service"):
        embedder.embed([WORD_COUNTER])
