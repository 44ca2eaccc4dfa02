"""Stage 12: the generated project's documentation."""

from pydantic import BaseModel, Field

from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.text_fields import Paragraph


class DocsDraft(BaseModel):
    """What the LLM writes for stage 12; the rest of the docs is derived from artifacts."""

    overview: Paragraph
    usage: Paragraph


class Docs(BaseModel):
    """Stage 12 artifact: Markdown files keyed by their path in the capsule."""

    request_id: str
    files: dict[str, str]
    llm: LLMUsage = Field(default_factory=LLMUsage)
