"""The generated code tree: source files and test files, validated before use."""

import hashlib

from pydantic import Field, field_validator, model_validator

from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES, MAX_PROJECT_FILES, MAX_TEST_FILES
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.paths import check_relative_path, check_unique
from quantumlayer_dagster.model import Model

LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}


def language_of(path: str) -> str | None:
    """The language name for a path's suffix, or None when we have no grammar for it."""
    dot = path.rfind(".")
    return LANGUAGE_BY_SUFFIX.get(path[dot:].lower()) if dot >= 0 else None


class GenerationAttempt(Model):
    """One LLM attempt at a file: the findings sent back to ask for it (empty for the first
    request) and the blocking problems it still had (empty when it passed the check).
    ``phase`` is "write" while the file is written, "project" for a repair of cross-file
    breakage found once every file existed. With best-of-n, the replies to one request
    share its ``attempt`` and are told apart by ``candidate`` (from 1; None when one reply
    was asked for); ``kept`` marks the attempt whose content the file holds."""

    attempt: int
    candidate: int | None = None
    errors: list[str] = Field(default_factory=list)
    sent_back: list[str] = Field(default_factory=list)
    phase: str = "write"
    kept: bool = False


class SourceFile(Model):
    """One generated file. ``path`` is relative to the project root and validated."""

    path: str
    content: str
    attempts: list[GenerationAttempt] = Field(default_factory=list)

    @field_validator("path")
    @classmethod
    def _safe_path(cls, v: str) -> str:
        return check_relative_path(v)

    @field_validator("content")
    @classmethod
    def _size(cls, v: str) -> str:
        size = len(v.encode("utf-8"))
        if size > MAX_FILE_BYTES:
            raise ValueError(f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        return v

    @property
    def language(self) -> str | None:
        return language_of(self.path)

    @property
    def kept_attempt(self) -> GenerationAttempt | None:
        """The attempt whose content the file holds (the one marked ``kept``, else the last;
        None for a file no LLM wrote)."""
        marked = [a for a in self.attempts if a.kept]
        return marked[-1] if marked else (self.attempts[-1] if self.attempts else None)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    @property
    def line_count(self) -> int:
        return self.content.count("\n") + (
            0 if self.content.endswith("\n") or not self.content else 1
        )


class CodeTree(Model):
    """Source files generated for the planned structure (stage 5): for a Python project our
    code's modules with the bodies the model wrote (``bodies`` records each, with its
    candidates and the examples it passes)."""

    package: str
    files: list[SourceFile]
    bodies: list[FunctionBody] = Field(default_factory=list)
    llm: LLMUsage = Field(default_factory=lambda: LLMUsage())

    @model_validator(mode="after")
    def _limits(self) -> "CodeTree":
        if len(self.files) > MAX_PROJECT_FILES:
            raise ValueError(f"{len(self.files)} files, over the limit of {MAX_PROJECT_FILES}")
        check_unique([f.path for f in self.files])
        return self

    @property
    def line_count(self) -> int:
        return sum(f.line_count for f in self.files)

    @property
    def repair_count(self) -> int:
        """Attempts that answered findings sent back (every attempt after a file's first)."""
        return sum(1 for f in self.files for a in f.attempts if a.sent_back)

    def file(self, path: str) -> SourceFile | None:
        return next((f for f in self.files if f.path == path), None)

    def attempts_markdown(self) -> str:
        """Every attempt at every file: its phase, which candidate it was (best-of-n), what
        was sent back for it (first finding and how many), what it still had and whether
        the file kept it, for the Dagster UI."""
        rows = [
            [
                f"`{markdown_cell(f.path)}`",
                str(a.attempt),
                str(a.candidate or "-"),
                a.phase,
                _first_of(a.sent_back) or "-",
                _first_of(a.errors) or "passes",
                "yes" if a is f.kept_attempt else "",
            ]
            for f in self.files
            for a in f.attempts
        ]
        if not rows:
            return "No file was written by the LLM."
        return markdown_table(
            ["file", "attempt", "candidate", "phase", "sent back", "result", "kept"], rows
        )


def tree_digest(files: list[SourceFile]) -> str:
    """One sha256 over the paths and contents of ``files`` (in any order): which tree a gate
    judged, so the capsule can refuse to package a different one."""
    lines = sorted(f"{f.path}\0{f.sha256}" for f in files)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _first_of(items: list[str]) -> str:
    if not items:
        return ""
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    return markdown_cell(items[0]) + more


class ProjectTree(Model):
    """The project after test generation (and any repair): sources plus tests."""

    package: str
    sources: list[SourceFile]
    tests: list[SourceFile]

    @model_validator(mode="after")
    def _limits(self) -> "ProjectTree":
        if len(self.sources) > MAX_PROJECT_FILES:
            raise ValueError(f"{len(self.sources)} source files, over {MAX_PROJECT_FILES}")
        if len(self.tests) > MAX_TEST_FILES:
            raise ValueError(f"{len(self.tests)} test files, over {MAX_TEST_FILES}")
        check_unique([f.path for f in self.sources + self.tests])
        return self

    @property
    def all_files(self) -> list[SourceFile]:
        return self.sources + self.tests
