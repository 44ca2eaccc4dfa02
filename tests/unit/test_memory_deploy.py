"""The Qdrant manifest and the Helm values agree: the memory URL the user code gets names
the Service the manifest creates, and the server keeps its data on a volume."""

from pathlib import Path
from urllib.parse import urlparse

import dagster as dg
import yaml

from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from quantumlayer_dagster.settings import Settings
from resources.memory import VectorMemoryResource

ROOT = Path(__file__).resolve().parents[2]


def manifests() -> dict[str, dict]:
    docs = yaml.safe_load_all((ROOT / "deploy" / "qdrant.yaml").read_text())
    return {d["kind"]: d for d in docs}


def memory_url() -> str:
    values = yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    env = {e["name"]: e.get("value") for e in deployment["env"]}
    return env["QL_MEMORY_URL"]


def test_the_user_code_memory_url_names_the_qdrant_service_and_http_port() -> None:
    service = manifests()["Service"]
    url = urlparse(memory_url())
    name, namespace = url.hostname.split(".")[:2]
    assert (name, namespace) == (service["metadata"]["name"], service["metadata"]["namespace"])
    ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert url.port == ports["http"]


def test_the_server_stores_on_a_volume_and_runs_unprivileged() -> None:
    sts = manifests()["StatefulSet"]
    [container] = sts["spec"]["template"]["spec"]["containers"]
    [claim] = sts["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/qdrant/storage"
    assert sts["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_settings_read_the_memory_url_so_the_server_replaces_local_mode(monkeypatch) -> None:
    monkeypatch.setenv("QL_MEMORY_URL", memory_url())
    settings = Settings.from_env()
    assert settings.memory_url == memory_url() and settings.memory_enabled
    resource = VectorMemoryResource.from_settings(settings)
    assert isinstance(resource.url, dg.EnvVar)  # the UI shows the variable, not the URL
    memory = resource.process_config_and_initialize().memory()
    assert isinstance(memory, QdrantMemory)
    assert (memory.url, memory.path) == (memory_url(), None)
    monkeypatch.setenv("QL_MEMORY", "off")
    assert VectorMemoryResource.from_settings(Settings.from_env()).memory() is None
