"""Sandbox resource: how generated code is run (limits and isolation are configuration)."""

from typing import Literal

import dagster as dg

from quantumlayer_dagster.sandbox import CodeSandbox, Sandbox, SandboxLimits
from quantumlayer_dagster.sandbox.k8s_spec import K8sSandboxConfig
from quantumlayer_dagster.settings import Settings, setting_default

_LIMITS = SandboxLimits.model_fields


class SandboxResource(dg.ConfigurableResource):
    # The sandbox's own defaults (QL_TEST_TIMEOUT_S sets the first where Definitions are built).
    wall_timeout_s: int = int(_LIMITS["wall_timeout_s"].default)
    memory_mb: int = _LIMITS["memory_mb"].default
    max_processes: int = _LIMITS["max_processes"].default
    isolation: Literal["bwrap", "process"] = setting_default("sandbox_isolation")
    """Required isolation: ``bwrap`` refuses to run without bubblewrap; ``process`` only
    for local development. The tests_pass gate fails runs isolated less than this."""
    test_repairs: int = 2
    """Most rounds in which failing tests go back to the LLM for a fix (0: none)."""
    kind: str = "local"
    """``local`` (bubblewrap, or process-only where ``isolation`` allows it) or ``k8s`` (a
    sandbox Job per run)."""
    k8s_image: str = ""
    k8s_namespace: str = setting_default("sandbox_namespace")
    k8s_runtime_class: str = setting_default("sandbox_runtime_class")
    k8s_cpu: str = setting_default("sandbox_cpu")
    k8s_memory: str = setting_default("sandbox_memory")
    k8s_ephemeral_storage: str = setting_default("sandbox_ephemeral_storage")

    @classmethod
    def from_settings(cls, settings: Settings) -> "SandboxResource":
        k8s = settings.k8s_sandbox
        if k8s is None:
            return cls(wall_timeout_s=settings.test_timeout_s, isolation=settings.sandbox_isolation)
        return cls(
            wall_timeout_s=settings.test_timeout_s,
            isolation=settings.sandbox_isolation,
            kind="k8s",
            k8s_image=k8s.image,
            k8s_namespace=k8s.namespace,
            k8s_runtime_class=k8s.runtime_class_name,
            k8s_cpu=k8s.cpu,
            k8s_memory=k8s.memory,
            k8s_ephemeral_storage=k8s.ephemeral_storage,
        )

    def sandbox(self) -> CodeSandbox:
        limits = SandboxLimits(
            wall_timeout_s=self.wall_timeout_s,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
        )
        if self.kind == "k8s":
            from quantumlayer_dagster.sandbox.k8s_job import K8sJobSandbox

            return K8sJobSandbox.in_cluster(self.k8s_config(), limits)
        return Sandbox(limits, mode=self.isolation)

    def k8s_config(self) -> K8sSandboxConfig:
        return K8sSandboxConfig(
            image=self.k8s_image,
            namespace=self.k8s_namespace,
            runtime_class_name=self.k8s_runtime_class,
            cpu=self.k8s_cpu,
            memory=self.k8s_memory,
            ephemeral_storage=self.k8s_ephemeral_storage,
        )
