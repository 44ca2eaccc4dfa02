"""The executor Definitions use, chosen by the ``executor`` setting (``QL_EXECUTOR``)."""

import dagster as dg
from dagster_k8s import k8s_job_executor

from quantumlayer_dagster.settings import ExecutorKind

EXECUTORS: dict[ExecutorKind, dg.ExecutorDefinition] = {
    "in_process": dg.in_process_executor,
    "multiprocess": dg.multiprocess_executor,
    # One Kubernetes Job per step, under the K8sRunLauncher of deploy/values.yaml; each step's
    # pod settings are its asset's dagster-k8s/config op tag (assets/step_pods.py).
    "k8s": k8s_job_executor,
}


def executor_for(kind: ExecutorKind) -> dg.ExecutorDefinition:
    """in-process (the local default), multiprocess, or ``k8s_job_executor``."""
    return EXECUTORS[kind]
