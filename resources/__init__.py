"""Dagster ConfigurableResources: LLM, artifact store, vector memory, sandbox."""
