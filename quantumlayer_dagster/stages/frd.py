"""Stage 2: functional requirements document."""

from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD, FRDDraft
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.generation.text import bullets
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template

STAGE = "frd"
MAX_FEATURES = 4


def write_frd(enhanced: EnhancedPrompt, llm: LLM) -> FRD:
    """Ask for features with stories and criteria, then number and flatten them."""
    brief = enhanced.brief()
    messages = load_template("frd").messages(
        language=brief.language,
        title=brief.title,
        summary=brief.summary,
        goals=bullets(enhanced.goals),
        constraints=bullets(enhanced.constraints) or "- none",
        max_features=MAX_FEATURES,
    )
    draft, calls = llm.complete_json(
        STAGE, messages, FRDDraft, max_attempts=brief.options.max_repair_attempts
    )
    return FRD.from_draft(brief, draft, LLMUsage(calls=calls))
