"""Markdown for the Dagster UI: every report and metadata table is built with these."""


def markdown_cell(text: object, limit: int = 160) -> str:
    """``text`` made safe for one Markdown table cell: one line, pipes escaped, capped."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def markdown_table(header: list[str], rows: list[list[str]], max_rows: int = 50) -> str:
    """A Markdown table of at most ``max_rows`` rows, then "…and N more" when capped."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows[:max_rows]]
    if len(rows) > max_rows:
        out.append(f"\n…and {len(rows) - max_rows} more")
    return "\n".join(out)
