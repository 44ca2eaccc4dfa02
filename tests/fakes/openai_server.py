"""A fake OpenAI-compatible HTTP server: a TEST DOUBLE for a hosted LLM provider.

A real HTTP server on 127.0.0.1 (a free port, a background thread) speaking the OpenAI
chat-completions API: ``POST /v1/chat/completions`` (usage tokens in every reply) and
``GET /v1/models``. It answers from scripted replies and injects latency and faults, so
tests exercise the real client stack (litellm, the OpenAI SDK, httpx, sockets).

- The asking stage comes from the ``X-QuantumLayer-Stage`` header; without it, from the
  system prompt (each stage's prompt template, ``quantumlayer_dagster/prompts``). The file
  of a per-file request comes from ``X-QuantumLayer-File``, else its ``file: <path>`` line.
- ``replies`` maps a stage to a reply or a list of replies (the last repeating); ``files``
  maps a stage to ``{path: reply or replies}``, as for the scripted provider (defaults: the
  word-count conversation of ``tests/fixtures/wordcount_stages.py``). A reply is a string,
  a pydantic model or a dict (sent as JSON). A reply is used up only when it is delivered.
- A request with ``n`` > 1 gets n choices, the next n replies, as OpenAI's API does;
  ``honours_n=False`` answers one choice whatever ``n`` says, as llama-cpp-python does.
- Faults are queued with ``fail`` (see ``faults.FaultRule``); ``latency_s`` delays every
  answer; ``max_in_flight`` bounds the requests being answered at once, as a hosted
  provider's concurrency limit does (the others wait for a free slot).
- Every request is logged (stage, file, per-stage call number, headers, body, the fault
  injected, when it arrived and was answered) so tests count calls on the server side.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel

from quantumlayer_dagster.llm.request_tags import FILE_HEADER, STAGE_HEADER, latest_file
from quantumlayer_dagster.prompts import load_template
from tests.fakes.chat_wire import bearer, completion, error, reset, send_json
from tests.fakes.faults import MALFORMED_JSON, WRONG_SHAPE, Fault, FaultRule
from tests.fixtures import wordcount

TEMPLATE_STAGES = {
    "enhance": "enhanced_prompt",
    "frd": "frd",
    "requirements": "requirements_spec",
    "structure": "project_structure",
    "interface": "project_structure",
    "examples": "project_structure",
    "body": "code_tree",
    "test_plan": "test_plan",
    "test_cases": "test_plan",
    "docs": "docs",
}
"""Prompt template -> the stage that uses it, to tell stages apart without the header."""

Reply = str | BaseModel | Mapping[str, Any]
Replies = Reply | Sequence[Reply]


@dataclass
class ReceivedRequest:
    """One request the server received, and what it did with it."""

    stage: str
    file: str | None
    call: int
    """1-based number of this request among its stage's requests."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: dict[str, Any]
    fault: Fault | None
    received_at: float
    """``time.monotonic()`` when the request arrived."""
    answered_at: float | None = None
    """When the answer (or the fault) was delivered; None while pending."""


@dataclass
class _Script:
    replies: dict[str, list[str]]
    files: dict[tuple[str, str], list[str]]
    used: Counter[tuple[str, str]] = field(default_factory=Counter)

    def next_reply(self, stage: str, file: str | None) -> str | None:
        key = (stage, file or "")
        items = self.files.get(key) or self.replies.get(stage)
        if items is None:
            return None
        text = items[min(self.used[key], len(items) - 1)]
        self.used[key] += 1
        return text


