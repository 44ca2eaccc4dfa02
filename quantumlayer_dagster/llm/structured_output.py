"""Asking for JSON: the ``response_format`` per mode, the schema instruction, reading the
reply, and the repair message sent back after an invalid one."""

import json
import re
from typing import Any

from quantumlayer_dagster.llm.config import StructuredOutput
from quantumlayer_dagster.llm.protocol import Message

_FENCED = re.compile(r"\A\s*```[\w.+#-]*[ \t]*\n(?P<body>.*?)\n?[ \t]*```\s*\Z", re.DOTALL)
_INNER_FENCE = re.compile(r"^[ \t]*```", re.MULTILINE)

GRAMMAR_MAX_STRING = 300
"""Longest string bound sent to llama.cpp. Its schema-to-grammar converter unrolls
``maxLength`` into nested rules; at 1200 characters the grammar exceeds llama.cpp's limits and
the server process dies ("number of rules ... exceeds sane defaults"). Measured: 300 works for
every stage schema. Replies are still validated against the model's own, looser bounds."""


def strip_fence(text: str) -> str:
    """``text`` without its surrounding ``` fence when the whole reply is one fenced block.

    Anything else (prose around the block, several blocks, no fence) comes back unchanged, so
    Markdown documents keep their code blocks. To pull the code out of a chatty reply, use
    ``code_blocks.extract_code``.
    """
    match = _FENCED.match(text)
    if match is None or _INNER_FENCE.search(match["body"]):
        return text
    return match["body"]


def grammar_safe_schema(schema: Any) -> Any:
    """``schema`` with every ``maxLength`` capped at GRAMMAR_MAX_STRING (property names kept)."""
    if isinstance(schema, list):
        return [grammar_safe_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "maxLength" and isinstance(value, int):
            out[key] = min(value, GRAMMAR_MAX_STRING)
        elif key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: grammar_safe_schema(sub) for name, sub in value.items()}
        else:
            out[key] = grammar_safe_schema(value)
    return out


def response_format(
    mode: StructuredOutput, name: str, target: dict[str, Any]
) -> dict[str, Any] | None:
    """The ``response_format`` for ``mode`` asking for ``target`` (None: send none)."""
    if mode == "json_schema":
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "reply"
        return {"type": "json_schema", "json_schema": {"name": safe_name, "schema": target}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": grammar_safe_schema(target)}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def with_schema_instruction(messages: list[Message], target: dict[str, Any]) -> list[Message]:
    """Put the schema into the system message, for modes where decoding does not enforce it."""
    instruction = (
        "Reply with one JSON object and nothing else (no prose, no code fence). "
        f"It must match this JSON schema:\n{json.dumps(target, separators=(',', ':'))}"
    )
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def parse_json(text: str) -> Any:
    """The reply's JSON value. Raw newlines and tabs inside strings are accepted (a grammar-
    constrained llama.cpp reply writes Markdown paragraphs that way); anything else that is
    not JSON raises ValueError."""
    return json.loads(_json_candidate(text), strict=False)


def _json_candidate(text: str) -> str:
    """The part of a reply that should be the JSON object: unfenced, prose trimmed away."""
    body = strip_fence(text).strip()
    if body.startswith(("{", "[")):
        return body
    start, end = body.find("{"), body.rfind("}")
    return body[start : end + 1] if 0 <= start < end else body


def repair_message(error: str, truncated: bool) -> str:
    """The user message answering an invalid reply: the error, and what to do."""
    shorter = " Your reply was cut off: keep it shorter." if truncated else ""
    return (
        f"That reply was not valid: {error}.{shorter} "
        "Reply again with only the corrected JSON object."
    )
