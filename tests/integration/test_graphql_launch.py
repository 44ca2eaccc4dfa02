"""``quantumlayer launch`` and ``quantumlayer status`` over GraphQL against a real
``dagster-webserver`` subprocess (SQLite instance in a temporary home, the test-only code
location with the scripted LLM, runs executed by the default run launcher in their own
processes)."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.stages.registry import ASSET_NAMES
from quantumlayer_dagster.store.keys import (
    capsule_key,
    submission_key,
    tenant_capsule_record_key,
)
from quantumlayer_dagster.store.local_dir import LocalDirStore
from quantumlayer_dagster.tenants import TENANT_TAG
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import (
    DagsterHome,
    Webserver,
    make_home,
    running_webserver,
)
from tests.fixtures.network import free_port

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DagsterHome, Webserver]]:
    home = make_home(tmp_path_factory.mktemp("graphql"))
    with running_webserver(home) as server:
        yield home, server


@pytest.fixture
def cli_env(served, monkeypatch: pytest.MonkeyPatch) -> DagsterHome:
    """The CLI in this process sees the same home as the webserver."""
    home, _ = served
    for name in ("QL_HOME", "QL_LLM_CONFIG", "DAGSTER_HOME"):
        monkeypatch.setenv(name, home.env[name])
    return home


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_launch_runs_the_graph_and_status_follows_it_to_success(
    served, cli_env: DagsterHome, tmp_path: Path, capsys
):
    _, server = served
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)

    code, out = cli(capsys, "launch", str(prompt), "--url", server.url, "--tenant", "acme")
    assert code == EXIT_OK, out
    fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
    request_id, run_id = fields["request"], fields["run"]
    store = LocalDirStore(cli_env.artifacts)
    assert wordcount.PROMPT in store.get_bytes(submission_key(request_id)).decode()

    deadline = time.monotonic() + 420
    while True:
        code, out = cli(capsys, "status", request_id, "--url", server.url, "--json")
        assert code == EXIT_OK, out
        status = json.loads(out)
        if status["status"] in TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(2)

    assert status["run_id"] == run_id
    assert status["status"] == "SUCCESS", server.log.read_text()[-3000:]
    assert [s["step"] for s in status["steps"]] == list(ASSET_NAMES)
    assert {s["step"]: s["status"] for s in status["steps"]} == dict.fromkeys(
        ASSET_NAMES, "SUCCESS"
    )
    assert all(s["end_time"] >= s["start_time"] > 0 for s in status["steps"])
    # The run really built this request's capsule, in the store the CLI wrote to.
    capsule = Path(store.location(capsule_key(request_id, "acme")))
    assert verify_capsule(capsule).ok
    assert store.exists(tenant_capsule_record_key(request_id, "acme"))  # for the tenant's keys
    # The GraphQL launch named its tenant by the run tag the queue's fair share counts.
    instance = dg.DagsterInstance.from_config(str(cli_env.dagster_home))
    try:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.tags[TENANT_TAG] == "acme"
    finally:
        instance.dispose()

    code, table = cli(capsys, "status", request_id, "--url", server.url)
    assert code == EXIT_OK
    assert f"run: {run_id}" in table and "status: SUCCESS" in table
    rows = {line.split()[0]: line.split()[1] for line in table.splitlines()[5:]}
    assert rows == dict.fromkeys(ASSET_NAMES, "SUCCESS")


def test_status_of_an_unknown_request_says_so(served, cli_env, capsys):
    _, server = served
    code, out = cli(capsys, "status", "r20990101000000-deadbeef", "--url", server.url)
    assert code == EXIT_FAILED
    assert out.strip() == f"error: no run for request r20990101000000-deadbeef at {server.url}"


def test_launch_and_status_without_a_server_say_how_to_start_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["launch", str(prompt)], ["status", "r1"]):
        code, out = cli(capsys, *args, "--url", url)
        assert code == EXIT_FAILED
        assert out.strip() == (
            f"error: cannot reach {url}: is dagster-webserver running at {url}? "
            "start it with `make ui`"
        )
    assert not (tmp_path / "home").exists()  # nothing stored for a launch that cannot run


def test_launch_refuses_a_bad_prompt_before_contacting_the_server(tmp_path, capsys):
    prompt = tmp_path / "empty.txt"
    prompt.write_bytes(b"")
    code, out = cli(capsys, "launch", str(prompt), "--url", "http://127.0.0.1:9")
    assert code == EXIT_USAGE
    assert out.startswith("error: ") and "is empty" in out
