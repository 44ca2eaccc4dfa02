"""Pydantic models for every artifact the pipeline produces, stored as JSON."""
