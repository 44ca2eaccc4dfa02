"""Turning Dagster's error records into the one line a user needs."""

from dagster_shared.error import SerializableErrorInfo


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The first line of the innermost cause: the stage's own error, not Dagster's wrapper."""
    if error is None:
        return "unknown error"
    error = innermost(error)
    lines = error.message.strip().splitlines()
    first = lines[0] if lines else error.cls_name or "error"
    return first.split(": ", 1)[1] if first.startswith(f"{error.cls_name}: ") else first


def innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The deepest ``cause`` of an error record."""
    while error.cause is not None:
        error = error.cause
    return error
