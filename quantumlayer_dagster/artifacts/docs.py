"""Stage 12: the generated project's documentation."""

from pydantic import Field

from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.text_fields import Paragraph
from quantumlayer_dagster.model import Model


class DocsDraft(Model):
    """What the LLM writes for stage 12; the rest of the docs is derived from artifacts."""

    overview: Paragraph
    usage: Paragraph


class Docs(Model):
    """Stage 12 artifact: Markdown files keyed by their path in the capsule."""

    request_id: str
    files: dict[str, str]
    llm: LLMUsage = Field(default_factory=LLMUsage)
