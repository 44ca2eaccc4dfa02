"""The capsule archive: deterministic building and verification without extracting."""
