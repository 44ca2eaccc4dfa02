"""QuantumLayer core: artifact models, stage logic, LLM access, sandbox and CLI.

Nothing in this package except ``definitions.py`` imports Dagster.
"""
