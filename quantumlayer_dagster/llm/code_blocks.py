"""Getting source code out of a free-text LLM reply."""

import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)


def extract_code(reply: str) -> str:
    """Return the code in an LLM reply: the longest fenced block when there is one (an
    unterminated fence, as in a truncated reply, runs to the end), else the whole reply.
    The result ends with exactly one newline (empty stays empty)."""
    blocks = [m.group(2) for m in _FENCE.finditer(reply)]
    code = max(blocks, key=len) if blocks else reply
    code = code.strip("\n")
    return f"{code.rstrip()}\n" if code.strip() else ""
