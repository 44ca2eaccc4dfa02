"""The OpenAI chat-completions wire format as the fake server writes it: completions with
usage, error bodies, and the socket tricks behind the transport faults."""

import json
import socket
import struct
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any


def completion(
    body: dict[str, Any], messages: list[dict[str, Any]], text: str, *more: str
) -> dict[str, Any]:
    """A ``chat.completion`` answering ``body`` with ``text`` (and a choice for each of
    ``more``); tokens counted as words, the completion's over every choice."""
    prompt_tokens = max(1, sum(len(str(m.get("content") or "").split()) for m in messages))
    completion_tokens = sum(len(t.split()) for t in (text, *more))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or "fake-model"),
        "choices": [
            {
                "index": index,
                "message": {"role": "assistant", "content": choice},
                "finish_reason": "stop",
            }
            for index, choice in enumerate((text, *more))
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def error(message: str, code: str = "invalid_request_error") -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> None:
    """Answer with ``payload`` as JSON, with a Content-Length (the connection stays open)."""
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the socket with SO_LINGER 0, so the client gets a TCP RST, not a clean FIN."""
    sock: socket.socket = handler.connection
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    sock.close()


def bearer(value: str | None) -> str:
    """The key from an ``Authorization: Bearer <key>`` header value."""
    return (value or "").removeprefix("Bearer ").strip()
