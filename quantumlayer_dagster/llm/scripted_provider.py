"""A scripted LLM provider: a TEST DOUBLE, never the default.

It is registered with litellm as the custom provider ``scripted``, so a model string
``scripted/<anything>`` in an LLM config sends requests through ``litellm.completion``
exactly like a real provider, and this object answers them from fixtures:

- The asking stage is read from the request's litellm ``metadata["ql_stage"]``, which
  ``LiteLLMClient`` always sets (see ``request_tags``).
- ``fixtures`` maps a stage name to a reply, or to a list of replies given in order, the last
  one repeating. A reply is a string (sent as is), a pydantic model or a dict (sent as JSON).
- ``files`` maps a stage name to ``{path: reply or replies}`` for per-file requests: when a
  user message has a line ``file: <path>`` (``request_tags.file_line``; the latest one, so a
  repair message answering a per-file request counts) and that path has replies, they are
  used instead of the stage's.
- Usage counts words as tokens (prompt: all message contents; completion: the reply).
- Every request is kept in ``requests`` for assertions.
"""

import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from quantumlayer_dagster.llm.litellm_offline import (
    CustomLLM,
    CustomLLMError,
    ModelResponse,
    Usage,
    litellm,
)
from quantumlayer_dagster.llm.request_tags import STAGE_METADATA_KEY, latest_file

SCRIPTED_PROVIDER = "scripted"

Reply = str | BaseModel | Mapping[str, Any]
Replies = Reply | Sequence[Reply]


@dataclass(frozen=True)
class ScriptedRequest:
    """One request the scripted provider received."""

    stage: str
    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    """What litellm passed on for the provider: response_format, max_tokens, temperature..."""
    file: str | None
    """The path from a ``file: <path>`` line in the last user message, if any."""
    api_key_sent: bool
    """Whether the request carried an API key (the key itself is not kept)."""


class _ReplyQueue:
    def __init__(self, replies: Replies):
        items = [replies] if isinstance(replies, str | BaseModel | Mapping) else list(replies)
        if not items:
            raise ValueError("a scripted fixture needs at least one reply")
        self._items = [_as_text(item) for item in items]
        self._next = 0

    def pop(self) -> str:
        text = self._items[min(self._next, len(self._items) - 1)]
        self._next += 1
        return text


class ScriptedProvider(CustomLLM):
    """Answers litellm requests from fixtures keyed by stage (and file); a test double."""

    def __init__(
        self,
        fixtures: Mapping[str, Replies],
        *,
        files: Mapping[str, Mapping[str, Replies]] | None = None,
        latency_s: float = 0.0,
    ):
        super().__init__()
        self.latency_s = latency_s
        self.requests: list[ScriptedRequest] = []
        self._stages = {stage: _ReplyQueue(r) for stage, r in fixtures.items()}
        self._files = {
            (stage, path): _ReplyQueue(r)
            for stage, by_path in (files or {}).items()
            for path, r in by_path.items()
        }
        # Dagster may run steps in threads; fixture order must stay per stage.
        self._lock = threading.Lock()

    def requests_for(self, stage: str) -> list[ScriptedRequest]:
        """The requests one stage made, in order."""
        return [r for r in self.requests if r.stage == stage]

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """Answer one litellm completion request (called by litellm, keyword arguments only)."""
        messages: list[dict[str, Any]] = kwargs["messages"]
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        stage = metadata.get(STAGE_METADATA_KEY)
        if not stage:
            raise CustomLLMError(
                400,
                f"scripted provider: request has no metadata[{STAGE_METADATA_KEY!r}]; "
                "call it through LiteLLMClient",
            )
        path = latest_file(messages)
        with self._lock:
            self.requests.append(
                ScriptedRequest(
                    stage=stage,
                    model=kwargs["model"],
                    messages=[dict(m) for m in messages],
                    params=dict(kwargs.get("optional_params") or {}),
                    file=path,
                    api_key_sent=bool(kwargs.get("api_key")),
                )
            )
            queue = self._files.get((stage, path or "")) or self._stages.get(stage)
            if queue is None:
                asked = f"stage {stage!r}" + (f", file {path!r}" if path else "")
                known = ", ".join(sorted(self._stages)) or "none"
                raise CustomLLMError(
                    404, f"scripted provider: no reply for {asked} (stages scripted: {known})"
                )
            text = queue.pop()
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = text
        response.choices[0].finish_reason = "stop"
        prompt_tokens = max(1, sum(_word_count(m.get("content")) for m in messages))
        completion_tokens = max(1, _word_count(text))
        response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        response.model = f"{SCRIPTED_PROVIDER}/{kwargs['model']}"
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """The async form of ``completion`` (litellm's acompletion and the Router use it)."""
        return self.completion(*args, **kwargs)


def register_scripted_provider(
    fixtures: Mapping[str, Replies],
    *,
    files: Mapping[str, Mapping[str, Replies]] | None = None,
    latency_s: float = 0.0,
) -> ScriptedProvider:
    """Install a new ScriptedProvider as litellm's ``scripted`` provider and return it.

    It replaces any scripted provider installed before, so each test starts clean.
    """
    provider = ScriptedProvider(fixtures, files=files, latency_s=latency_s)
    others = [i for i in litellm.custom_provider_map if i["provider"] != SCRIPTED_PROVIDER]
    litellm.custom_provider_map = [
        *others,
        {"provider": SCRIPTED_PROVIDER, "custom_handler": provider},
    ]
    return provider


def _as_text(reply: Reply) -> str:
    if isinstance(reply, str):
        return reply
    if isinstance(reply, BaseModel):
        return reply.model_dump_json()
    return json.dumps(reply)


def _word_count(content: Any) -> int:
    return len(str(content).split()) if content else 0
