"""Test doubles for edges the tests cannot reach (hosted LLM providers)."""
