"""QuantumLayer core: artifact models, stage logic, LLM access, sandbox, storage and CLI.

Stage logic and models never import Dagster; ``definitions.py`` (which assembles the
Dagster project) and ``cli/`` (which runs it) are the two Dagster-facing edges.
"""
