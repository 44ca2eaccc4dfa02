"""Small text renderings shared by the prompt-building stages."""

from collections.abc import Iterable


def bullets(items: Iterable[str]) -> str:
    """Render items as a Markdown bullet list ('' when there are none)."""
    return "\n".join(f"- {item}" for item in items)
