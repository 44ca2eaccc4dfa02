"""The Kubernetes objects of one sandboxed test run: the tree's ConfigMap and the Job.

Plain dicts in the API's own camelCase (what ``kubectl`` would send), so they are validated
against the Kubernetes schema as they are and passed to the client unchanged.

How the tree gets in without network: the step pod packs the work folder into a gzipped
tar of at most ``max_tree_bytes`` and stores it in a ConfigMap (the API limits an object to
1 MiB, and binaryData is base64, so 700 KiB of tar is the most that fits); the sandbox pod
mounts it read-only and unpacks it into its own ``emptyDir``. The pod itself carries no
service-account token, no environment from Secrets, and the label that the deny-all
NetworkPolicy (``deploy/networkpolicies.yaml``) selects, so it can reach nothing and
nothing can reach it.
"""

import math

from pydantic import Field

from quantumlayer_dagster.model import Model

SANDBOX_POLICY_LABEL = ("quantumlayer.dev/sandbox", "true")
"""The label the deny-all-ingress, deny-all-egress NetworkPolicy selects."""
SANDBOX_UID = 65534
CONTAINER = "sandbox"
TREE_KEY = "tree.tar.gz"
HANDOVER_DIR = "/ql-handover"
SCRATCH_DIR = "/tmp"
"""The sandbox pod's only writable folder (an emptyDir); work folders live under it."""
POD_ENTRY_MODULE = "quantumlayer_dagster.sandbox.k8s_pod"


class K8sSandboxConfig(Model):
    """Where and with what limits sandbox Jobs run (``QL_SANDBOX_*`` settings)."""

    namespace: str = "quantumlayer-sandbox"
    image: str = Field(min_length=1)
    """The QuantumLayer image: it holds the same interpreter and pytest as the step pod."""
    service_account: str = "quantumlayer-sandbox"
    """An account bound to no role; its token is not mounted anyway."""
    runtime_class_name: str = ""
    """e.g. ``runsc`` (gVisor) when the cluster has it; empty: the cluster's default runtime."""
    cpu: str = "1"
    memory: str = "1Gi"
    ephemeral_storage: str = "1Gi"
    """Limits; generated test runs measured about 70 MB (bench/k8s_plan.py), so the requests
    below are smaller and the limits leave room for heavier suites."""
    cpu_request: str = "250m"
    memory_request: str = "256Mi"
    ephemeral_storage_request: str = "256Mi"
    scratch_size: str = "512Mi"
    startup_grace_s: int = Field(default=120, ge=10)
    """Added to the wall timeout for scheduling and image pull in ``activeDeadlineSeconds``."""
    poll_interval_s: float = Field(default=2.0, gt=0)
    max_tree_bytes: int = Field(default=700 * 1024, ge=1024, le=700 * 1024)
    ttl_after_finished_s: int = 600
    """Kubernetes deletes a Job left behind (e.g. the step pod died) after this long."""


def sandbox_labels(name: str) -> dict[str, str]:
    key, value = SANDBOX_POLICY_LABEL
    return {
        "app.kubernetes.io/name": "quantumlayer-sandbox",
        "app.kubernetes.io/part-of": "quantumlayer",
        key: value,
        "quantumlayer.dev/sandbox-run": name,
    }


def tree_config_map(name: str, namespace: str, tree_b64: str, owner_uid: str | None) -> dict:
    """The ConfigMap holding the packed tree; owned by the Job so it goes when the Job goes."""
    metadata: dict = {"name": name, "namespace": namespace, "labels": sandbox_labels(name)}
    if owner_uid:
        metadata["ownerReferences"] = [
            {"apiVersion": "batch/v1", "kind": "Job", "name": name, "uid": owner_uid}
        ]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "binaryData": {TREE_KEY: tree_b64},
    }


def pod_command(
    python: str,
    argv: list[str],
    workdir: str,
    env: dict[str, str],
    wall_timeout_s: float,
    max_output: int,
) -> list[str]:
    """The sandbox container's command: the pod entry (run by ``python``, the image's
    interpreter) unpacks the tree into ``workdir``, runs ``argv`` with exactly ``env`` and
    prints one result line (see ``k8s_pod``)."""
    head = [python, "-m", POD_ENTRY_MODULE, "--tree", f"{HANDOVER_DIR}/{TREE_KEY}"]
    head += ["--workdir", workdir, "--wall-timeout", f"{wall_timeout_s:g}"]
    head += ["--max-output", str(max_output)]
    for key, value in sorted(env.items()):
        head += ["--env", f"{key}={value}"]
    return [*head, "--", *argv]


def sandbox_job(
    name: str,
    config: K8sSandboxConfig,
    command: list[str],
    wall_timeout_s: float,
    annotations: dict[str, str] | None = None,
) -> dict:
    """The Job that runs ``command`` once in a locked-down pod (see the module doc).
    ``annotations`` (the trace context of the run that made it) go on the Job and its pod,
    where a log collector can join the pod's lines to the trace; the pod itself cannot
    export spans (it has no network)."""
    labels = sandbox_labels(name)
    meta: dict = {"labels": labels, **({"annotations": annotations} if annotations else {})}
    limits = {
        "cpu": config.cpu,
        "memory": config.memory,
        "ephemeral-storage": config.ephemeral_storage,
    }
    container = {
        "name": CONTAINER,
        "image": config.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": [],
        "resources": {
            "requests": {
                "cpu": config.cpu_request,
                "memory": config.memory_request,
                "ephemeral-storage": config.ephemeral_storage_request,
            },
            "limits": limits,
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": SANDBOX_UID,
            "runAsGroup": SANDBOX_UID,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "tree", "mountPath": HANDOVER_DIR, "readOnly": True},
            {"name": "scratch", "mountPath": SCRATCH_DIR},
        ],
    }
    pod_spec: dict = {
        "restartPolicy": "Never",
        "serviceAccountName": config.service_account,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 1,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": SANDBOX_UID,
            "runAsGroup": SANDBOX_UID,
            "fsGroup": SANDBOX_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [
            {"name": "tree", "configMap": {"name": name, "defaultMode": 0o444}},
            {"name": "scratch", "emptyDir": {"sizeLimit": config.scratch_size}},
        ],
    }
    if config.runtime_class_name:
        pod_spec["runtimeClassName"] = config.runtime_class_name
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": config.namespace, **meta},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": math.ceil(wall_timeout_s) + config.startup_grace_s,
            "ttlSecondsAfterFinished": config.ttl_after_finished_s,
            "template": {"metadata": meta, "spec": pod_spec},
        },
    }


def isolation_label(config: K8sSandboxConfig) -> str:
    """The one-line description stored in every ``SandboxResult`` of this sandbox."""
    runtime = config.runtime_class_name or "cluster default runtime"
    return (
        f"k8s-job (separate pod in {config.namespace}; no network: deny-all NetworkPolicy; "
        f"no service-account token; uid {SANDBOX_UID}; read-only root; runtime {runtime})"
    )