class FakeOpenAIServer:
    """A real OpenAI-compatible server on 127.0.0.1 with scripted replies and faults.

    Use as a context manager (or ``start``/``stop``); ``base_url`` is the ``api_base``.
    """

    def __init__(
        self,
        replies: Mapping[str, Replies] | None = None,
        files: Mapping[str, Mapping[str, Replies]] | None = None,
        *,
        latency_s: float = 0.0,
        retry_after_s: int = 1,
        hang_s: float = 60.0,
        models: Sequence[str] = ("fake-model",),
        max_in_flight: int | None = None,
        honours_n: bool = True,
    ):
        replies = wordcount.STAGE_REPLIES if replies is None else replies
        files = wordcount.FILE_REPLIES if files is None else files
        self._script = _Script(
            replies={stage: _texts(r) for stage, r in replies.items()},
            files={(s, p): _texts(r) for s, by_path in files.items() for p, r in by_path.items()},
        )
        self.latency_s = latency_s
        self.honours_n = honours_n
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else None
        self.retry_after_s = retry_after_s
        self.hang_s = hang_s
        self.models = list(models)
        self.requests: list[ReceivedRequest] = []
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FakeOpenAIServer":
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests left hanging (``timeout``) are released."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake OpenAI server is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``api_base`` for litellm: ``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting -------------------------------------------------------------------------

    def fail(
        self,
        fault: Fault,
        stage: str | None = None,
        *,
        file: str | None = None,
        call: int | None = None,
        times: int | None = 1,
    ) -> FaultRule:
        """Queue a fault (see ``FaultRule``); rules are tried in the order they were added."""
        rule = FaultRule(fault=fault, stage=stage, file=file, call=call, times=times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Drop every fault rule: from now on every request is answered."""
        with self._lock:
            self._rules.clear()

    # -- the request log -------------------------------------------------------------------

    def count(self, stage: str | None = None, *, file: str | None = None) -> int:
        """How many requests arrived (for ``stage`` and/or ``file`` when given)."""
        return len(self.requests_for(stage, file=file))

    def requests_for(
        self, stage: str | None = None, *, file: str | None = None
    ) -> list[ReceivedRequest]:
        """The logged requests of ``stage`` (and ``file``), in arrival order."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (stage is None or r.stage == stage) and (file is None or r.file == file)
            ]

    def calls_per_stage(self) -> Counter[str]:
        """Stage -> number of requests received."""
        with self._lock:
            return Counter(r.stage for r in self.requests)

    def calls_per_file(self, stage: str) -> Counter[str]:
        """Path -> number of requests received for ``stage``'s per-file calls."""
        with self._lock:
            return Counter(r.file for r in self.requests if r.stage == stage and r.file)

    # -- answering -------------------------------------------------------------------------

    def _handle(self, handler: "_Handler") -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
            messages = body["messages"]
        except (ValueError, KeyError, TypeError):
            send_json(handler, 400, error("request body is not a chat completion request"))
            return
        headers = {k.lower(): v for k, v in handler.headers.items()}
        stage = handler.headers.get(STAGE_HEADER) or stage_of(messages) or "?"
        path = handler.headers.get(FILE_HEADER) or latest_file(messages)
        with self._lock:
            stage_call = 1 + sum(1 for r in self.requests if r.stage == stage)
            file_call = 1 + sum(1 for r in self.requests if r.stage == stage and r.file == path)
            rule = next(
                (r for r in self._rules if r.matches(stage, path, stage_call, file_call)), None
            )
            if rule is not None:
                rule.use()
            fault = rule.fault if rule else None
            text = self._script.next_reply(stage, path) if fault is None else None
            n = int(body.get("n") or 1) if self.honours_n and text is not None else 1
            more = [self._script.next_reply(stage, path) or "" for _ in range(n - 1)]
            record = ReceivedRequest(
                stage=stage,
                file=path,
                call=stage_call,
                headers=headers,
                body=body,
                fault=fault,
                received_at=time.monotonic(),
            )
            self.requests.append(record)
        if self._slots is not None:
            self._slots.acquire()
        try:
            if self.latency_s > 0 and self._stopping.wait(self.latency_s):
                return
            self._deliver(handler, record, fault, text, body, messages, more)
        finally:
            record.answered_at = time.monotonic()
            if self._slots is not None:
                self._slots.release()

    def _deliver(
        self,
        handler: "_Handler",
        record: ReceivedRequest,
        fault: Fault | None,
        text: str | None,
        body: dict[str, Any],
        messages: list[dict[str, Any]],
        more: list[str],
    ) -> None:
        key = bearer(handler.headers.get("Authorization"))
        if fault == "429":
            message = f"Rate limit reached for requests; retry after {self.retry_after_s}s"
            send_json(
                handler,
                429,
                error(message, "rate_limit_exceeded"),
                {"Retry-After": str(self.retry_after_s)},
            )
        elif fault == "401":
            # Real providers echo (part of) the key; this one echoes all of it.
            send_json(handler, 401, error(f"Incorrect API key provided: {key}", "invalid_api_key"))
        elif fault == "500":
            send_json(handler, 500, error(f"internal error serving key {key}", "server_error"))
        elif fault == "503":
            send_json(handler, 503, error("service unavailable: overloaded", "server_error"))
        elif fault == "reset":
            reset(handler)
        elif fault == "timeout":
            self._stopping.wait(self.hang_s)
            handler.close_connection = True
        elif fault == "truncated":
            payload = json.dumps(completion(body, messages, "this body is cut off " * 20))
            data = payload.encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
        elif text is None and fault is None:
            known = ", ".join(sorted(self._script.replies)) or "none"
            message = f"fake server: no reply scripted for stage {record.stage!r} ({known})"
            send_json(handler, 404, error(message, "not_found"))
        else:
            content = {"malformed_json": MALFORMED_JSON, "wrong_shape": WRONG_SHAPE, "empty": ""}
            reply = content[fault] if fault is not None else (text or "")
            send_json(handler, 200, completion(body, messages, reply, *more))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        fake: FakeOpenAIServer = self.server.fake  # type: ignore[attr-defined]
        if self.path.rstrip("/") not in ("/v1/models", "/models"):
            send_json(self, 404, error(f"no route {self.path}", "not_found"))
            return
        data = [{"id": m, "object": "model", "owned_by": "fake"} for m in fake.models]
        send_json(self, 200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        fake: FakeOpenAIServer = self.server.fake  # type: ignore[attr-defined]
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            send_json(self, 404, error(f"no route {self.path}", "not_found"))
            return
        fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the request log, not stderr."""

    def handle_one_request(self) -> None:
        # A reset or a client that gave up leaves a dead socket; that is the point, not news.
        try:
            super().handle_one_request()
        except OSError:
            self.close_connection = True


def stage_of(messages: list[dict[str, Any]]) -> str | None:
    """The stage whose prompt template starts the system message, or None."""
    system = next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), "")
    for template, stage in TEMPLATE_STAGES.items():
        if system.startswith(load_template(template).system):
            return stage
    return None


def _texts(replies: Replies) -> list[str]:
    items = [replies] if isinstance(replies, str | BaseModel | Mapping) else list(replies)
    if not items:
        raise ValueError("a scripted stage needs at least one reply")
    return [
        r
        if isinstance(r, str)
        else r.model_dump_json()
        if isinstance(r, BaseModel)
        else json.dumps(r)
        for r in items
    ]
