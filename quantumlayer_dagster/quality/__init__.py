"""The quality gates: each artifact turned into a pass/fail result with its reason."""
