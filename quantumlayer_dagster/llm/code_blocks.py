"""Getting source code out of a free-text LLM reply."""

import re

# An opening fence is ``` at the start of a line with any info string ("python",
# "python title=app.py", "py:pkg/app.py"), or ``` with a bare language word after prose on
# the same line. A block ends at the next line starting with ``` (so an empty block is
# empty) or, when the reply was cut off, at the end of the reply.
_FENCE = re.compile(
    r"(?:^[ \t]*```[^`\n]*|```[ \t]*[A-Za-z0-9_+-]*[ \t]*)\n(?P<code>.*?)(?:^[ \t]*```|\Z)",
    re.DOTALL | re.MULTILINE,
)


def extract_code(reply: str) -> str:
    """Return the code in an LLM reply: the longest fenced block when there is one (an
    unterminated fence, as in a truncated reply, runs to the end), else the whole reply.
    The result ends with exactly one newline (empty stays empty)."""
    blocks = [m["code"] for m in _FENCE.finditer(reply)]
    code = max(blocks, key=len) if blocks else reply
    code = code.strip("\n")
    return f"{code.rstrip()}\n" if code.strip() else ""
