"""Recording a finished request in the vector memory, never at the cost of the run."""

from quantumlayer_dagster.artifacts.capsule import GateResult
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.past_requests import RequestOutcome
from quantumlayer_dagster.memory.protocol import Memory


def request_outcome(
    gates: list[GateResult], capsule_key: str | None, models: list[str]
) -> RequestOutcome:
    """The outcome kept with a request: which gates failed, its capsule, its models."""
    failed = [g.name for g in gates if not g.passed]
    return RequestOutcome(
        gates_passed=bool(gates) and not failed,
        failed_gates=failed,
        capsule_key=capsule_key,
        models=models,
    )


def remember_request(
    memory: Memory | None, enhanced: EnhancedPrompt, outcome: RequestOutcome
) -> str | None:
    """Store the request's brief with its outcome; return why that failed, or None.

    The memory only helps later requests, so any failure is reported, not raised."""
    if memory is None:
        return None
    try:
        memory.record(
            enhanced.request_id, enhanced.memory_text(), outcome, tenant=enhanced.options.tenant
        )
    except Exception as exc:  # a broken memory must not fail a finished request
        reason = " ".join((str(exc) or type(exc).__name__).split())[:300]
        return f"vector memory not updated: {reason}"
    return None
