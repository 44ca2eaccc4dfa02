"""Stage 1: the user's prompt restated as a clear, bounded brief."""

from pydantic import Field

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.past_requests import PastRequest
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.text_fields import Name, Paragraph, Sentence
from quantumlayer_dagster.model import Model


class EnhancedPromptDraft(Model):
    """What the LLM returns for stage 1."""

    title: Name
    summary: Paragraph
    goals: list[Sentence] = Field(min_length=1, max_length=6)
    constraints: list[Sentence] = Field(default_factory=list, max_length=6)
    key_entities: list[Name] = Field(default_factory=list, max_length=8)


class EnhancedPrompt(EnhancedPromptDraft):
    """Stage 1 artifact: the brief plus the request it came from and what it cost."""

    request_id: str
    language: str
    original_prompt: str
    options: RequestOptions
    llm: LLMUsage = Field(default_factory=LLMUsage)
    past_requests: list[PastRequest] = Field(default_factory=list)
    """Similar past requests (from the vector memory) quoted to the LLM as context."""
    memory_problem: str | None = None
    """Why the vector memory could not be searched; None when it was, or is off."""

    def memory_text(self) -> str:
        """The brief as one text: what the vector memory embeds for this request."""
        parts = [f"{self.title}: {self.summary}", "Goals: " + "; ".join(self.goals)]
        if self.constraints:
            parts.append("Constraints: " + "; ".join(self.constraints))
        return "\n".join(parts)

    def brief(self) -> Brief:
        return Brief(
            request_id=self.request_id,
            title=self.title,
            summary=self.summary,
            language=self.language,
            options=self.options,
            request=self.original_prompt,
        )
