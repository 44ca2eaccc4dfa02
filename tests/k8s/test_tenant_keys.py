"""deploy/create-tenant-keys.sh, run as written with a recording ``kubectl`` that keeps the
Secrets it is given (no cluster here): each tenant gets its own generated keys, a rerun keeps
every key already there, a bad name changes nothing, and the bucket Job accepts the Secret."""

import base64
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.k8s.bucket_job import job_env, run_job
from tests.k8s.minio_policies import render_tenant_policy

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "create-tenant-keys.sh"

# kubectl as far as the script uses it: create secret (printed as JSON, which is YAML),
# apply -f - (kept as a file per namespace and name), get secret -o go-template (the keys).
FAKE_KUBECTL = r"""#!/usr/bin/env python3
import base64, json, os, sys
state = os.environ["KUBE_STATE"]
args = sys.argv[1:]
ns = "default"
if args[0] == "-n":
    ns, args = args[1], args[2:]
def path(name):
    return os.path.join(state, ns + "." + name + ".json")
if args[:3] == ["create", "secret", "generic"]:
    data = {}
    for a in args[4:]:
        if a.startswith("--from-literal="):
            k, v = a.removeprefix("--from-literal=").split("=", 1)
            data[k] = base64.b64encode(v.encode()).decode()
    meta = {"name": args[3], "namespace": ns}
    print(json.dumps({"kind": "Secret", "metadata": meta, "data": data}))
elif args[:2] == ["apply", "-f"]:
    doc = json.loads(sys.stdin.read())
    ns = doc["metadata"]["namespace"]  # as kubectl does: the object names its namespace
    with open(path(doc["metadata"]["name"]), "w") as f:
        json.dump(doc, f)
elif args[:2] == ["get", "secret"]:
    if not os.path.exists(path(args[2])):
        sys.exit(0 if "--ignore-not-found" in args else 1)
    data = json.load(open(path(args[2])))["data"]
    assert any(a.startswith("go-template=") for a in args), args
    for k, v in sorted(data.items()):
        print(k, v)
else:
    sys.exit("unexpected kubectl call: %r" % (args,))
"""


@pytest.fixture
def kubectl(tmp_path: Path) -> dict[str, str]:
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBE_STATE": str(state)}


def _create(
    env: dict[str, str], tenants: str, namespace: str = "quantumlayer"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT)],
        env={**env, "TENANTS": tenants, "NAMESPACE": namespace},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _secret(env: dict[str, str], namespace: str = "quantumlayer") -> dict[str, str]:
    path = Path(env["KUBE_STATE"]) / f"{namespace}.quantumlayer-tenant-keys.json"
    data = json.loads(path.read_text())["data"]
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


def test_each_tenant_gets_its_own_generated_keys(kubectl: dict[str, str]) -> None:
    done = _create(kubectl, "team-a b.2")
    assert done.returncode == 0, done.stderr
    keys = _secret(kubectl)
    assert set(keys) == {
        "team-a.access-key",
        "team-a.secret-key",
        "b.2.access-key",
        "b.2.secret-key",
    }
    for tenant in ("team-a", "b.2"):
        # a MinIO access key is at most 20 characters
        assert re.fullmatch(r"qlt-[0-9a-f]{16}", keys[f"{tenant}.access-key"])
        assert re.fullmatch(r"[0-9a-f]{48}", keys[f"{tenant}.secret-key"])
    assert keys["team-a.access-key"] != keys["b.2.access-key"]
    assert keys["team-a.secret-key"] != keys["b.2.secret-key"]


def test_a_rerun_keeps_every_key_and_adds_only_new_tenants(kubectl: dict[str, str]) -> None:
    assert _create(kubectl, "team-a b.2").returncode == 0
    first = _secret(kubectl)
    done = _create(kubectl, "team-a team-c")  # b.2 left out, team-c new
    assert done.returncode == 0, done.stderr
    second = _secret(kubectl)
    assert {k: v for k, v in second.items() if not k.startswith("team-c.")} == first
    assert {"team-c.access-key", "team-c.secret-key"} <= set(second)
    assert "tenant team-c: new keys" in done.stdout and "team-a" not in done.stdout


@pytest.mark.parametrize("bad", ["Team", "../b", "-a", "a/b", "x" * 64])
def test_a_bad_tenant_name_changes_nothing(kubectl: dict[str, str], bad: str) -> None:
    assert _create(kubectl, "team-a").returncode == 0
    before = _secret(kubectl)
    done = _create(kubectl, f"team-b {bad}")
    assert done.returncode == 2
    assert f"tenant name '{bad}' refused" in done.stderr
    assert _secret(kubectl) == before


def test_a_tenant_deployment_gets_its_keys_in_its_own_namespace(kubectl: dict[str, str]) -> None:
    assert _create(kubectl, "acme", namespace="quantumlayer-acme").returncode == 0
    assert set(_secret(kubectl, "quantumlayer-acme")) == {"acme.access-key", "acme.secret-key"}
    assert not (Path(kubectl["KUBE_STATE"]) / "quantumlayer.quantumlayer-tenant-keys.json").exists()


def test_the_bucket_job_accepts_the_secret_as_mounted(
    kubectl: dict[str, str], tmp_path: Path
) -> None:
    assert _create(kubectl, "team-a team-b").returncode == 0
    keys = _secret(kubectl)
    pairs = {t: (keys[f"{t}.access-key"], keys[f"{t}.secret-key"]) for t in ("team-a", "team-b")}
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    env = job_env(job_dir, "team-a\nteam-b\n", pairs)
    done = run_job("sh", env)
    assert done.returncode == 0, done.stderr
    calls = (Path(env["MC_LOG"]) / "calls").read_text()
    for tenant, (access, _) in pairs.items():
        created = json.loads(
            (Path(env["MC_LOG"]) / f"quantumlayer-tenant-{tenant}.json").read_text()
        )
        assert created == render_tenant_policy(tenant)
        assert access in calls


def test_create_secrets_makes_the_tenant_keys_with_the_others(kubectl: dict[str, str]) -> None:
    env = {
        **kubectl,
        "PGPASSWORD": "pg",
        "OIDC_CLIENT_ID": "id",
        "OIDC_CLIENT_SECRET": "oidc",
        "OPENAI_API_KEY": "sk-test",
        "TENANTS": "team-a",
    }
    done = subprocess.run(
        ["sh", str(SCRIPT.parent / "create-secrets.sh"), "OPENAI_API_KEY"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert set(_secret(kubectl)) == {"team-a.access-key", "team-a.secret-key"}
    state = {p.name for p in Path(kubectl["KUBE_STATE"]).iterdir()}
    assert "quantumlayer.quantumlayer-s3-keys.json" in state
