"""Hard isolation, one deployment per tenant: deploy/tenant_deployment.py rewrites deploy/ for
one tenant, and what it writes shares nothing with the shared deployment or another tenant's
but the cluster, the Postgres server and the ingress controller, and stays valid."""

import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.k8s import chart
from tests.k8s.chart_keys import unknown_keys
from tests.k8s.schema import K8S_VERSION

DEPLOY = chart.ROOT / "deploy"
SCRIPT = DEPLOY / "tenant_deployment.py"
SHARED = {"kube-system", "ingress-nginx", "quantumlayer-db", "monitoring", "observability"}


def _render(tenant: str, out: Path) -> dict[str, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), tenant, str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return {p.name: [d for d in yaml.safe_load_all(p.read_text()) if d] for p in out.glob("*.yaml")}


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    return _render("acme", tmp_path_factory.mktemp("acme"))


def _manifests(files: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [d for name, docs in files.items() if name != "values.yaml" for d in docs]


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _namespace_refs(files: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Every namespace the files put an object in, bind an account of, select peers from, or
    address a Service in."""
    refs: set[str] = set()
    for doc in _manifests(files):
        meta = doc["metadata"]
        refs.add(meta["name"] if doc["kind"] == "Namespace" else meta.get("namespace", ""))
        refs |= {s["namespace"] for s in doc.get("subjects") or [] if "namespace" in s}
        for rule in (doc.get("spec") or {}).get("ingress", []) + (doc.get("spec") or {}).get(
            "egress", []
        ):
            for peer in rule.get("from", []) + rule.get("to", []):
                labels = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
                refs |= {v for k, v in labels.items() if k == "kubernetes.io/metadata.name"}
    for text in (s for docs in files.values() for d in docs for s in _strings(d)):
        refs |= {part.split(".")[1] for part in text.split("/") if ".svc" in part}
    refs.discard("")
    return refs


def test_every_manifest_is_still_valid_kubernetes(acme: dict) -> None:
    assert set(acme) == {p.name for p in DEPLOY.glob("*.yaml")}
    for doc in _manifests(acme):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_everything_lives_in_the_tenants_two_namespaces(acme: dict) -> None:
    names = {d["metadata"]["name"] for d in _manifests(acme) if d["kind"] == "Namespace"}
    assert names == {"quantumlayer-acme", "quantumlayer-acme-sandbox"}
    assert _namespace_refs(acme) - SHARED == {"quantumlayer-acme", "quantumlayer-acme-sandbox"}
    [binding] = [d for d in _manifests(acme) if d["kind"] == "RoleBinding"]
    assert binding["metadata"]["namespace"] == "quantumlayer-acme-sandbox"
    assert [s["namespace"] for s in binding["subjects"]] == ["quantumlayer-acme"]


def test_the_chart_values_put_runs_sandboxes_and_stores_in_the_tenants_namespace(
    acme: dict,
) -> None:
    [vals] = acme["values.yaml"]
    assert unknown_keys(vals) == []
    launcher = chart.run_launcher_config(vals, "unused")
    assert launcher["job_namespace"] == "quantumlayer-acme"
    [deployment] = vals["dagster-user-deployments"]["deployments"]
    env = {e["name"]: e.get("value") for e in deployment["env"]}
    assert env["QL_SANDBOX_NAMESPACE"] == "quantumlayer-acme-sandbox"
    assert env["QL_S3_ENDPOINT"] == "minio.quantumlayer-acme.svc:9000"  # its own MinIO
    assert env["QL_MEMORY_URL"] == "http://qdrant.quantumlayer-acme.svc:6333"
    assert (vals["postgresql"]["postgresqlDatabase"], vals["postgresql"]["postgresqlUsername"]) == (
        "quantumlayer_acme",
        "quantumlayer_acme",
    )


def test_only_the_tenants_groups_reach_its_webservers_on_its_own_hosts(acme: dict) -> None:
    docs = acme["oauth2-proxy.yaml"]
    groups = {
        d["metadata"]["name"]: sorted(
            a.split("=", 1)[1]
            for a in d["spec"]["template"]["spec"]["containers"][0]["args"]
            if a.startswith("--allowed-group=")
        )
        for d in docs
        if d["kind"] == "Deployment"
    }
    assert groups == {
        "oauth2-proxy-viewer": ["quantumlayer-acme-operators", "quantumlayer-acme-viewers"],
        "oauth2-proxy-operator": ["quantumlayer-acme-operators"],
    }
    [ingress] = [d for d in docs if d["kind"] == "Ingress"]
    assert {r["host"] for r in ingress["spec"]["rules"]} == {
        "acme.dagster.example.com",
        "acme.dagster-admin.example.com",
    }


def test_its_object_store_serves_that_tenant_and_its_backups_go_to_its_own_prefix(
    acme: dict,
) -> None:
    [tenants] = [
        d
        for d in acme["minio.yaml"]
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "quantumlayer-tenants"
    ]
    assert tenants["data"]["tenants"].split() == ["acme"]
    [cron] = acme["backup.yaml"]
    command = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[2] == "s3://quantumlayer-backups/acme/nightly"


def test_two_tenants_share_no_namespace_database_group_or_host(tmp_path: Path) -> None:
    a, b = _render("acme", tmp_path / "a"), _render("globex", tmp_path / "b")

    def identity(files: dict) -> set[str]:
        [vals] = files["values.yaml"]
        proxies = [d for d in files["oauth2-proxy.yaml"] if d["kind"] in ("Deployment", "Ingress")]
        hosts = {r["host"] for d in proxies if d["kind"] == "Ingress" for r in d["spec"]["rules"]}
        groups = {s for d in proxies for s in _strings(d) if s.startswith("--allowed-group=")}
        return (
            (_namespace_refs(files) - SHARED)
            | {vals["postgresql"]["postgresqlDatabase"]}
            | hosts
            | groups
        )

    assert identity(a) and identity(b)
    assert identity(a).isdisjoint(identity(b))


def test_the_namespace_check_sees_the_shared_deployments_namespaces_in_deploy() -> None:
    # The same reading of deploy/ itself finds the shared namespaces: the checks above would
    # see one the rewrite missed.
    source = {
        p.name: [d for d in yaml.safe_load_all(p.read_text()) if d] for p in DEPLOY.glob("*.yaml")
    }
    assert _namespace_refs(source) - SHARED == {"quantumlayer", "quantumlayer-sandbox"}


def test_the_source_files_are_left_as_they_are(tmp_path: Path) -> None:
    before = {p.name: p.read_text() for p in DEPLOY.glob("*.yaml")}
    _render("acme", tmp_path)
    assert {p.name: p.read_text() for p in DEPLOY.glob("*.yaml")} == before


@pytest.mark.parametrize("bad", ["", "Acme", "a_b", "a.b", "-a", "a-", "../a", "a" * 43, "é"])
def test_a_name_that_cannot_name_a_namespace_is_refused_in_one_line(
    bad: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), bad, str(tmp_path / "out")], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "refused" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_longest_accepted_name_still_makes_valid_namespace_names(tmp_path: Path) -> None:
    module = runpy.run_path(str(SCRIPT))
    longest = "a" * 42
    assert module["check_tenant"](longest) == longest
    files = _render(longest, tmp_path)
    for name in _namespace_refs(files) - SHARED:
        assert len(name) <= 63
    for doc in _manifests(files):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
