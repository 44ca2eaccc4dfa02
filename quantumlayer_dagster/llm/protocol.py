"""The small interface stage functions use to talk to an LLM.

Stages never import litellm; they take an ``LLM`` and get back validated pydantic models
(or text) together with the record of every call made.
"""

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from quantumlayer_dagster.artifacts.llm_usage import LLMCall

M = TypeVar("M", bound=BaseModel)

Message = dict[str, str]


class LLMStageError(RuntimeError):
    """A stage could not get an acceptable answer from the LLM within its attempts."""

    def __init__(self, stage: str, reason: str, calls: list[LLMCall] | None = None):
        super().__init__(f"stage {stage}: {reason}")
        self.stage = stage
        self.reason = reason
        self.calls = calls or []


class InvalidReplies(LLMStageError):
    """Every reply of a structured request failed validation within its attempts (the model
    answered, but never acceptably): a caller may go on without the answer."""


class LLM(Protocol):
    @property
    def max_parallel_calls(self) -> int:
        """How many independent calls of one stage (e.g. one per file) may run at once."""
        ...

    def complete_json(
        self,
        stage: str,
        messages: list[Message],
        schema: type[M],
        *,
        json_schema: dict[str, Any] | None = None,
        validation_context: dict[str, Any] | None = None,
        max_attempts: int = 3,
        salvage: Callable[[Any], M | None] | None = None,
    ) -> tuple[M, list[LLMCall]]:
        """Ask for an object of ``schema`` and return it validated, with every call made.

        ``json_schema`` overrides the schema sent for constrained decoding (e.g. with enums
        of valid ids); the reply is always validated against ``schema`` with
        ``validation_context``. An invalid reply is answered with a repair message carrying
        the validation error, up to ``max_attempts`` calls in all; then ``salvage`` (when
        given) may make an acceptable object of a reply's parsed JSON (dropping what cannot
        be kept, and saying so); else InvalidReplies.
        """
        ...

    def complete_text(
        self,
        stage: str,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        acceptable: Callable[[str], bool] | None = None,
        code_language: str | None = None,
        attempt: int = 1,
    ) -> tuple[str, LLMCall]:
        """Ask for free text (e.g. one source file) and return it with the call's record;
        ``attempt`` > 1 marks a repair of an earlier answer.

        ``acceptable`` says whether a reply is good enough to be reused for the same request
        (e.g. the file parses); only such replies are cached. Default: complete and non-empty.
        ``code_language`` names the language of the file asked for (``language_of``): the
        LLM may decode it under a grammar of that language.
        """
        ...

    def complete_text_candidates(
        self,
        stage: str,
        messages: list[Message],
        *,
        acceptable: Callable[[str], bool] | None = None,
        code_language: str | None = None,
    ) -> list[tuple[str, LLMCall]]:
        """As ``complete_text``, but as many replies as the stage's group asks candidates
        for (best-of-n; one by default), in order, each call numbered by ``candidate``."""
        ...
