"""Vector memory recalls only within a request's scope: one tenant's past requests are never
quoted into another tenant's prompt, while requests of the same tenant still are. Real
MiniLM embeddings in Qdrant local mode; the LLM is the scripted provider (the hosted-
provider edge)."""

import pytest
from pydantic import ValidationError

from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
from quantumlayer_dagster.artifacts.request import DEFAULT_TENANT, PromptRequest, RequestOptions
from quantumlayer_dagster.memory.remember import remember_request
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from tests.fixtures import wordcount_stages
from tests.fixtures.memory import make_memory, minilm

__all__ = ["make_memory", "minilm"]  # fixtures, used by name

SECRET_BRIEF = (
    "Word counter for ACME-INTERNAL-PROJECT-7731: counts words in confidential merger "
    "documents, case-insensitively, and ranks the most frequent ones."
)


def request_of(tenant: str, rid: str = "r-new") -> PromptRequest:
    base = wordcount_stages.prompt_request()
    return base.model_copy(update={"request_id": rid, "options": RequestOptions(tenant=tenant)})


def sent_prompt(provider) -> str:  # type: ignore[no-untyped-def]
    return provider.requests_for("enhanced_prompt")[-1].messages[-1]["content"]


def test_one_tenants_past_request_is_never_quoted_into_another_tenants_prompt(
    scripted_llm, make_memory
) -> None:
    llm, provider = scripted_llm
    memory = make_memory()
    memory.record("r-acme", SECRET_BRIEF, RequestOutcome(gates_passed=True), tenant="acme")

    other = enhance_prompt(request_of("globex"), llm, memory)
    assert "ACME-INTERNAL-PROJECT-7731" not in sent_prompt(provider)
    assert other.past_requests == []
    shared = enhance_prompt(request_of(DEFAULT_TENANT, "r-new2"), llm, memory)
    assert "ACME-INTERNAL-PROJECT-7731" not in sent_prompt(provider)
    assert shared.past_requests == []

    same = enhance_prompt(request_of("acme", "r-new3"), llm, memory)
    assert "ACME-INTERNAL-PROJECT-7731" in sent_prompt(provider)
    assert [p.request_id for p in same.past_requests] == ["r-acme"]


def test_a_finished_request_is_remembered_in_its_own_tenants_scope(
    scripted_llm, make_memory
) -> None:
    llm, _ = scripted_llm
    memory = make_memory()
    enhanced: EnhancedPrompt = enhance_prompt(request_of("acme", "r-acme"), llm, None)
    assert remember_request(memory, enhanced, RequestOutcome(gates_passed=True)) is None
    text = enhanced.memory_text()
    assert [p.tenant for p in memory.similar(text, 3, 0.5, tenant="acme")] == ["acme"]
    assert memory.similar(text, 3, -1.0, tenant="globex") == []
    assert memory.similar(text, 3, -1.0) == []  # the default shared scope


@pytest.mark.parametrize(
    "tenant", ["", "ACME", "a/b", "../x", "x" * 64, "tab\there", "-x", "acme\n"]
)
def test_a_tenant_name_that_is_not_one_plain_lowercase_word_is_refused(tenant: str) -> None:
    with pytest.raises(ValidationError):
        RequestOptions(tenant=tenant)
