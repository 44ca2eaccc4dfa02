"""Turning Dagster's error records into the one line a user needs."""

from dagster_shared.error import SerializableErrorInfo


def root_cause(error: SerializableErrorInfo | None, step: str = "") -> str:
    """The first line of the stage's own error: the first cause in the chain that is not one
    of Dagster's wrappers (a stage's LLMStageError, not the litellm error under it)."""
    if error is None:
        return "unknown error"
    chain = _chain(error)
    own = next((e for e in chain if not (e.cls_name or "").startswith("Dagster")), chain[-1])
    lines = own.message.strip().splitlines()
    first = lines[0] if lines else own.cls_name or "error"
    head, sep, rest = first.partition(": ")
    # Messages often start with the (qualified) class name; the reason follows it.
    reason = rest if sep and head.split(".")[-1] == own.cls_name else first
    return reason.removeprefix(f"stage {step}: ") if step else reason


def innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The deepest ``cause`` of an error record."""
    return _chain(error)[-1]


def _chain(error: SerializableErrorInfo) -> list[SerializableErrorInfo]:
    chain = [error]
    while chain[-1].cause is not None:
        chain.append(chain[-1].cause)
    return chain
