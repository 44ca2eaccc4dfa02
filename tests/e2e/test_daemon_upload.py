"""End to end as a platform runs it: ``dagster-daemon`` and ``dagster-webserver`` on a
Postgres instance (the shipped ``dagster.yaml``, fresh database), a prompt uploaded with
``quantumlayer submit --tenant acme`` into the store the ``prompt_uploads`` sensor watches
(the local store: the daemon's processes would each need moto's S3 server otherwise), then
the capsule appears under the tenant's prefix; the run is read back over GraphQL with
``quantumlayer status`` and the capsule downloaded with ``quantumlayer fetch``; the audit
trail holds the submission, the sensor's launch, the capsule write and the fetch, chained,
all the tenant's. The LLM is the scripted test double, loaded by the test-only code location."""

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.stages.registry import ASSET_NAMES
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import (
    DagsterHome,
    Webserver,
    make_home,
    running_daemon,
    running_webserver,
    shipped_postgres_instance_yaml,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]
CLI = str(Path(sys.executable).parent / "quantumlayer")
CAPSULE_TIMEOUT_S = 600


@pytest.fixture
def platform(postgres_database, tmp_path) -> Iterator[tuple[DagsterHome, Webserver, Path]]:
    # The sensor's interval comes from QL_UPLOAD_POLL_S: one second instead of ten.
    home = make_home(
        tmp_path / "home",
        instance_yaml=shipped_postgres_instance_yaml(),
        extra_env={**postgres_database.env(), "QL_UPLOAD_POLL_S": "1"},
    )
    with running_webserver(home) as server, running_daemon(home) as daemon_log:
        yield home, server, daemon_log


def status_of(home: DagsterHome, server: Webserver, request_id: str) -> dict:
    out = subprocess.run(
        [CLI, "status", request_id, "--url", server.url, "--json"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout
    return json.loads(out.stdout)


def test_an_uploaded_prompt_becomes_a_capsule_through_the_daemon(platform, tmp_path):
    home, server, daemon_log = platform
    prompt = tmp_path / "wordcount.txt"
    prompt.write_text(wordcount.PROMPT)
    submitted = subprocess.run(
        [CLI, "submit", str(prompt), "--tenant", "acme"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert submitted.returncode == 0, submitted.stderr
    upload_key = submitted.stdout.strip()
    assert upload_key.startswith("incoming/acme/")

    store = LocalDirStore(home.artifacts)
    deadline = time.monotonic() + CAPSULE_TIMEOUT_S
    capsules: list[str] = []
    while not capsules and time.monotonic() < deadline:
        capsules = [k for k in store.list_keys("tenants/acme/capsules/") if k.endswith(".tar.gz")]
        time.sleep(2)
    assert capsules, (
        f"no capsule in {CAPSULE_TIMEOUT_S}s; daemon log:\n"
        + daemon_log.read_text(errors="replace")[-4000:]
    )
    assert len(capsules) == 1
    request_id = Path(capsules[0]).name.removesuffix(".tar.gz")
    assert verify_capsule(Path(store.location(capsules[0]))).ok

    # The run the sensor launched, as the webserver reports it (same Postgres instance);
    # the capsule is written before the run's last events, so it may still be finishing.
    deadline = time.monotonic() + 120
    run = status_of(home, server, request_id)
    while run["status"] not in {"SUCCESS", "FAILURE"} and time.monotonic() < deadline:
        time.sleep(2)
        run = status_of(home, server, request_id)
    assert run["status"] == "SUCCESS"
    assert {s["step"]: s["status"] for s in run["steps"]} == dict.fromkeys(ASSET_NAMES, "SUCCESS")
    # The upload was moved out of incoming/: launched once, not again on later ticks.
    assert not (home.root / "prompts" / upload_key).exists()
    # fetch finds the tenant's capsule through the record beside it (all a tenant's own
    # object-store keys may read) and verifies it.
    fetched = subprocess.run(
        [CLI, "fetch", request_id, "-o", str(tmp_path / "out"), "--tenant", "acme"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "out" / f"{request_id}.tar.gz").exists()
    # Each action left its record in the instance's Postgres, one chain across the CLI, the
    # daemon's sensor and the run worker's processes.
    trail = subprocess.run(
        [CLI, "audit", "show", "--tenant", "acme", "--json"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert trail.returncode == 0, trail.stderr
    records = json.loads(trail.stdout)
    assert [(r["action"], r["actor"]) for r in records] == [
        ("submission", "cli"),
        ("launch", "sensor prompt_uploads"),
        ("capsule_write", "run"),
        ("fetch", "cli"),
    ]
    assert records[0]["subject"] == upload_key
    assert records[1]["request_id"] == records[2]["request_id"] == request_id
    assert records[2]["run_id"] == run["run_id"]
    capsule_sha256 = hashlib.sha256(store.get_bytes(capsules[0])).hexdigest()
    assert records[2]["digests"]["capsule"] == records[3]["digests"]["capsule"] == capsule_sha256
    verified = subprocess.run(
        [CLI, "audit", "verify"], env=home.env, capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0 and "ok: 4 records, chain intact (postgres)" in verified.stdout
