"""The one JSON serializer for artifacts: pydantic models in, UTF-8 JSON bytes out."""

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def artifact_to_json(model: BaseModel) -> bytes:
    """Serialise an artifact model to indented UTF-8 JSON (stable field order)."""
    return model.model_dump_json(indent=2).encode("utf-8")


def artifact_from_json(cls: type[M], data: bytes) -> M:
    """Load an artifact of type ``cls`` from JSON bytes written by ``artifact_to_json``."""
    return cls.model_validate_json(data)
