"""The executor Definitions use, chosen by the ``executor`` setting (``QL_EXECUTOR``)."""

import dagster as dg

from assets import run_tracing
from assets.step_pods import per_step_k8s_config
from quantumlayer_dagster.settings import ExecutorKind

LOCAL_EXECUTORS: dict[ExecutorKind, dg.ExecutorDefinition] = {
    "in_process": dg.in_process_executor,
    "multiprocess": dg.multiprocess_executor,
}


def executor_for(kind: ExecutorKind, *, traced: bool = False) -> dg.ExecutorDefinition:
    """in-process (the local default), multiprocess, or ``k8s_job_executor``: one Kubernetes
    Job per step, under the K8sRunLauncher of deploy/values.yaml, with each step's pod
    settings from ``per_step_k8s_config`` (assets/step_pods.py). ``traced``: with the run's
    root span around the run (``assets/run_tracing.py``; only when tracing is on)."""
    executor = _executor(kind)
    return run_tracing.traced(executor) if traced else executor


def _executor(kind: ExecutorKind) -> dg.ExecutorDefinition:
    if kind == "k8s":
        # dagster-k8s loads the Kubernetes client (about 0.35 s), which only this kind uses
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured(
            {"per_step_k8s_config": per_step_k8s_config()}, name="k8s"
        )
    return LOCAL_EXECUTORS[kind]
