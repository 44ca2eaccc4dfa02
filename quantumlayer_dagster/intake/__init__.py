"""Prompts handed in by users: checks before any run starts, and the upload bucket."""
