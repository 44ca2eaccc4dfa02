"""The MinIO policy documents and tenant list of deploy/minio.yaml, as the bucket Job uses them."""

import json
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMPTS = "quantumlayer-prompts"
ARTIFACTS = "quantumlayer-artifacts"


def minio_documents() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "minio.yaml").read_text()) if d]


def config_map(name: str) -> dict[str, str]:
    [found] = [
        d for d in minio_documents() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name
    ]
    data: dict[str, str] = found["data"]
    return data


def app_policy() -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(
        config_map("quantumlayer-minio-policy")["quantumlayer-app.json"]
    )
    return policy


def tenant_template() -> str:
    return config_map("quantumlayer-minio-policy")["tenant.json"]


def render_tenant_policy(tenant: str) -> dict[str, Any]:
    """The template with the tenant's name put in, as the Job's ``render`` does."""
    policy: dict[str, Any] = json.loads(tenant_template().replace("${TENANT}", tenant))
    return policy


def listed_tenants() -> list[str]:
    lines = config_map("quantumlayer-tenants")["tenants"].splitlines()
    return [t for t in (line.strip() for line in lines) if t and not t.startswith("#")]


def bucket_job() -> dict[str, Any]:
    [job] = [d for d in minio_documents() if d["kind"] == "Job"]
    return job


def bucket_job_script() -> str:
    [container] = bucket_job()["spec"]["template"]["spec"]["containers"]
    script: str = container["args"][0]
    return script
