"""The litellm embedder against an OpenAI-compatible embeddings endpoint: a real HTTP
server on 127.0.0.1 standing in for a hosted provider (the edge we cannot reach)."""

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
from quantumlayer_dagster.memory.embedder import (
    LiteLLMEmbedder,
    LocalServiceEmbedder,
    MiniLMEmbedder,
    embedder_named,
)
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from tests.fixtures.memory import WEATHER_STATION, WORD_COUNTER


def letter_vector(text: str) -> list[float]:
    """A 26-dimension letter histogram, unit length: similar texts, similar vectors."""
    counts = [float(text.lower().count(chr(ord("a") + i))) for i in range(26)]
    norm = math.sqrt(sum(c * c for c in counts)) or 1.0
    return [c / norm for c in counts]


class EmbeddingServer:
    def __init__(self) -> None:
        self.inputs: list[list[str]] = []
        self.fail = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                server.inputs.append(texts)
                if server.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                reply = {
                    "object": "list",
                    "model": body["model"],
                    "data": [
                        {"object": "embedding", "index": i, "embedding": letter_vector(t)}
                        for i, t in enumerate(texts)
                    ],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def embedding_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddingServer]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    server = EmbeddingServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_litellm_embedder_returns_the_servers_vectors_in_order(embedding_server) -> None:
    embedder = LiteLLMEmbedder("openai/fake-embed", api_base=embedding_server.url)
    vectors = embedder.embed([WORD_COUNTER, WEATHER_STATION])
    assert embedding_server.inputs == [[WORD_COUNTER, WEATHER_STATION]]
    assert vectors[0] == pytest.approx(letter_vector(WORD_COUNTER))
    assert vectors[1] == pytest.approx(letter_vector(WEATHER_STATION))
    assert embedder.name == "litellm:openai/fake-embed"


def test_a_memory_works_with_a_litellm_embedder(embedding_server, tmp_path: Path) -> None:
    embedder = embedder_named("openai/fake-embed", api_base=embedding_server.url)
    memory = QdrantMemory(embedder, path=tmp_path / "q")
    memory.record("r-1", WORD_COUNTER, RequestOutcome(gates_passed=True))
    [found] = memory.similar(WORD_COUNTER, 3, 0.99)
    assert found.request_id == "r-1" and found.embedder == "litellm:openai/fake-embed"


def test_a_failing_embedding_server_gives_a_one_line_reason(embedding_server) -> None:
    embedding_server.fail = True
    embedder = LiteLLMEmbedder("openai/fake-embed", api_base=embedding_server.url, timeout_s=5)
    with pytest.raises(MemoryUnavailable, match="embedding model openai/fake-embed failed"):
        embedder.embed([WORD_COUNTER])


def test_switching_embedders_on_one_collection_names_the_fix(
    embedding_server, minilm, tmp_path: Path
) -> None:
    QdrantMemory(minilm, path=tmp_path / "q").record(
        "r-1", WORD_COUNTER, RequestOutcome(gates_passed=True)
    )
    other = QdrantMemory(
        LiteLLMEmbedder("openai/fake-embed", api_base=embedding_server.url), path=tmp_path / "q"
    )
    with pytest.raises(MemoryUnavailable, match=r"384-dimension.*QL_MEMORY_COLLECTION"):
        other.similar(WORD_COUNTER, 3, 0.0)


def test_minilm_is_the_default_embedder() -> None:
    assert type(embedder_named("")) is LocalServiceEmbedder
    assert type(embedder_named("minilm")) is LocalServiceEmbedder
    assert type(embedder_named("minilm", service="process")) is MiniLMEmbedder
