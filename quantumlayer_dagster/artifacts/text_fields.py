"""Bounded string types for LLM-facing models.

The bounds go into the JSON schema sent for constrained decoding, so even a tiny model
cannot ramble past them, and they are enforced again when the reply is validated.
"""

from typing import Annotated

from pydantic import StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]
