"""What the Dagster chart (1.13.27) makes of deploy/values.yaml, for the parts the run and
step pods depend on. No ``helm`` binary is available here, so these two functions follow the
chart's templates line by line: ``templates/helpers/instance/_run-launcher.tpl`` (the
``run_launcher`` section of the instance's dagster.yaml) and
``charts/dagster-user-deployments/templates/helpers/_helpers.tpl``
(``dagsterUserDeployments.k8sContainerContext``: what ``includeConfigInLaunchedRuns`` hands
to launched runs)."""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "dagster"
FULLNAME = "dagster"  # the release name contains the chart name
NAMESPACE = "quantumlayer"


def values() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())


def run_launcher_config(vals: dict[str, Any], kubeconfig_file: str) -> dict[str, Any]:
    """The K8sRunLauncher config the chart writes, with a kubeconfig file instead of the
    in-cluster config (the one deviation: there is no cluster)."""
    launcher = vals["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {
        "load_incluster_config": False,
        "kubeconfig_file": kubeconfig_file,
        "job_namespace": launcher.get("jobNamespace") or NAMESPACE,
        "service_account_name": vals["global"]["serviceAccountName"],
        "dagster_home": "/opt/dagster/dagster_home",
        "instance_config_map": f"{FULLNAME}-instance",
        "postgres_password_secret": vals["global"]["postgresqlSecretName"],
    }
    if launcher.get("envSecrets"):
        config["env_secrets"] = [s["name"] for s in launcher["envSecrets"]]
    run_config = launcher.get("runK8sConfig") or {}
    keys = {
        "containerConfig": "container_config",
        "podSpecConfig": "pod_spec_config",
        "podTemplateSpecMetadata": "pod_template_spec_metadata",
        "jobSpecConfig": "job_spec_config",
        "jobMetadata": "job_metadata",
    }
    config["run_k8s_config"] = {keys[k]: v for k, v in run_config.items() if v}
    return config


def code_location_container_context(vals: dict[str, Any]) -> dict[str, Any]:
    """The container context of our code location (includeConfigInLaunchedRuns)."""
    [deployment] = vals["dagster-user-deployments"]["deployments"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    k8s: dict[str, Any] = {
        "image_pull_policy": deployment["image"]["pullPolicy"],
        "env_config_maps": [f"{FULLNAME}-{deployment['name']}-user-env"],
        "env_secrets": [s["name"] for s in deployment.get("envSecrets", [])],
        "namespace": NAMESPACE,
        "service_account_name": vals["global"]["serviceAccountName"],
        "run_k8s_config": {"pod_spec_config": {"automount_service_account_token": True}},
    }
    for key, name in (
        ("volumeMounts", "volume_mounts"),
        ("volumes", "volumes"),
        ("labels", "labels"),
        ("resources", "resources"),
        ("env", "env"),
    ):
        if deployment.get(key):
            k8s[name] = deployment[key]
    return {"k8s": k8s}


def image(vals: dict[str, Any]) -> str:
    [deployment] = vals["dagster-user-deployments"]["deployments"]
    return f"{deployment['image']['repository']}:{deployment['image']['tag']}"
