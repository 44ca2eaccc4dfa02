"""Reading a prompt handed in by a user: refuse bad input before any run starts."""

from pathlib import Path

from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import check_prompt_text


class PromptRejected(ValueError):
    """The prompt cannot be used; the message is one line saying why and what to do."""


def decode_prompt(data: bytes, name: str = "prompt") -> str:
    """Bytes of a prompt file -> its text, or PromptRejected (binary, not UTF-8, or any
    reason ``check_prompt_text`` gives: empty, too big, control characters)."""
    if b"\x00" in data:
        raise PromptRejected(f"{name} is a binary file (it holds NUL bytes), not a text prompt")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PromptRejected(
            f"{name} is not UTF-8 text (bad byte at offset {exc.start}): save it as UTF-8"
        ) from None
    try:
        return check_prompt_text(text.removeprefix("\ufeff"), name)
    except ValueError as exc:
        raise PromptRejected(str(exc)) from None


def read_prompt_file(path: str | Path) -> str:
    """Read and validate a prompt file; PromptRejected with a one-line reason otherwise."""
    p = Path(path)
    if not p.exists():
        raise PromptRejected(f"{p} does not exist")
    if not p.is_file():
        raise PromptRejected(f"{p} is not a regular file")
    # Checked before reading, so a huge file is never loaded; the text check repeats it.
    size = p.stat().st_size
    if size > PROMPT_MAX_BYTES:
        raise PromptRejected(
            f"{p} is {size} bytes, over the {PROMPT_MAX_BYTES}-byte limit: shorten it"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PromptRejected(f"{p} cannot be read: {exc.strerror}") from None
    return decode_prompt(data, str(p))
