"""The embedding service: all-MiniLM-L6-v2 loaded once per machine, served to every run.

Loading MiniLM (torch, sentence-transformers, the weights) costs 15-25 s per process; in the
daemon set-up every run is a new process, so each request paid it again. This server loads
it once and answers the OpenAI embeddings API (``POST /v1/embeddings``, ``GET /health``) on
127.0.0.1, so the runs reach it through litellm's OpenAI-compatible embedding path
(``QL_MEMORY_EMBEDDING_API_BASE=http://127.0.0.1:8766/v1`` with the default ``minilm``
embedder). The vectors are the in-process model's, to the last bit: the same model, the
same normalisation, floats written as JSON (``base64`` float32 when asked, as OpenAI does).

    python -m quantumlayer_dagster.memory.embedding_server [--host 127.0.0.1] [--port 8766]
"""

import argparse
import base64
import json
import struct
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from quantumlayer_dagster.memory.embedder import MiniLMEmbedder

DEFAULT_PORT = 8766
SERVED_MODEL = "all-MiniLM-L6-v2"
MAX_INPUTS = 256
"""Most texts in one request; a brief is one text, a batch of past requests a few."""
MAX_BODY_BYTES = 4 * 1024 * 1024


class EmbeddingRequestError(ValueError):
    """A request the service cannot answer; the message says what to send instead."""


def embeddings_reply(body: dict[str, Any], embed: Any) -> dict[str, Any]:
    """The OpenAI embeddings reply for a request body, vectors from ``embed(texts)``."""
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise EmbeddingRequestError("'input' must be a string or a non-empty list of strings")
    if len(texts) > MAX_INPUTS:
        raise EmbeddingRequestError(f"{len(texts)} inputs; send at most {MAX_INPUTS} at once")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise EmbeddingRequestError("'encoding_format' must be 'float' or 'base64'")
    vectors: Sequence[list[float]] = embed(texts)
    return {
        "object": "list",
        "model": str(body.get("model") or SERVED_MODEL),
        "data": [
            {"object": "embedding", "index": i, "embedding": _encoded(v, encoding)}
            for i, v in enumerate(vectors)
        ],
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def make_server(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """The HTTP server (not started); the model loads on the first request, once."""
    embedder = MiniLMEmbedder()
    # One encode at a time: the model uses one intra-op thread, and requests queue here
    # rather than oversubscribing the cores.
    lock = threading.Lock()

    def embed(texts: list[str]) -> list[list[float]]:
        with lock:
            return embedder.embed(texts)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/health", "/v1/models"):
                self._reply(200, {"status": "ok", "data": [{"id": SERVED_MODEL}]})
            else:
                self._reply(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            if self.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
                self._reply(404, {"error": {"message": f"no route {self.path}"}})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                self._reply(413, {"error": {"message": f"body must be 1..{MAX_BODY_BYTES} bytes"}})
                return
            try:
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict):
                    raise EmbeddingRequestError("the body must be a JSON object")
                self._reply(200, embeddings_reply(body, embed))
            except (json.JSONDecodeError, EmbeddingRequestError) as exc:
                self._reply(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            except Exception as exc:  # the model failed: say so, keep serving
                self._reply(500, {"error": {"message": f"{type(exc).__name__}: {exc}"}})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # one line per request is noise here
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    server = make_server(args.host, args.port)
    MiniLMEmbedder().embed(["warm up"])  # load before announcing readiness
    print(f"embedding service: http://{args.host}:{args.port}/v1 ({SERVED_MODEL})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
