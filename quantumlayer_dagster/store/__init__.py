"""Artifact storage: one key scheme, one interface, a local-directory implementation."""
