"""Roles through the enforcement points that exist (deploy/README.md, "Roles"): the identity
provider's groups decide which oauth2-proxy lets a person in, each proxy reaches only its own
webserver (the viewers' one is read-only), and no other pod reaches a webserver."""

from typing import Any

import pytest
import yaml

from tests.k8s import chart, reach
from tests.k8s.reach import pod_may_reach, selects
from tests.k8s.test_manifests import documents

OPERATORS = "quantumlayer-operators"
VIEWERS = "quantumlayer-viewers"
WEBSERVER_PORT = 80


def _proxies() -> dict[str, dict[str, Any]]:
    """The oauth2-proxy Deployments by name."""
    return {
        d["metadata"]["name"]: d
        for d in documents("oauth2-proxy.yaml")
        if d["kind"] == "Deployment"
    }


def _args(deployment: dict[str, Any]) -> list[str]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    args: list[str] = container["args"]
    return args


def _flag(deployment: dict[str, Any], name: str) -> list[str]:
    return [a.split("=", 1)[1] for a in _args(deployment) if a.startswith(f"--{name}=")]


def _pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def _webserver_labels(read_only: bool) -> dict[str, str]:
    """The pod labels the chart gives each webserver: its selector labels, the component
    (``dagster.webserver.componentName``) and ``dagsterWebserver.labels``."""
    return {
        "app.kubernetes.io/name": "dagster",
        "app.kubernetes.io/instance": chart.RELEASE,
        "component": "dagster-webserver-read-only" if read_only else "dagster-webserver",
        **chart.values()["dagsterWebserver"]["labels"],
    }


def _proxy_for_host(host: str) -> dict[str, Any]:
    """The proxy Deployment behind an Ingress host (Ingress -> Service -> pod selector)."""
    docs = documents("oauth2-proxy.yaml")
    [ingress] = [d for d in docs if d["kind"] == "Ingress"]
    [rule] = [r for r in ingress["spec"]["rules"] if r["host"] == host]
    [path] = rule["http"]["paths"]
    service_name = path["backend"]["service"]["name"]
    [service] = [
        d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == service_name
    ]
    [proxy] = [
        p
        for p in _proxies().values()
        if selects({"matchLabels": service["spec"]["selector"]}, _pod_labels(p))
    ]
    return proxy


def test_the_operators_host_admits_the_operators_group_only_to_the_full_webserver() -> None:
    proxy = _proxy_for_host("dagster-admin.example.com")
    assert _flag(proxy, "allowed-group") == [OPERATORS]
    assert _flag(proxy, "upstream") == ["http://dagster-webserver.quantumlayer.svc:80"]


def test_the_viewers_host_admits_viewers_and_operators_to_the_read_only_webserver() -> None:
    proxy = _proxy_for_host("dagster.example.com")
    assert sorted(_flag(proxy, "allowed-group")) == sorted([VIEWERS, OPERATORS])
    assert _flag(proxy, "upstream") == ["http://dagster-webserver-read-only.quantumlayer.svc:80"]


def test_the_groups_are_read_from_the_id_tokens_groups_claim_and_cookies_are_apart() -> None:
    [config] = [d for d in documents("oauth2-proxy.yaml") if d["kind"] == "ConfigMap"]
    assert config["data"]["OAUTH2_PROXY_OIDC_GROUPS_CLAIM"] == "groups"
    assert config["data"]["OAUTH2_PROXY_EMAIL_DOMAINS"] == "*"  # groups decide, not domains
    cookies = {p: _flag(d, "cookie-name")[0] for p, d in _proxies().items()}
    assert len(set(cookies.values())) == len(cookies)  # a viewer cookie is no operator cookie


def test_the_chart_runs_a_second_webserver_read_only() -> None:
    # templates/deployment-webserver.yaml renders a second Deployment with --read-only when
    # dagsterWebserver.enableReadOnly is true (helpers: dagster.webserver.dagsterWebserverCommand).
    assert chart.values()["dagsterWebserver"]["enableReadOnly"] is True


@pytest.mark.parametrize("read_only", [False, True], ids=["full", "read-only"])
def test_only_the_matching_proxy_reaches_each_webserver(read_only: bool) -> None:
    webserver = _webserver_labels(read_only)
    proxies = _proxies()
    reaches = {
        name: pod_may_reach(_pod_labels(proxy), webserver, WEBSERVER_PORT)
        for name, proxy in proxies.items()
    }
    expected = "oauth2-proxy-viewer" if read_only else "oauth2-proxy-operator"
    assert reaches == {name: name == expected for name in proxies}


def test_no_other_pod_of_the_deployment_reaches_a_webserver() -> None:
    values = chart.values()
    [user_deployment] = values["dagster-user-deployments"]["deployments"]
    run_pod = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"][
        "podTemplateSpecMetadata"
    ]["labels"]
    others = {
        "daemon": values["dagsterDaemon"]["labels"],
        "code server": {"component": "user-deployments", **user_deployment["labels"]},
        "run pod": run_pod,
        "other webserver": _webserver_labels(read_only=True),
    }
    for doc in documents("minio.yaml") + documents("metrics.yaml") + documents("backup.yaml"):
        if doc["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob"):
            workload = doc["spec"]["jobTemplate"] if doc["kind"] == "CronJob" else doc
            others[doc["metadata"]["name"]] = workload["spec"]["template"]["metadata"]["labels"]
    for read_only in (False, True):
        for name, labels in others.items():
            reached = pod_may_reach(labels, _webserver_labels(read_only), WEBSERVER_PORT)
            assert not reached, (name, read_only)


def test_the_reach_check_sees_an_opening_when_one_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    # A policy admitting everything shows up as reach: the check above is not vacuous.
    daemon = chart.values()["dagsterDaemon"]["labels"]
    webserver = _webserver_labels(read_only=False)
    assert not pod_may_reach(daemon, webserver, WEBSERVER_PORT)
    open_all = yaml.safe_load(
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: open, namespace: quantumlayer}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
          ingress: [{}]
          egress: [{}]
        """
    )
    deployed = reach.policies()
    monkeypatch.setattr(reach, "policies", lambda: [*deployed, open_all])
    assert pod_may_reach(daemon, webserver, WEBSERVER_PORT)


def test_no_service_account_but_the_sandbox_launcher_is_bound_to_a_role() -> None:
    docs = documents("rbac.yaml")
    accounts = {d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"}
    bound = {s["name"] for d in docs if d["kind"] == "RoleBinding" for s in d["subjects"]}
    assert bound == {"quantumlayer-sandbox-launcher"}
    assert accounts >= bound
    for doc in docs:
        if doc["kind"] == "ServiceAccount":
            assert doc["automountServiceAccountToken"] is False, doc["metadata"]["name"]
    # no pod in deploy/ names an account beyond the chart's and rbac.yaml's
    for name in ("oauth2-proxy.yaml", "minio.yaml", "metrics.yaml", "backup.yaml"):
        for doc in documents(name):
            if doc["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob"):
                workload = doc["spec"]["jobTemplate"] if doc["kind"] == "CronJob" else doc
                pod = workload["spec"]["template"]["spec"]
                assert pod.get("serviceAccountName") in (None, *accounts), doc["metadata"]["name"]
