"""Decoding grammars shipped with the package (llama.cpp GBNF, ``llm/grammars/<name>.gbnf``)
and which request gets one: a per-file request for a file of the grammar's language, asked
of a group whose ``grammar`` setting names it."""

from functools import cache
from pathlib import Path

from quantumlayer_dagster.llm.config import GrammarName, ModelGroup

GRAMMAR_DIR = Path(__file__).resolve().parent / "grammars"

GRAMMAR_LANGUAGE: dict[GrammarName, str] = {"python": "python"}
"""The language (``artifacts.code.language_of``) of the files each grammar describes."""


@cache
def grammar_text(name: GrammarName) -> str:
    """The GBNF text of a packaged grammar."""
    return (GRAMMAR_DIR / f"{name}.gbnf").read_text(encoding="utf-8")


def request_grammar(group: ModelGroup, code_language: str | None) -> str | None:
    """The grammar to send with a request for a file of ``code_language`` to ``group``, or
    None (no grammar set, or the file is of another language or no file at all)."""
    if group.grammar is None or code_language != GRAMMAR_LANGUAGE[group.grammar]:
        return None
    return grammar_text(group.grammar)
