"""QuantumLayer core: artifact models, stage logic, LLM access, sandbox and storage.

Stage logic and models never import Dagster; ``definitions.py`` assembles the Dagster
project and is the core's one Dagster-facing edge. The ``quantumlayer`` command line lives
above it, in the ``quantumlayer_cli`` package.
"""
