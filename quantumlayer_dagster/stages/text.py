"""Small text renderings shared by the prompt-building stages."""

from collections.abc import Iterable


def bullets(items: Iterable[str]) -> str:
    """Render items as a Markdown bullet list ('' when there are none)."""
    return "\n".join(f"- {item}" for item in items)


def md_cell(text: object, limit: int = 160) -> str:
    """Make a value safe for one Markdown table cell: one line, pipes escaped, bounded."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    return s if len(s) <= limit else s[: limit - 1] + "…"
