"""Each step's Kubernetes pod under ``k8s_job_executor``: its ``per_step_k8s_config`` entry.

Sizes come from ``bench/k8s_plan.py`` (per-step CPU seconds and RSS of a local run;
requests = average CPU use, at least 100m, and the pod's RSS x 1.25; the memory limit is
twice the request, the CPU limit two cores). Every step pod runs as a non-root uid with a
read-only root file system, an ``emptyDir`` at /tmp for scratch, all capabilities dropped
and ``seccompProfile: RuntimeDefault`` (shared through the run launcher's config). Only
``test_suite`` and ``security_report`` get a service-account token: they create the
sandbox Jobs
(``deploy/rbac.yaml`` lets its account do that in the sandbox namespace and nothing else).
The other steps run under an account bound to no role, with no token mounted. Labels say
which servers a step may reach (``deploy/networkpolicies.yaml``).
"""

from dataclasses import dataclass
from typing import Any

STEP_ACCOUNT = "quantumlayer-steps"
SANDBOX_LAUNCHER_ACCOUNT = "quantumlayer-sandbox-launcher"
STEP_CPU_LIMIT = "2"


@dataclass(frozen=True)
class PodSize:
    cpu: str
    """CPU request (e.g. ``250m``)."""
    memory: str
    """Memory request (``Mi``); the limit is twice this."""


# From `bench/k8s_plan.py` (README, "Scaling"): a step pod holds the loaded Definitions
# (about 330 MB) plus what the step adds; the two vector-memory steps load the embedding
# model (about 540 MB more). LLM-bound steps wait on the provider and request 100m.
STEP_PODS: dict[str, PodSize] = {
    "prompt_request": PodSize("350m", "448Mi"),
    "enhanced_prompt": PodSize("100m", "1152Mi"),
    "frd": PodSize("100m", "448Mi"),
    "requirements_spec": PodSize("100m", "448Mi"),
    "project_structure": PodSize("100m", "448Mi"),
    "code_tree": PodSize("100m", "448Mi"),
    "semantic_validation": PodSize("250m", "448Mi"),
    "dependency_manifest": PodSize("200m", "448Mi"),
    "test_plan": PodSize("100m", "448Mi"),
    "test_suite": PodSize("100m", "448Mi"),
    "security_report": PodSize("250m", "512Mi"),
    "performance_report": PodSize("250m", "448Mi"),
    "docs": PodSize("100m", "448Mi"),
    "capsule": PodSize("200m", "1152Mi"),
}
RUN_POD = PodSize("250m", "448Mi")
"""The run pod only orchestrates the step Jobs (set in deploy/values.yaml runK8sConfig)."""
SANDBOX_POD = PodSize("250m", "256Mi")
"""What one sandbox Job pod requests (K8sSandboxConfig defaults; its limits are 1 CPU, 1Gi)."""

# Which servers each step talks to; the labels are what the NetworkPolicies select.
LLM_STEPS = {
    "enhanced_prompt",
    "frd",
    "requirements_spec",
    "project_structure",
    "code_tree",
    "test_plan",
    "test_suite",
    "docs",
}
MEMORY_STEPS = {"enhanced_prompt", "capsule"}
API_STEPS = {"test_suite", "security_report"}
"""Steps that call the Kubernetes API (to create sandbox Jobs): the generated tests, and
the generated HTTP service started for the dynamic security test."""


def _double(quantity: str) -> str:
    return f"{int(quantity.removesuffix('Mi')) * 2}Mi"


def step_labels(name: str) -> dict[str, str]:
    """Every reach label set explicitly: the run pod's labels (deploy/values.yaml) are merged
    into each step pod, and a step must not inherit the run pod's API access."""
    return {
        "app.kubernetes.io/part-of": "quantumlayer",
        "quantumlayer.dev/role": "step",
        "quantumlayer.dev/step": name.replace("_", "-"),
        "quantumlayer.dev/minio-client": "true",
        "quantumlayer.dev/postgres-client": "true",
        "quantumlayer.dev/llm-client": _flag(name in LLM_STEPS),
        "quantumlayer.dev/qdrant-client": _flag(name in MEMORY_STEPS),
        "quantumlayer.dev/k8s-api-client": _flag(name in API_STEPS),
    }


def step_k8s_config(name: str) -> dict[str, Any]:
    """The Kubernetes settings of the step that materializes asset ``name`` (its entry in
    the k8s executor's ``per_step_k8s_config``, see ``per_step_k8s_config``).

    What every pod shares (non-root uid, read-only root, /tmp scratch, no capabilities,
    seccomp) is the run launcher's ``runK8sConfig`` in deploy/values.yaml, which dagster-k8s
    merges into every step pod; this adds what differs per step."""
    size = STEP_PODS[name]
    uses_api = name in API_STEPS
    return {
        "container_config": {
            "resources": {
                "requests": {"cpu": size.cpu, "memory": size.memory},
                "limits": {"cpu": STEP_CPU_LIMIT, "memory": _double(size.memory)},
            },
        },
        "pod_spec_config": {
            "service_account_name": SANDBOX_LAUNCHER_ACCOUNT if uses_api else STEP_ACCOUNT,
            "automount_service_account_token": uses_api,
        },
        "pod_template_spec_metadata": {"labels": step_labels(name)},
        "job_spec_config": {"backoff_limit": 0, "ttl_seconds_after_finished": 3600},
    }


def per_step_k8s_config() -> dict[str, dict[str, Any]]:
    """``k8s_job_executor``'s ``per_step_k8s_config``: every step's settings by op name (an
    asset's op is named like the asset). They live in the executor, not in op tags, so that
    only a k8s run carries them: with tags, every launch and run of any executor shipped
    the 14 pod specs through the job's snapshot and plan (about 20 ms of a launch)."""
    return {name: step_k8s_config(name) for name in STEP_PODS}


def _flag(value: bool) -> str:
    return "true" if value else "false"
