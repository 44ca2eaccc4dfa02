"""Request options written into the prompt file itself: a front-matter block at its start,

    ---
    language: typescript
    ---
    Build a small library that ...

Only known keys are accepted (today ``language``); an unknown key, an unknown value or a
block that is never closed refuses the prompt with a one-line reason, like any other bad
upload. A prompt without the block is returned unchanged, with no options."""

from pathlib import Path

from quantumlayer_dagster.artifacts.request import LANGUAGES, check_prompt_text
from quantumlayer_dagster.intake.prompt_checks import PromptRejected, read_prompt_file

FENCE = "---"
KNOWN_KEYS: dict[str, tuple[str, ...]] = {"language": LANGUAGES}
"""Each key a front-matter block may set, with the values it accepts."""


def split_front_matter(text: str, name: str = "the prompt") -> tuple[str, dict[str, str]]:
    """(the prompt after the block, {key: value}); PromptRejected naming ``name`` and the
    line when the block holds anything but known ``key: value`` lines."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return text, {}
    if not any(line.strip() == FENCE for line in lines[1:]):
        raise PromptRejected(f"{name} opens a front-matter block with --- but never closes it")
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        if stripped == FENCE:
            return "".join(lines[number:]), fields
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, value = stripped.partition(":")
        key, value = key.strip().lower(), value.strip().strip("\"'").lower()
        if not colon or key not in KNOWN_KEYS:
            known = ", ".join(KNOWN_KEYS)
            raise PromptRejected(
                f"{name} line {number}: {stripped[:60]!r} is not a known front-matter setting "
                f"(known: {known}, written as `key: value`)"
            )
        if value not in KNOWN_KEYS[key]:
            raise PromptRejected(
                f"{name} line {number}: {key} {value!r} is not one of {', '.join(KNOWN_KEYS[key])}"
            )
        if key in fields:
            raise PromptRejected(f"{name} line {number}: {key} is set twice")
        fields[key] = value
    raise AssertionError("unreachable: the closing --- was found above")


def with_front_matter(prompt: str, fields: dict[str, str]) -> str:
    """``prompt`` with a front-matter block holding ``fields`` (none: the prompt alone)."""
    if not fields:
        return prompt
    lines = "".join(f"{key}: {value}\n" for key, value in sorted(fields.items()))
    return f"{FENCE}\n{lines}{FENCE}\n{prompt}"


def request_text(text: str, name: str = "the prompt") -> tuple[str, dict[str, str]]:
    """``split_front_matter``, then the prompt after the block checked like any prompt (not
    empty, no control characters); PromptRejected with the one-line reason otherwise."""
    prompt, fields = split_front_matter(text, name)
    try:
        return check_prompt_text(prompt, name), fields
    except ValueError as exc:
        raise PromptRejected(str(exc)) from None


def read_request_file(path: str | Path) -> tuple[str, dict[str, str]]:
    """A prompt file read and validated (``read_prompt_file``), split into the prompt and the
    options of its front-matter block; PromptRejected otherwise."""
    return request_text(read_prompt_file(path), str(path))
