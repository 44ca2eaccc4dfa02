"""Writing files with the LLM: planned-order concurrent generation and prompt text."""
