"""Vector memory of past requests: their enhanced prompts embedded and kept in Qdrant with
their outcome, so a new request can be briefed with what worked before.

Importing this package is cheap: torch, sentence-transformers and qdrant-client are
imported only when an embedder or a store is first used.
"""
