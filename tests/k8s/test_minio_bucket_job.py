"""The bucket Job's script (deploy/minio.yaml), run as written under dash and bash with a
recording ``mc`` in place of MinIO's client: it checks every tenant name before it changes
anything, gives each tenant its rendered policy and its own user, and can be run again."""

import json
import shutil
from pathlib import Path

import pytest

from quantumlayer_dagster.tenants import check_tenant
from tests.k8s.bucket_job import job_env, mc_calls, run_job
from tests.k8s.minio_policies import (
    bucket_job,
    listed_tenants,
    render_tenant_policy,
)

SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]

KEYS = {"team-a": ("qlt-aaaa", "secret-a"), "b.2": ("qlt-bbbb", "secret-b")}


@pytest.mark.parametrize("shell", SHELLS)
def test_each_tenant_gets_its_rendered_policy_attached_to_its_own_user(
    shell: str, tmp_path: Path
) -> None:
    env = job_env(tmp_path, "# tenants\nteam-a\n\nb.2", KEYS)
    done = run_job(shell, env)
    assert done.returncode == 0, done.stderr
    calls = mc_calls(env)
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
    env = job_env(tmp_path, "team-a\nb.2\n", KEYS)
    first = run_job(shell, env)
    assert first.returncode == 0, first.stderr
    once = mc_calls(env)
    second = run_job(shell, env)
    assert second.returncode == 0, second.stderr
    assert "already attached" in second.stdout
    assert mc_calls(env) == once + once


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "bad",
    ["../b", "Team", "a b", "-a", ".a", "a/b", "a*", "é", "x" * 64, "a$(id)", "${TENANT}"],
)
def test_a_bad_tenant_name_stops_the_job_before_any_change(
    shell: str, bad: str, tmp_path: Path
) -> None:
    # the Job's shell check agrees with the one every entry point uses
    with pytest.raises(ValueError):
        check_tenant(bad)
    env = job_env(tmp_path, f"team-a\n{bad}\n", {**KEYS, "x": ("qlt-x", "s")})
    done = run_job(shell, env)
    assert done.returncode == 2
    assert f"tenant name '{bad}' refused" in done.stderr
    assert mc_calls(env) == []


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("good", ["a", "0", "team_a.b-c", "x" * 63])
def test_names_the_pattern_accepts_are_accepted(shell: str, good: str, tmp_path: Path) -> None:
    assert check_tenant(good) == good
    env = job_env(tmp_path, good, {good: ("qlt-g", "s")})
    done = run_job(shell, env)
    assert done.returncode == 0, done.stderr
    created = json.loads((Path(env["MC_LOG"]) / f"quantumlayer-tenant-{good}.json").read_text())
    assert created == render_tenant_policy(good)


@pytest.mark.parametrize("shell", SHELLS)
def test_a_tenant_without_keys_stops_the_job_naming_the_fix(shell: str, tmp_path: Path) -> None:
    env = job_env(tmp_path, "team-a\nteam-c\n", KEYS)
    done = run_job(shell, env)
    assert done.returncode == 2
    assert "tenant 'team-c' has no keys" in done.stderr and "create-secrets.sh" in done.stderr
    assert mc_calls(env) == []


def test_the_job_mounts_the_tenant_list_and_keys_and_lists_example_tenants() -> None:
    pod = bucket_job()["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tenants"]["configMap"]["name"] == "quantumlayer-tenants"
    assert volumes["tenant-keys"]["secret"]["secretName"] == "quantumlayer-tenant-keys"
    [container] = pod["containers"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert all(mounts[n]["readOnly"] for n in ("policy", "tenants", "tenant-keys"))
    assert listed_tenants() == ["team-a", "team-b"]
