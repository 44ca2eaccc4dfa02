"""The user's request: what was submitted, and the validated request the pipeline runs on."""

import hashlib
import re
import secrets
import unicodedata
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, field_validator

from quantumlayer_dagster.artifacts.limits import MAX_PROJECT_FILES, PROMPT_MAX_BYTES
from quantumlayer_dagster.model import Model
from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant

# \Z, not $: $ also matches before a final newline; [0-9], not \d: \d matches any digit.
REQUEST_ID_PATTERN = re.compile(r"^r[0-9]{14}-[0-9a-f]{8}\Z")


Language = Literal["python", "typescript", "javascript"]
LANGUAGES: tuple[Language, ...] = ("python", "typescript", "javascript")
NODE_LANGUAGES: frozenset[str] = frozenset({"typescript", "javascript"})
"""Languages whose projects are Node packages (package.json, ``node --test``)."""


class RequestOptions(Model):
    """What the user can choose per request."""

    language: Language = "python"
    """The generated project's language: a Python package, or a Node package (TypeScript or
    JavaScript) with ``package.json``."""
    max_files: int = Field(default=6, ge=1, le=MAX_PROJECT_FILES)
    max_repair_attempts: int = Field(default=3, ge=1, le=6)
    """Most LLM calls per structured answer or per generated file."""
    tenant: str = DEFAULT_TENANT
    """Whose request this is: the vector memory recalls past requests of the same tenant only,
    so one tenant's requests are never quoted into another's prompt; its runs are tagged
    with it (fair share), its spending counts against its window budget, its capsule is kept
    under ``tenants/<tenant>/``."""

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, v: str) -> str:
        return check_tenant(v)


def prompt_digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


def new_request_id(now: datetime | None = None) -> str:
    """A readable, sortable, unique request id: ``r<UTC timestamp>-<8 random hex>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
    return f"r{stamp}-{secrets.token_hex(4)}"


def check_prompt_text(prompt: str, name: str = "the prompt") -> str:
    """Raise ValueError with a one-line reason, about ``name``, when a decoded prompt is
    unusable (empty, too big, control characters); return it unchanged otherwise."""
    if not prompt.strip():
        raise ValueError(f"{name} is empty: write the software request into it")
    size = len(prompt.encode("utf-8"))
    if size > PROMPT_MAX_BYTES:
        raise ValueError(
            f"{name} is {size} bytes, over the {PROMPT_MAX_BYTES}-byte limit: shorten it"
        )
    # Category Cc: C0 controls, DEL and the C1 controls (U+0080..U+009F, e.g. the CSI
    # that starts terminal escape sequences).
    bad = [c for c in prompt if unicodedata.category(c) == "Cc" and c not in "\n\r\t"]
    if bad:
        raise ValueError(f"{name} holds {len(bad)} control characters; is it a binary file?")
    return prompt


class PromptSubmission(Model):
    """A prompt as it was handed in (by the CLI, a sensor or GraphQL), before the run."""

    request_id: str
    prompt: str
    options: RequestOptions = Field(default_factory=RequestOptions)
    source: str = "cli"
    submitted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("request_id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not REQUEST_ID_PATTERN.match(v):
            raise ValueError(f"request id {v!r} does not look like r<14 digits>-<8 hex>")
        return v

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, v: str) -> str:
        return check_prompt_text(v)


class PromptRequest(Model):
    """Stage 0: the validated request with its digest and options."""

    request_id: str
    prompt: str
    prompt_sha256: str
    options: RequestOptions
    source: str
    submitted_at: datetime
    word_count: int
