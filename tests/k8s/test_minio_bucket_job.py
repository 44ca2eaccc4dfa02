"""The bucket Job's script (deploy/minio.yaml), run as written under dash and bash with a
recording ``mc`` in place of MinIO's client: it checks every tenant name before it changes
anything, gives each tenant its rendered policy and its own user, and can be run again."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.k8s.minio_policies import (
    TENANT_PATTERN,
    bucket_job,
    bucket_job_script,
    listed_tenants,
    render_tenant_policy,
    tenant_template,
)

SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]

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


def _job_env(tmp_path: Path, tenants: str, keys: dict[str, tuple[str, str]]) -> dict[str, str]:
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


def _run(shell: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shell, "-ec", bucket_job_script()], env=env, capture_output=True, text=True, timeout=60
    )


def _calls(env: dict[str, str]) -> list[list[str]]:
    path = Path(env["MC_LOG"]) / "calls"
    if not path.exists():
        return []
    return [line.split("\x1f")[:-1] for line in path.read_text().splitlines()]


KEYS = {"team-a": ("qlt-aaaa", "secret-a"), "b.2": ("qlt-bbbb", "secret-b")}


@pytest.mark.parametrize("shell", SHELLS)
def test_each_tenant_gets_its_rendered_policy_attached_to_its_own_user(
    shell: str, tmp_path: Path
) -> None:
    env = _job_env(tmp_path, "# tenants\nteam-a\n\nb.2", KEYS)
    done = _run(shell, env)
    assert done.returncode == 0, done.stderr
    calls = _calls(env)
    for tenant, (access, secret) in KEYS.items():
        policy = f"quantumlayer-tenant-{tenant}"
        created = json.loads((Path(env["MC_LOG"]) / f"{policy}.json").read_text())
        assert created == render_tenant_policy(tenant)
        assert ["admin", "user", "add", "store", access, secret] in calls
        assert ["admin", "policy", "attach", "store", policy, "--user", access] in calls
    # the application's user keeps its own policy, and only it
    assert ["admin", "policy", "attach", "store", "quantumlayer-app", "--user", "ql-app"] in calls
    attached = [c for c in calls if c[:3] == ["admin", "policy", "attach"]]
    assert len(attached) == 3


@pytest.mark.parametrize("shell", SHELLS)
def test_running_the_job_again_succeeds_and_changes_nothing_else(
    shell: str, tmp_path: Path
) -> None:
    env = _job_env(tmp_path, "team-a\nb.2\n", KEYS)
    first = _run(shell, env)
    assert first.returncode == 0, first.stderr
    once = _calls(env)
    second = _run(shell, env)
    assert second.returncode == 0, second.stderr
    assert "already attached" in second.stdout
    assert _calls(env) == once + once


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "bad",
    ["../b", "Team", "a b", "-a", ".a", "a/b", "a*", "é", "x" * 64, "a$(id)", "${TENANT}"],
)
def test_a_bad_tenant_name_stops_the_job_before_any_change(
    shell: str, bad: str, tmp_path: Path
) -> None:
    assert not re.fullmatch(TENANT_PATTERN, bad)
    env = _job_env(tmp_path, f"team-a\n{bad}\n", {**KEYS, "x": ("qlt-x", "s")})
    done = _run(shell, env)
    assert done.returncode == 2
    assert f"tenant name '{bad}' refused" in done.stderr
    assert _calls(env) == []


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("good", ["a", "0", "team_a.b-c", "x" * 63])
def test_names_the_pattern_accepts_are_accepted(shell: str, good: str, tmp_path: Path) -> None:
    assert re.fullmatch(TENANT_PATTERN, good)
    env = _job_env(tmp_path, good, {good: ("qlt-g", "s")})
    done = _run(shell, env)
    assert done.returncode == 0, done.stderr
    created = json.loads((Path(env["MC_LOG"]) / f"quantumlayer-tenant-{good}.json").read_text())
    assert created == render_tenant_policy(good)


@pytest.mark.parametrize("shell", SHELLS)
def test_a_tenant_without_keys_stops_the_job_naming_the_fix(shell: str, tmp_path: Path) -> None:
    env = _job_env(tmp_path, "team-a\nteam-c\n", KEYS)
    done = _run(shell, env)
    assert done.returncode == 2
    assert "tenant 'team-c' has no keys" in done.stderr and "create-secrets.sh" in done.stderr
    assert _calls(env) == []


def test_the_job_mounts_the_tenant_list_and_keys_and_lists_example_tenants() -> None:
    pod = bucket_job()["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tenants"]["configMap"]["name"] == "quantumlayer-tenants"
    assert volumes["tenant-keys"]["secret"]["secretName"] == "quantumlayer-tenant-keys"
    [container] = pod["containers"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert all(mounts[n]["readOnly"] for n in ("policy", "tenants", "tenant-keys"))
    assert listed_tenants() == ["team-a", "team-b"]
