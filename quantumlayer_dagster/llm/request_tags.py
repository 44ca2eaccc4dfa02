"""What a request carries besides its messages, so a provider can tell who is asking.

- The stage name travels in litellm's ``metadata`` under ``STAGE_METADATA_KEY``. litellm keeps
  ``metadata`` for itself (logging, routing) and does not send it to the model, so real
  providers never see it; the scripted test double reads it to pick its fixture.
- The stage name (and, for a per-file request, the file) also travel as HTTP headers
  ``X-QuantumLayer-Stage`` / ``X-QuantumLayer-File`` on every request, so servers and proxies
  (and the fault-injection test server) can tell stages apart.
- A stage that asks for one file puts a line ``file: <path>`` in its user message
  (build it with ``file_line``), so a per-file fixture can be found for it.
"""

import re
from typing import Any

STAGE_METADATA_KEY = "ql_stage"
STAGE_HEADER = "X-QuantumLayer-Stage"
FILE_HEADER = "X-QuantumLayer-File"

_FILE_LINE = re.compile(r"^file:[ \t]*(\S.*?)\s*$", re.MULTILINE)


def stage_metadata(stage: str) -> dict[str, str]:
    """The ``metadata`` argument for ``litellm.completion`` that names the asking stage."""
    return {STAGE_METADATA_KEY: stage}


def request_headers(stage: str, file: str | None) -> dict[str, str]:
    """The ``extra_headers`` of a request: the stage, and the file when it asks for one."""
    headers = {STAGE_HEADER: stage}
    if file:
        # Header values must be one line of visible ASCII; paths are validated, but be sure.
        headers[FILE_HEADER] = "".join(c if 32 < ord(c) < 127 else "_" for c in file)[:200]
    return headers


def file_line(path: str) -> str:
    """The line a per-file request includes to say which file it asks for."""
    return f"file: {path}"


def file_path_in(text: str) -> str | None:
    """The path of the last ``file: <path>`` line in ``text``, or None."""
    found = _FILE_LINE.findall(text)
    return found[-1] if found else None


def latest_file(messages: list[dict[str, Any]]) -> str | None:
    """The path of the latest ``file: <path>`` line in the user messages of a request (a
    repair message answering a per-file request carries none of its own)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            path = file_path_in(str(message.get("content") or ""))
            if path:
                return path
    return None
