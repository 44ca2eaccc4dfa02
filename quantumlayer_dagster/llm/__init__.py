"""LLM access: the protocol stages use, and its litellm implementation."""
