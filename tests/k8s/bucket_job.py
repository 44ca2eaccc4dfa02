"""The bucket Job of deploy/minio.yaml run on this machine: its script as written, its mounts
(ConfigMaps and Secrets) as local folders, and a recording ``mc`` in place of MinIO's client."""

import os
import subprocess
from pathlib import Path

from tests.k8s.minio_policies import bucket_job, bucket_job_script, tenant_template

# Records each call (its arguments, 0x1f-separated, one call a line) and keeps a copy of
# every policy it is given.
# A second `policy attach` of the same pair fails as MinIO's does.
FAKE_MC = r"""#!/bin/sh
set -e
for arg in "$@"; do printf '%s\037' "$arg"; done >>"$MC_LOG/calls"
printf '\n' >>"$MC_LOG/calls"
case "$1 $2 $3" in
  "admin policy create") cp "$6" "$MC_LOG/$5.json" ;;
  "admin policy attach")
    mark="$MC_LOG/attached-$5-$7"
    if [ -e "$mark" ]; then echo "mc: <ERROR> policy is already attached" >&2; exit 1; fi
    : >"$mark" ;;
esac
"""


def job_env(tmp_path: Path, tenants: str, keys: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The Job's environment, with its mounts (ConfigMaps and Secrets) as local folders."""
    [container] = bucket_job()["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    policy_dir, keys_dir, tmp, log, bin_dir = (
        tmp_path / d for d in ("policy", "keys", "tmp", "log", "bin")
    )
    for d in (policy_dir, keys_dir, tmp, log, bin_dir):
        d.mkdir()
    (policy_dir / "tenant.json").write_text(tenant_template())
    (policy_dir / "quantumlayer-app.json").write_text("{}")
    (tmp_path / "tenants").write_text(tenants)
    for tenant, (access, secret) in keys.items():
        (keys_dir / f"{tenant}.access-key").write_text(access)
        (keys_dir / f"{tenant}.secret-key").write_text(secret)
    mc = bin_dir / "mc"
    mc.write_text(FAKE_MC)
    mc.chmod(0o755)
    assert env["POLICY_DIR"] == "/policy" and env["TENANT_KEYS_DIR"] == "/tenant-keys"
    env.update(
        POLICY_DIR=str(policy_dir),
        TENANT_KEYS_DIR=str(keys_dir),
        TENANTS_FILE=str(tmp_path / "tenants"),
        TMPDIR=str(tmp),
        MC_CONFIG_DIR=str(tmp / ".mc"),
        MC_LOG=str(log),
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        ROOT_USER="root",
        ROOT_PASSWORD="root-password",
        QL_S3_ACCESS_KEY="ql-app",
        QL_S3_SECRET_KEY="app-secret",
    )
    return env


def run_job(shell: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shell, "-ec", bucket_job_script()], env=env, capture_output=True, text=True, timeout=60
    )


def mc_calls(env: dict[str, str]) -> list[list[str]]:
    path = Path(env["MC_LOG"]) / "calls"
    if not path.exists():
        return []
    return [line.split("\x1f")[:-1] for line in path.read_text().splitlines()]
