"""What a request carries besides its messages, so a provider can tell who is asking.

- The stage name travels in litellm's ``metadata`` under ``STAGE_METADATA_KEY``. litellm keeps
  ``metadata`` for itself (logging, routing) and does not send it to the model, so real
  providers never see it; the scripted test double reads it to pick its fixture.
- A stage that asks for one file puts a line ``file: <path>`` in its user message
  (build it with ``file_line``), so a per-file fixture can be found for it.
"""

import re

STAGE_METADATA_KEY = "ql_stage"

_FILE_LINE = re.compile(r"^file:[ \t]*(\S.*?)\s*$", re.MULTILINE)


def stage_metadata(stage: str) -> dict[str, str]:
    """The ``metadata`` argument for ``litellm.completion`` that names the asking stage."""
    return {STAGE_METADATA_KEY: stage}


def file_line(path: str) -> str:
    """The line a per-file request includes to say which file it asks for."""
    return f"file: {path}"


def file_path_in(text: str) -> str | None:
    """The path of the last ``file: <path>`` line in ``text``, or None."""
    found = _FILE_LINE.findall(text)
    return found[-1] if found else None
