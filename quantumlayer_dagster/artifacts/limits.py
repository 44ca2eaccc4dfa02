"""Size and count limits applied to untrusted input (prompts and LLM output)."""

PROMPT_MAX_BYTES = 16 * 1024
"""A prompt file larger than this is refused before any run starts."""

MAX_PROJECT_FILES = 24
"""Most source files a planned project may have (tests are counted separately)."""

MAX_TEST_FILES = 12
"""Most generated test files."""

MAX_FILE_BYTES = 64 * 1024
"""Largest generated file accepted from the LLM."""

MAX_PATH_CHARS = 120
"""Longest relative path accepted for a generated file."""

MAX_TREE_FILES = 5000
"""Most files read from a code tree on disk (``quantumlayer validate/scan/test/analyze``)."""
