"""Sandbox resource: how generated code is run (limits are configuration)."""

import dagster as dg

from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits

_LIMITS = SandboxLimits.model_fields


class SandboxResource(dg.ConfigurableResource):
    # The sandbox's own defaults (QL_TEST_TIMEOUT_S sets the first where Definitions are built).
    wall_timeout_s: int = int(_LIMITS["wall_timeout_s"].default)
    memory_mb: int = _LIMITS["memory_mb"].default
    max_processes: int = _LIMITS["max_processes"].default
    test_repairs: int = 2
    """Most rounds in which failing tests go back to the LLM for a fix (0: none)."""

    def sandbox(self) -> Sandbox:
        limits = SandboxLimits(
            wall_timeout_s=self.wall_timeout_s,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
        )
        return Sandbox(limits)
