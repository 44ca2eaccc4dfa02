"""Stage 1: prompt enhancement (meta-prompt template, requirement extraction)."""

from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt, EnhancedPromptDraft
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template

STAGE = "enhanced_prompt"


def enhance_prompt(request: PromptRequest, llm: LLM) -> EnhancedPrompt:
    """Ask the LLM to restate the request as a bounded brief (title, goals, constraints)."""
    messages = load_template("enhance").messages(
        prompt=request.prompt, language=request.options.language
    )
    draft, calls = llm.complete_json(
        STAGE, messages, EnhancedPromptDraft, max_attempts=request.options.max_repair_attempts
    )
    return EnhancedPrompt(
        **draft.model_dump(),
        request_id=request.request_id,
        language=request.options.language,
        original_prompt=request.prompt,
        options=request.options,
        llm=LLMUsage(calls=calls),
    )
