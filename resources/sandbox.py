"""Sandbox resource: how generated code is run (limits are configuration)."""

from typing import Literal

import dagster as dg

from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits


class SandboxResource(dg.ConfigurableResource):
    wall_timeout_s: int = 120
    memory_mb: int = 1024
    max_processes: int = 64
    isolation: Literal["bwrap", "process"] = "bwrap"
    """Required isolation: ``bwrap`` refuses to run without bubblewrap; ``process`` only
    for local development. The tests_pass gate fails runs isolated less than this."""
    test_repairs: int = 2
    """Most rounds in which failing tests go back to the LLM for a fix (0: none)."""

    def sandbox(self) -> Sandbox:
        limits = SandboxLimits(
            wall_timeout_s=self.wall_timeout_s,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
        )
        return Sandbox(limits, mode=self.isolation)
