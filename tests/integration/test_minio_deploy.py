"""The MinIO manifest and the Helm values agree: the endpoint the user code gets names the
Service the manifest creates, the keys come from a Secret, and those values make the
Definitions pick MinIO with the keys bound as EnvVar (never as literal config)."""

from pathlib import Path

import dagster as dg
import yaml

from quantumlayer_dagster.settings import Settings
from resources.artifact_store import artifact_store_resource

ROOT = Path(__file__).resolve().parents[2]


def manifests() -> dict[str, dict]:
    docs = yaml.safe_load_all((ROOT / "deploy" / "minio.yaml").read_text())
    return {d["kind"]: d for d in docs}


def user_deployment() -> dict:
    values = yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    return deployment


def store_env() -> dict[str, str]:
    env = {e["name"]: e.get("value") for e in user_deployment()["env"]}
    return {k: v for k, v in env.items() if k.startswith(("QL_STORE", "QL_S3", "QL_PROMPTS"))}


def test_the_user_code_endpoint_names_the_minio_service_and_s3_port() -> None:
    service = manifests()["Service"]
    host, port = store_env()["QL_S3_ENDPOINT"].split(":")
    name, namespace = host.split(".")[:2]
    assert (name, namespace) == (service["metadata"]["name"], service["metadata"]["namespace"])
    assert int(port) == {p["name"]: p["port"] for p in service["spec"]["ports"]}["s3"]


def test_the_keys_come_from_secrets_for_the_code_and_the_run_pods() -> None:
    assert {"name": "quantumlayer-s3-keys"} in user_deployment()["envSecrets"]
    values = yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert {"name": "quantumlayer-s3-keys"} in launcher["envSecrets"]
    [container] = manifests()["StatefulSet"]["spec"]["template"]["spec"]["containers"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]}
    assert refs == {
        "MINIO_ROOT_USER": "quantumlayer-minio",
        "MINIO_ROOT_PASSWORD": "quantumlayer-minio",
    }


def test_the_deployed_environment_selects_minio_with_the_keys_as_env_vars(monkeypatch) -> None:
    for name, value in store_env().items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    resource = artifact_store_resource(settings)
    assert (resource.kind, resource.endpoint) == ("minio", "minio.quantumlayer.svc:9000")
    assert (resource.bucket, resource.prompts_bucket) == (
        "quantumlayer-artifacts",
        "quantumlayer-prompts",
    )
    assert isinstance(resource.access_key, dg.EnvVar)
    assert isinstance(resource.secret_key, dg.EnvVar)
    assert (resource.access_key.env_var_name, resource.secret_key.env_var_name) == (
        "QL_S3_ACCESS_KEY",
        "QL_S3_SECRET_KEY",
    )
